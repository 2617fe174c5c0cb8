/**
 * Shared by the data tests: where the real data files are (../shared/data beside the repo),
 * temp folders, and small predicates over problems.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import type { DataProblem } from '../../../src/core/data/problems.js';

export const SHARED_DATA = resolve(import.meta.dirname, '../../../../shared/data');
export const HAVE_SHARED_DATA = existsSync(join(SHARED_DATA, 'SOURCES.md'));
/** For `test(name, { skip: NO_SHARED_DATA }, …)`: the real files are not in every checkout. */
export const NO_SHARED_DATA = HAVE_SHARED_DATA ? false : `no real data at ${SHARED_DATA}`;

export function shared(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}

/** A temp folder removed when the test file ends. */
export function tempDir(prefix = 'mmner-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `CODE@line` for each problem, the shape most assertions compare. */
export function codesAt(problems: readonly DataProblem[]): string[] {
  return problems.map((p) => `${p.code}@${p.line ?? '-'}`);
}

export function errorsOf(problems: readonly DataProblem[]): DataProblem[] {
  return problems.filter((p) => p.severity === 'error');
}
