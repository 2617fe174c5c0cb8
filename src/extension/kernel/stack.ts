/**
 * Stack traces in the user's own terms: a frame in a cell's script (`mmner-cell-N:LINE:COL`)
 * becomes `<cellName>:LINE:COL` of the cell as typed, through the wrapper's line offset, the
 * rewrite's column shifts and esbuild's source map. Every compiled cell stays registered, so a
 * function defined in cell 2 and failing while cell 5 runs still points into cell 2. The
 * kernel's own frames are dropped; library frames stay (they say where mmner gave up).
 */
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import type { ErrorMessage } from '../../core/protocol/kernel.js';
import { type ColumnEdit, type CompiledCell, FIRST_CELL_LINE } from './compile.js';

interface Registered {
  cellName: string;
  map: SourceMap;
  columns: Map<number, ColumnEdit[]>;
  /** Lines of esbuild's output: a frame past them is in the wrapper's closing line. */
  lines: number;
}

const FRAME = /mmner-cell-(\d+):(\d+):(\d+)/g;
/**
 * Frames of the kernel's machinery: this folder when run from source, the bundle when built
 * (which also holds the library: its frames go too, their bundle lines would mean nothing to
 * the user), and Node's internals.
 */
const OWN_FILE = fileURLToPath(import.meta.url);
const OWN = /\.ts$/.test(OWN_FILE) ? `${dirname(OWN_FILE)}${sep}` : OWN_FILE;
const isKernelFrame = (line: string) => line.includes(OWN) || /\(node:|at node:/.test(line);

/** An edited column (0-based) back to esbuild's output column. */
export function unshiftColumn(col: number, edits: readonly ColumnEdit[] = []): number {
  let shift = 0;
  for (const e of edits) {
    const at = e.col + shift;
    if (col < at) break;
    if (col < at + e.added) return e.col;
    shift += e.added - e.removed;
  }
  return col - shift;
}

export class CellRegistry {
  private readonly cells = new Map<number, Registered>();
  private next = 1;

  /** Registers a compiled cell; returns the file name its script must be compiled under. */
  add(cellName: string, cell: CompiledCell): string {
    const n = this.next++;
    const payload = JSON.parse(cell.map) as SourceMapPayload;
    this.cells.set(n, { cellName, map: new SourceMap(payload), columns: cell.columns, lines: cell.lines });
    return `mmner-cell-${n}`;
  }

  /**
   * `<cellName>:LINE:COL` (1-based, in the cell as typed) for a V8 position in cell `n`'s script;
   * null for the wrapper's own lines, undefined for a cell this kernel never compiled.
   */
  position(n: number, line: number, col: number): string | null | undefined {
    const cell = this.cells.get(n);
    if (!cell) return undefined;
    const outLine = line - FIRST_CELL_LINE;
    if (outLine < 0 || outLine >= cell.lines) return null;
    const outCol = unshiftColumn(col - 1, cell.columns.get(outLine));
    const entry = cell.map.findEntry(outLine, outCol) as Partial<{
      originalLine: number;
      originalColumn: number;
    }>;
    if (entry.originalLine === undefined) return `${cell.cellName}:${outLine + 1}:${outCol + 1}`;
    return `${cell.cellName}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  }

  /** The stack with cell frames mapped and the kernel's own frames left out. */
  mapStack(stack: string): string {
    const out: string[] = [];
    for (const l of stack.split('\n')) {
      const isFrame = l.trimStart().startsWith('at ');
      if (isFrame && isKernelFrame(l)) continue;
      let wrapper = false;
      const mapped = l.replace(FRAME, (whole, n, line, col) => {
        const at = this.position(Number(n), Number(line), Number(col));
        if (at === null) wrapper = true;
        return at ?? whole;
      });
      if (!(isFrame && wrapper)) out.push(mapped);
    }
    return out.join('\n');
  }
}

/** A thrown value as the `error` message shows it (anything may be thrown, not only Errors). */
export function errorReply(id: string, thrown: unknown, registry: CellRegistry): ErrorMessage {
  const e = thrown as Partial<Error> | null | undefined;
  const isErrorLike = typeof e === 'object' && e !== null && typeof e.message === 'string';
  if (!isErrorLike) {
    const message = inspect(thrown);
    return { type: 'error', id, name: 'Uncaught', message, stack: `Uncaught ${message}` };
  }
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const stack = typeof e.stack === 'string' ? registry.mapStack(e.stack) : `${name}: ${e.message}`;
  return { type: 'error', id, name, message: e.message!, stack };
}
