/**
 * A notebook cell → a function that runs it in the kernel's persistent scope, REPL-like.
 *
 * esbuild strips TypeScript (JavaScript goes through it too, so both get one source map) and
 * keeps top-level `await`. The JavaScript it prints is then parsed (TypeScript's parser, JS mode)
 * and its top-level declarations rewritten into assignments to the scope object, which the
 * wrapper puts in a `with` block around an async arrow holding the cell:
 *
 *   const {a, b} = f()     →  void ({a, b} = f())         (a, b seeded on the scope first)
 *   class C {}             →  C = class C {};
 *   function g() {}        →  kept (hoisted), plus `scope.g = g` at the top of the body
 *   import x from 'm'      →  void ({ default: x } = await __mmner_import__('m'))
 *   last expression e;     →  return (e);
 *
 * So a later cell sees every name, may declare a `const` again, and nothing of the user's
 * reaches the kernel's own globals. Edits never add or remove lines, and the wrapper adds
 * exactly one line before the cell: stack lines map back through esbuild's source map.
 */
import { transform } from 'esbuild';
import ts from 'typescript';
import type { CellLanguage } from '../../core/protocol/kernel.js';

/** Names the wrapper binds; the cell cannot see them unless it spells them out. */
export const SCOPE_PARAM = '__mmner_scope__';
export const IMPORT_PARAM = '__mmner_import__';

/** A text edit on esbuild's output: replace `[pos, end)` with `text`. */
interface Edit {
  pos: number;
  end: number;
  text: string;
}

/** A one-line edit as the column mapping needs it (0-based, esbuild output coordinates). */
export interface ColumnEdit {
  col: number;
  removed: number;
  added: number;
}

export interface CompiledCell {
  /** A function expression `(scope, importer) => Promise<last value>`, for `vm.runInThisContext`. */
  script: string;
  /** Top-level names the cell declares (seeded on the scope before it runs). */
  declared: string[];
  /** esbuild's source map of the cell (v3 JSON). */
  map: string;
  /** Per output line, the edits that moved its columns. */
  columns: Map<number, ColumnEdit[]>;
  /** Lines of esbuild's output (the cell's part of the script). */
  lines: number;
}

/** A syntax error esbuild found, at a 1-based line and column of the cell. */
export class CellSyntaxError extends Error {
  override name = 'SyntaxError';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

interface EsbuildFailure {
  errors?: { text: string; location?: { line: number; column: number } | null }[];
}

async function strip(code: string, language: CellLanguage, cellName: string) {
  try {
    return await transform(code, {
      loader: language === 'typescript' ? 'ts' : 'js',
      format: 'esm',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: cellName,
      // Keep `import { x }` of a TypeScript cell even when the cell itself does not use x: later
      // cells may. (An import of a type only then binds undefined, harmlessly.)
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    });
  } catch (e) {
    const first = (e as EsbuildFailure).errors?.[0];
    if (!first) throw e;
    throw new CellSyntaxError(first.text, first.location?.line ?? 1, (first.location?.column ?? 0) + 1);
  }
}

/** Every identifier a binding (name or destructuring pattern) declares. */
function boundNames(name: ts.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) {
    out.push(name.text);
    return;
  }
  for (const element of name.elements) if (!ts.isOmittedExpression(element)) boundNames(element.name, out);
}

function hasExport(node: ts.Node): ts.Modifier | undefined {
  const modifiers = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
  return modifiers?.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** Rewrites of one top-level statement; names it declares go to `declared`. */
function rewrite(
  stmt: ts.Statement,
  file: ts.SourceFile,
  declared: string[],
  hoisted: string[],
  edits: Edit[],
): void {
  const exported = hasExport(stmt);
  // `export` means nothing in a cell: dropped (a class puts its assignment there instead).
  const dropExport: Edit | undefined = exported && {
    pos: exported.getStart(file),
    end: exported.end,
    text: '',
  };
  if (dropExport) edits.push(dropExport);
  if (ts.isVariableStatement(stmt)) {
    const list = stmt.declarationList;
    const isVar = (list.flags & ts.NodeFlags.BlockScoped) === 0;
    // The keyword (`const`, `let`, `var`) becomes `void (`; the list ends with `)`.
    const keyword = list.getStart(file);
    const first = list.declarations[0];
    if (!first) return;
    edits.push({ pos: keyword, end: first.getStart(file), text: 'void (' });
    for (const d of list.declarations) {
      boundNames(d.name, declared);
      // `let x;` resets x; `var x;` keeps the value x had (it is the same variable).
      if (!d.initializer)
        edits.push({
          pos: d.name.end,
          end: d.name.end,
          text: isVar ? ` = ${d.name.getText(file)}` : ' = undefined',
        });
    }
    edits.push({ pos: list.end, end: list.end, text: ')' });
  } else if (ts.isFunctionDeclaration(stmt) && stmt.name) {
    declared.push(stmt.name.text);
    hoisted.push(stmt.name.text);
  } else if (ts.isClassDeclaration(stmt) && stmt.name) {
    declared.push(stmt.name.text);
    const assign = `${stmt.name.text} = `;
    if (dropExport) dropExport.text = assign;
    else edits.push({ pos: stmt.getStart(file), end: stmt.getStart(file), text: assign });
    edits.push({ pos: stmt.end, end: stmt.end, text: ';' });
  } else if (ts.isExportDeclaration(stmt)) {
    edits.push({ pos: stmt.getStart(file), end: stmt.end, text: '' }); // `export { a }`: a is shared already
  } else if (ts.isExportAssignment(stmt)) {
    edits.push({ pos: stmt.getStart(file), end: stmt.expression.getStart(file), text: '' });
  } else if (ts.isImportDeclaration(stmt)) {
    edits.push({ pos: stmt.getStart(file), end: stmt.end, text: importAssignment(stmt, file, declared) });
  }
}

/** `import …` as assignments from a dynamic import (resolved from the notebook's folder). */
function importAssignment(stmt: ts.ImportDeclaration, file: ts.SourceFile, declared: string[]): string {
  const from = `await ${IMPORT_PARAM}(${stmt.moduleSpecifier.getText(file)})`;
  const clause = stmt.importClause;
  if (!clause) return `${from};`;
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) {
    const ns = bindings.name.text;
    declared.push(ns);
    const fallback = clause.name ? `, ${clause.name.text} = ${ns}.default` : '';
    if (clause.name) declared.push(clause.name.text);
    return `void (${ns} = ${from}${fallback});`;
  }
  const parts: string[] = [];
  if (clause.name) {
    declared.push(clause.name.text);
    parts.push(`default: ${clause.name.text}`);
  }
  if (bindings && ts.isNamedImports(bindings)) {
    for (const el of bindings.elements) {
      declared.push(el.name.text);
      parts.push(`${el.propertyName ? el.propertyName.getText(file) : el.name.text}: ${el.name.text}`);
    }
  }
  return parts.length ? `void ({ ${parts.join(', ')} } = ${from});` : `${from};`;
}

/** Applies edits (non-overlapping), keeping every line where it was. */
function applyEdits(code: string, edits: Edit[], file: ts.SourceFile): Map<number, ColumnEdit[]> {
  const columns = new Map<number, ColumnEdit[]>();
  for (const e of edits) {
    const lines = code.slice(e.pos, e.end).split('\n').length - 1;
    // A multi-line replacement keeps its line count: the newlines go after the new text.
    if (lines > 0) e.text += '\n'.repeat(lines);
    else {
      const { line, character } = file.getLineAndCharacterOfPosition(e.pos);
      const list = columns.get(line) ?? [];
      list.push({ col: character, removed: e.end - e.pos, added: e.text.length });
      columns.set(line, list);
    }
  }
  for (const list of columns.values()) list.sort((a, b) => a.col - b.col);
  return columns;
}

/** Applies edits from the end; of two at one place, the later one first, so their texts keep their order. */
function spliceAll(code: string, edits: readonly Edit[]): string {
  const order = edits.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => b.pos - a.pos || j - i);
  let out = code;
  for (const [e] of order) out = out.slice(0, e.pos) + e.text + out.slice(e.end);
  return out;
}

export async function compileCell(
  code: string,
  language: CellLanguage,
  cellName: string,
): Promise<CompiledCell> {
  const stripped = await strip(code, language, cellName);
  const js = stripped.code;
  const file = ts.createSourceFile('cell.js', js, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const declared: string[] = [];
  const hoisted: string[] = [];
  const edits: Edit[] = [];
  for (const stmt of file.statements) rewrite(stmt, file, declared, hoisted, edits);
  const last = file.statements.at(-1);
  if (last && ts.isExpressionStatement(last)) {
    const start = last.getStart(file);
    edits.push({ pos: start, end: start, text: 'return (' });
    edits.push({ pos: last.expression.end, end: last.expression.end, text: ')' });
  }
  const columns = applyEdits(js, edits, file);
  const body = spliceAll(js, edits);
  const exports = hoisted.map((name) => `${SCOPE_PARAM}.${name} = ${name};`).join(' ');
  // Line 1 is the wrapper; the cell's output line k (0-based) is line k + 2 of the script.
  const script = `(function (${SCOPE_PARAM}, ${IMPORT_PARAM}) { with (${SCOPE_PARAM}) { return (async () => { ${exports}\n${body}\n})(); } })`;
  return {
    script,
    declared: [...new Set(declared)],
    map: stripped.map,
    columns,
    lines: js.split('\n').length,
  };
}

/** The line of the script holding the cell's first output line (1-based, as V8 counts). */
export const FIRST_CELL_LINE = 2;
