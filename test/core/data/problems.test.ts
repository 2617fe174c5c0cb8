import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ERRORS_PER_CODE, ProblemCollector } from '../../../src/core/data/problems.js';

test('throw mode raises the first error as an MmnerError; warnings never throw', () => {
  const c = new ProblemCollector('throw');
  c.warning('W_DATA_BOM', 'bom', { file: 'f', line: 1 });
  assert.throws(
    () => c.error('E_DATA_BAD_TAG', 'bad', { file: 'f', line: 3, hint: 'fix it' }),
    (e: Error & { code?: string }) => e.code === 'E_DATA_BAD_TAG' && e.message === 'f:3: bad\n  fix it',
  );
  assert.equal(c.finish().length, 1);
});

test('folding: one problem per code and file, with the count and the first five lines', () => {
  const c = new ProblemCollector('collect');
  for (let line = 1; line <= 8; line++)
    c.fold('W_DATA_CRLF', { file: 'a', line }, (n, l) => `${n} at ${l.join(',')}`);
  c.fold('W_DATA_CRLF', { file: 'b', line: 2 }, (n) => `${n}`);
  const [a, b] = c.finish();
  assert.deepEqual([a!.count, a!.lines, a!.message], [8, [1, 2, 3, 4, 5], '8 at 1,2,3,4,5']);
  assert.deepEqual([b!.file, b!.count], ['b', 1]);
});

test('collect mode keeps a bounded number of errors per code and counts the rest', () => {
  const c = new ProblemCollector('collect');
  for (let i = 0; i < MAX_ERRORS_PER_CODE + 7; i++)
    c.error('E_DATA_BAD_TAG', 'x', { file: 'f', line: i + 1 });
  const problems = c.finish();
  assert.equal(c.errorCount, MAX_ERRORS_PER_CODE + 7);
  assert.equal(problems.length, MAX_ERRORS_PER_CODE + 1);
  assert.equal(problems.at(-1)!.count, 7);
  assert.equal(
    problems.reduce((s, p) => s + p.count, 0),
    MAX_ERRORS_PER_CODE + 7,
  );
});
