/**
 * CoNLL-2002/2003 column files: one token per line, columns split by TABs or by spaces
 * (decided per file), a blank line between sentences, `-DOCSTART-` lines between documents.
 * The token column is 0, or 1 when column 0 is a per-sentence index (WikiNEuRal); the tag
 * column is the last. Sentence ids are `<file name>:<line>`.
 */
import type { Sentence } from '../types.js';
import { DataCode, n } from './problems.js';
import { runParser } from './reader.js';
import type { ParseContext, ReadOptions, ReadResult } from './readOptions.js';
import { DEFAULT_MAX_LINE_LENGTH } from './text.js';

export const DOCSTART = '-DOCSTART-';

/** The last path segment, for generated ids. */
export function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

interface Layout {
  tabs: boolean;
  columns: number;
  firstLine: number;
  /** Column 0 counts tokens within the first sentence (0, 1, 2, … or 1, 2, 3, …). */
  indexed: boolean;
}

function splitFields(line: string, tabs: boolean): string[] {
  return tabs ? line.split('\t') : line.replace(/^ +/, '').split(/ +/);
}

/** Reads the first sentence to decide separator, column count and whether column 0 is an index. */
function detectLayout(text: string, maxLineLength: number): Layout | undefined {
  const lines: { line: string; no: number }[] = [];
  let pos = 0;
  let no = 0;
  while (pos < text.length && lines.length < 500) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    no++;
    // Over-long lines are reported by the line reader; they say nothing about the layout.
    // trimEnd, not /\s+$/: the regex retries from every space of a long run (quadratic).
    const line = end - pos > maxLineLength ? '' : text.slice(pos, end).trimEnd();
    const first = line.split(/[\t ]/)[0];
    if (line === '') {
      if (lines.length > 0) break;
    } else if (first !== DOCSTART) lines.push({ line, no });
    if (nl < 0) break;
    pos = nl + 1;
  }
  if (lines.length === 0) return undefined;
  const withTab = lines.filter((l) => l.line.includes('\t')).length;
  const tabs = withTab * 2 >= lines.length;
  const fieldsOf = lines.map((l) => splitFields(l.line, tabs));
  // The most common column count of the first sentence, so one broken line does not set it.
  const tally = new Map<number, number>();
  for (const f of fieldsOf) tally.set(f.length, (tally.get(f.length) ?? 0) + 1);
  const columns = [...tally].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
  const firstFull = fieldsOf.findIndex((f) => f.length === columns);
  const start = Number(fieldsOf[firstFull]![0]) - firstFull;
  // Lines with another column count are reported later; they do not hide the index column.
  const indexed =
    columns >= 3 &&
    (start === 0 || start === 1) &&
    fieldsOf.every((f, i) => f.length !== columns || f[0] === String(start + i));
  return { tabs, columns, firstLine: lines[firstFull]!.no, indexed };
}

export function parseConll(ctx: ParseContext): void {
  const { file, problems, assembler, opts, notes } = ctx;
  const layout = detectLayout(ctx.text, opts.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  if (!layout) {
    ctx.eachLine(() => {});
    problems.error(
      DataCode.emptyFile,
      ctx.text === '' ? 'the file is empty' : 'the file has no token lines',
      {
        file,
        hint: 'a CoNLL file holds one `token tag` line per token and a blank line between sentences',
      },
    );
    return;
  }
  const sep = layout.tabs ? 'TAB' : 'space';
  const tokenColumn = opts.tokenColumn ?? (layout.indexed ? 1 : 0);
  const tagColumn = opts.tagColumn ?? layout.columns - 1;
  notes.push(
    `${layout.columns} ${sep}-separated columns (as on line ${layout.firstLine}); token column ${tokenColumn}${
      layout.indexed && opts.tokenColumn === undefined
        ? ' (column 0 numbers the tokens of each sentence)'
        : ''
    }, tag column ${tagColumn}`,
  );
  for (const [name, col] of [
    ['tag', tagColumn],
    ['token', tokenColumn],
  ] as const) {
    if (col < 0 || col >= layout.columns || (name === 'token' && col === tagColumn)) {
      problems.error(
        DataCode.columns,
        `the ${name} column is ${col}, but line ${layout.firstLine} has columns 0 to ${layout.columns - 1}${col === tagColumn && name === 'token' ? ' and the tag is in that column' : ''}`,
        { file, line: layout.firstLine, hint: `choose it with --${name}-column N (counted from 0)` },
      );
      ctx.eachLine(() => {});
      return;
    }
  }

  let tokens: string[] = [];
  let tags: string[] = [];
  let tagLines: number[] = [];
  let startLine = 0;
  let documents = 0;
  let lastBlank = true;
  const base = baseName(file);
  const close = () => {
    if (tokens.length > 0)
      assembler.add({ id: `${base}:${startLine}`, line: startLine, tokens, tags, tagLines });
    tokens = [];
    tags = [];
    tagLines = [];
  };

  ctx.eachLine((line, no) => {
    if (line === '') {
      if (tokens.length > 0) close();
      else if (lastBlank) {
        problems.fold(
          DataCode.extraBlankLines,
          { file, line: no, hint: 'accepted; sentences are separated by one blank line' },
          (c, lines) =>
            `${n(c)} extra blank lines (lines ${lines.join(', ')}${c > lines.length ? ', …' : ''})`,
        );
      }
      lastBlank = true;
      return;
    }
    lastBlank = false;
    const fields = splitFields(line, layout.tabs);
    if (fields[0] === DOCSTART) {
      close();
      documents++;
      // The blank line that usually follows -DOCSTART- is not an extra one.
      lastBlank = false;
      return;
    }
    if (fields.length !== layout.columns) {
      const other = layout.tabs ? / +/.test(line) && !line.includes('\t') : line.includes('\t');
      if (other) {
        problems.error(
          DataCode.separator,
          layout.tabs
            ? 'fields are separated by spaces, but this file separates columns with TABs'
            : 'a TAB separates fields, but this file separates columns with spaces',
          { file, line: no, hint: `use one ${sep} between columns, as on line ${layout.firstLine}` },
        );
      } else {
        problems.error(
          DataCode.columns,
          `expected ${layout.columns} ${sep}-separated columns (as on line ${layout.firstLine}), found ${fields.length}`,
          {
            file,
            line: no,
            hint: fields.some((f) => f === '')
              ? `two ${sep}s in a row?`
              : 'every token line has the same columns',
          },
        );
      }
      return;
    }
    const token = fields[tokenColumn]!;
    if (token === '') {
      problems.error(DataCode.emptyToken, 'empty token', {
        file,
        line: no,
        hint: `column ${tokenColumn} is empty`,
      });
    }
    if (tokens.length === 0) startLine = no;
    tokens.push(token);
    tags.push(assembler.tag(fields[tagColumn]!, no) ?? 'O');
    tagLines.push(no);
  });
  close();
  if (documents > 0) notes.push(`${n(documents)} ${DOCSTART} lines (document breaks)`);
}

/** Options for the CoNLL reader (the format is fixed). */
export type ConllReadOptions = Omit<ReadOptions, 'format'>;

/** Reads a CoNLL column file from bytes or text. */
export function readConll(input: Uint8Array | string, opts: ConllReadOptions): ReadResult {
  return runParser(input, opts, 'conll', parseConll);
}

/** Writes `token<TAB>tag` lines, a blank line after each sentence. */
export function formatConll(sentences: readonly Sentence[]): string {
  return sentences.map((s) => `${s.tokens.map((t, i) => `${t}\t${s.tags[i]}\n`).join('')}\n`).join('');
}
