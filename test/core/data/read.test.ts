import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectFormat, readData } from '../../../src/core/data/read.js';

test('format detection: an IMGID: line near the top, a JSON object, else CoNLL', () => {
  assert.equal(detectFormat('IMGID:1\na\tO\n').format, 'imgid-conll');
  // A copy whose first IMGID line was lost is still IMGID-CoNLL (and then reports it).
  assert.equal(detectFormat('a\tO\n\nIMGID:2\nb\tO\n').format, 'imgid-conll');
  assert.equal(detectFormat('\n{"id":"1"}\n').format, 'jsonl');
  assert.equal(detectFormat('La B-LOC\n').format, 'conll');
  assert.equal(detectFormat('').format, 'conll');
});

test('readData notes what it detected, and an explicit format wins', () => {
  const r = readData('IMGID:1\na\tO\n', { file: 'f' });
  assert.match(r.notes[0]!, /^format imgid-conll \(detected: /);
  const forced = readData('a\tO\n', { file: 'f', format: 'conll' });
  assert.equal(forced.format, 'conll');
  assert.deepEqual(
    forced.notes.filter((n) => n.startsWith('format')),
    [],
  );
});

test('a 10 MB single-line file is an error at line 1, found quickly', () => {
  const big = new Uint8Array(10 * 1024 * 1024).fill(0x61);
  const t0 = performance.now();
  const r = readData(big, { file: 'big.txt', mode: 'collect' });
  const ms = performance.now() - t0;
  assert.deepEqual(
    r.problems.map((p) => `${p.code}@${p.line ?? '-'}`),
    ['E_DATA_LINE_TOO_LONG@1', 'E_DATA_EMPTY_FILE@-'],
  );
  assert.match(r.problems[0]!.message, /10,485,760 characters long/);
  assert.ok(ms < 2000, `took ${ms} ms`);
});
