/**
 * How readers report: one collector, two modes. `collect` keeps every problem (for
 * `mmner data validate`); `throw` raises the first error as an MmnerError (for loading). Repetitive
 * warnings (CRLF on every line…) are folded into one problem with a count and the first lines.
 */
import { type Problem, problemToError } from '../errors.js';

/** Every code the data layer reports; `E_` are errors, `W_` warnings. */
export const DataCode = {
  fileNotFound: 'E_FILE_NOT_FOUND',
  fileUnreadable: 'E_FILE_UNREADABLE',
  notUtf8: 'E_DATA_NOT_UTF8',
  lineTooLong: 'E_DATA_LINE_TOO_LONG',
  controlChar: 'E_DATA_CONTROL_CHAR',
  emptyFile: 'E_DATA_EMPTY_FILE',
  noImgid: 'E_DATA_NO_IMGID',
  emptyImgid: 'E_DATA_EMPTY_IMGID',
  emptySentence: 'E_DATA_EMPTY_SENTENCE',
  duplicateId: 'E_DATA_DUPLICATE_ID',
  columns: 'E_DATA_COLUMNS',
  separator: 'E_DATA_SEPARATOR',
  emptyToken: 'E_DATA_EMPTY_TOKEN',
  badTag: 'E_DATA_BAD_TAG',
  unknownType: 'E_DATA_UNKNOWN_TYPE',
  jsonSyntax: 'E_DATA_JSON_SYNTAX',
  jsonField: 'E_DATA_JSON_FIELD',
  lengthMismatch: 'E_DATA_LENGTH_MISMATCH',
  imageDir: 'E_DATA_IMAGE_DIR',
  imageMissing: 'E_DATA_IMAGE_MISSING',
  imageCorrupt: 'E_DATA_IMAGE_CORRUPT',
  manifestSyntax: 'E_MANIFEST_SYNTAX',
  manifestField: 'E_MANIFEST_FIELD',
  manifestPath: 'E_MANIFEST_PATH',
  manifestFileMissing: 'E_MANIFEST_FILE_MISSING',
  /** A path that a symbolic link takes outside the dataset folder. */
  pathOutside: 'E_PATH_OUTSIDE',
  subsetUnknownId: 'E_MANIFEST_SUBSET_ID',
  bom: 'W_DATA_BOM',
  crlf: 'W_DATA_CRLF',
  trailingWhitespace: 'W_DATA_TRAILING_WHITESPACE',
  extraBlankLines: 'W_DATA_BLANK_LINES',
  noBlankLine: 'W_DATA_NO_BLANK_LINE',
  unknownField: 'W_DATA_UNKNOWN_FIELD',
  strayInside: 'W_TAG_STRAY_I',
  unclosed: 'W_TAG_UNCLOSED',
  needlessBegin: 'W_TAG_NEEDLESS_B',
  imageBlank: 'W_DATA_IMAGE_BLANK',
  imageDirMissing: 'W_DATA_IMAGE_DIR_MISSING',
  imageAmbiguous: 'W_DATA_IMAGE_AMBIGUOUS',
  manifestUnknownField: 'W_MANIFEST_UNKNOWN_FIELD',
} as const;
export type DataCode = (typeof DataCode)[keyof typeof DataCode];

/** A Problem that may stand for several occurrences (a folded warning). */
export interface DataProblem extends Problem {
  /** How many occurrences this problem stands for (1 unless folded). */
  count: number;
  /** The first lines where it occurs (at most FOLDED_LINES), for folded problems. */
  lines?: number[];
}

export type ReportMode = 'collect' | 'throw';

/** How many example lines a folded warning keeps. */
export const FOLDED_LINES = 5;
/** Errors kept per code in collect mode (a collector serves one file); the rest are only counted. */
export const MAX_ERRORS_PER_CODE = 10_000;

interface Fold {
  problem: DataProblem;
  describe: (count: number, lines: number[]) => string;
}

export class ProblemCollector {
  readonly problems: DataProblem[] = [];
  private readonly folds = new Map<string, Fold>();
  private readonly errorCounts = new Map<string, number>();
  private dropped = new Map<string, { count: number; file?: string }>();
  errorCount = 0;

  constructor(readonly mode: ReportMode) {}

  /** Reports an error: throws in `throw` mode, otherwise keeps it. */
  error(code: DataCode, message: string, where: { file?: string; line?: number; hint?: string }): void {
    const p: DataProblem = { severity: 'error', code, message, count: 1, ...definedOnly(where) };
    if (this.mode === 'throw') throw problemToError(p);
    this.errorCount++;
    const n = (this.errorCounts.get(code) ?? 0) + 1;
    this.errorCounts.set(code, n);
    if (n <= MAX_ERRORS_PER_CODE) this.problems.push(p);
    else this.dropped.set(code, { count: (this.dropped.get(code)?.count ?? 0) + 1, file: where.file });
  }

  /** Reports one warning occurrence. */
  warning(code: DataCode, message: string, where: { file?: string; line?: number; hint?: string }): void {
    this.problems.push({ severity: 'warning', code, message, count: 1, ...definedOnly(where) });
  }

  /**
   * Counts one occurrence of a repetitive warning; all occurrences with the same key (per file)
   * become one problem whose message `describe` writes from the count and first lines.
   */
  fold(
    code: DataCode,
    where: { file?: string; line?: number; hint?: string },
    describe: (count: number, lines: number[]) => string,
    key: string = code,
  ): void {
    const k = `${where.file ?? ''}\u0000${key}`;
    let f = this.folds.get(k);
    if (!f) {
      f = {
        problem: { severity: 'warning', code, message: '', count: 0, lines: [], ...definedOnly(where) },
        describe,
      };
      this.folds.set(k, f);
      this.problems.push(f.problem);
    }
    f.problem.count++;
    if (where.line !== undefined && f.problem.lines!.length < FOLDED_LINES) f.problem.lines!.push(where.line);
  }

  /** Finishes folded messages and returns every problem, in the order first seen. */
  finish(): DataProblem[] {
    for (const f of this.folds.values())
      f.problem.message = f.describe(f.problem.count, f.problem.lines ?? []);
    this.folds.clear();
    for (const [code, d] of this.dropped) {
      this.problems.push({
        severity: 'error',
        code,
        message: `${d.count} more ${code} errors not kept (only the first ${MAX_ERRORS_PER_CODE} are listed)`,
        count: d.count,
        ...definedOnly({ file: d.file }),
      });
    }
    this.dropped = new Map();
    return this.problems;
  }

  /** Adds problems found elsewhere (e.g. by a nested read), keeping mode semantics. */
  addAll(problems: readonly DataProblem[]): void {
    for (const p of problems) {
      if (p.severity === 'error') {
        if (this.mode === 'throw') throw problemToError(p);
        this.errorCount += p.count;
      }
      this.problems.push(p);
    }
  }
}

/** `1,234` — counts in messages. */
export function n(count: number): string {
  return count.toLocaleString('en-US');
}

/** `lines 3, 7, 9, …` for folded messages. */
export function atLines(lines: readonly number[], count: number): string {
  if (lines.length === 0) return '';
  const more = count > lines.length ? ', …' : '';
  return `${lines.length === 1 && count === 1 ? 'line' : 'lines'} ${lines.join(', ')}${more}`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Occurrences of errors and warnings (a folded problem counts as many as it stands for). */
export function countProblems(problems: readonly DataProblem[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const p of problems) {
    if (p.severity === 'error') errors += p.count;
    else warnings += p.count;
  }
  return { errors, warnings };
}
