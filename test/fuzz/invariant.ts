/**
 * The promise every reader keeps, whatever the bytes: it returns a parse, or it throws an
 * MmnerError that names the file (and the line, for line-based formats). Any other exception
 * (TypeError, RangeError, SyntaxError…), a slow input or a large allocation breaks it.
 */
import assert from 'node:assert/strict';
import { isMmnerError, type MmnerError } from '../../src/core/errors.js';

/** What a reader's error must say. */
export interface ErrorExpectation {
  file: string;
  /** For line-based formats: errors name a line in 1..lines. */
  lines?: number;
  /** Codes of whole-file problems, allowed without a line (e.g. an empty file). */
  wholeFile?: ReadonlySet<string>;
}

/** Asserts that `e` is an MmnerError naming the file and, where asked, a line; returns it. */
export function assertReaderError(e: unknown, x: ErrorExpectation): MmnerError {
  if (!isMmnerError(e)) {
    const what = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    assert.fail(`expected an MmnerError, got ${what}\n${e instanceof Error ? e.stack : ''}`);
  }
  assert.equal(e.file, x.file, `the error names the file: ${e.message}`);
  assert.ok(e.code && /^[EW]_[A-Z0-9_]+$/.test(e.code), `a stable code: ${e.code}`);
  if (x.lines !== undefined) assertLine(e.line, e.code, x, e.message);
  return e;
}

/** A reported line is 1..lines; whole-file codes may have none. */
export function assertLine(
  line: number | undefined,
  code: string,
  x: ErrorExpectation,
  message: string,
): void {
  if (x.lines === undefined) return;
  if (line === undefined) {
    assert.ok(x.wholeFile?.has(code), `${code} names no line: ${message}`);
    return;
  }
  assert.ok(Number.isInteger(line) && line >= 1 && line <= x.lines, `line ${line} of ${x.lines}: ${message}`);
}

export type Outcome<T> = { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number };

/** Runs `f`, catching what it throws and timing it. */
export function attempt<T>(f: () => T): Outcome<T> {
  const t0 = performance.now();
  try {
    const value = f();
    return { ok: true, value, ms: performance.now() - t0 };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - t0 };
  }
}

export async function attemptAsync<T>(f: () => Promise<T>): Promise<Outcome<T>> {
  const t0 = performance.now();
  try {
    const value = await f();
    return { ok: true, value, ms: performance.now() - t0 };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - t0 };
  }
}

/**
 * Time allowed for one input: 300 ms plus 2 µs a byte, generous for a linear reader on a slow,
 * shared CI machine (they read ~50 MB/s), while a quadratic scan of a 50 k-character line
 * (seconds) fails it.
 */
export function timeBudgetMs(inputLength: number): number {
  return 300 + inputLength / 500;
}

export function assertFast(ms: number, inputLength: number, what: string): void {
  const budget = timeBudgetMs(inputLength);
  assert.ok(ms <= budget, `${what} took ${ms.toFixed(0)} ms for ${inputLength} bytes (budget ${budget} ms)`);
}

/**
 * Asserts that `f` left at most `limit` bytes of new array buffers behind (alive or not yet
 * collected: V8 frees them at a later GC), so a header claiming 2^40 elements or a 2 GB header
 * is rejected from the numbers, not by trying to allocate it.
 */
export async function assertBoundedMemory<T>(limit: number, f: () => T | Promise<T>): Promise<T> {
  const before = process.memoryUsage().arrayBuffers;
  try {
    return await f();
  } finally {
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown <= limit, `array buffers grew by ${grown} bytes (limit ${limit})`);
  }
}
