/**
 * Errors a user can cause. Every one carries a stable code, says what to do, and names the
 * file and line where there is one. The CLI prints them without a stack trace.
 */

/** Where a problem is: a file and, when known, a 1-based line. */
export interface Location {
  file?: string;
  line?: number;
}

export interface ErrorDetails extends Location {
  /** What the user can do about it; printed on its own line. */
  hint?: string;
  cause?: unknown;
}

/** `file:line: ` or `file: ` or nothing. */
export function formatLocation(loc: Location): string {
  if (!loc.file) return loc.line ? `line ${loc.line}: ` : '';
  return loc.line ? `${loc.file}:${loc.line}: ` : `${loc.file}: `;
}

export class MmnerError extends Error {
  readonly code: string;
  readonly file?: string;
  readonly line?: number;
  readonly hint?: string;
  /** The message without location and hint. */
  readonly detail: string;

  constructor(code: string, detail: string, details: ErrorDetails = {}) {
    const where = formatLocation(details);
    super(`${where}${detail}${details.hint ? `\n  ${details.hint}` : ''}`, { cause: details.cause });
    this.name = 'MmnerError';
    this.code = code;
    this.detail = detail;
    if (details.file !== undefined) this.file = details.file;
    if (details.line !== undefined) this.line = details.line;
    if (details.hint !== undefined) this.hint = details.hint;
  }
}

export function isMmnerError(e: unknown): e is MmnerError {
  return e instanceof MmnerError;
}

/** One finding of a validator: errors make a file unusable, warnings are counted and reported. */
export interface Problem extends Location {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  hint?: string;
}

export function problemToError(p: Problem): MmnerError {
  return new MmnerError(p.code, p.message, p);
}

/** `file:line: error CODE: message` — one line per problem, as compilers print them. */
export function formatProblem(p: Problem): string {
  return `${formatLocation(p)}${p.severity} ${p.code}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`;
}
