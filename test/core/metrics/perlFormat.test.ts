import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  compareBytes,
  f62,
  padStartBytes,
  perlFixed,
  utf8Length,
} from '../../../src/core/metrics/perlFormat.js';

interface Rounding {
  maxF: number;
  pairs: number;
  disagree: [number, number, string][];
}
const ROUNDING: Rounding = JSON.parse(
  readFileSync(new URL('../../fixtures/conlleval/rounding.json', import.meta.url), 'utf8'),
);

test("%6.2f of 100*c/f matches Perl's output for every c <= f <= 400", () => {
  // rounding.json lists the values where Perl and toFixed disagree (exact binary ties);
  // everywhere else make-expected.mjs checked that Perl prints what toFixed prints.
  assert.ok(ROUNDING.disagree.length > 100);
  const ties = new Map(ROUNDING.disagree.map(([c, f, s]) => [`${c}/${f}`, s]));
  let checked = 0;
  for (let f = 1; f <= ROUNDING.maxF; f++) {
    for (let c = 0; c <= f; c++, checked++) {
      const x = (100 * c) / f;
      const expected = ties.get(`${c}/${f}`) ?? x.toFixed(2).padStart(6);
      if (f62(x) !== expected)
        assert.fail(`100*${c}/${f} = ${x}: got '${f62(x)}', Perl prints '${expected}'`);
    }
  }
  assert.equal(checked, ROUNDING.pairs);
});

test('ties round to even, everything else to nearest, on the binary value', () => {
  assert.equal(perlFixed(12.125, 2), '12.12');
  assert.equal(perlFixed(12.375, 2), '12.38');
  assert.equal(perlFixed(12.625, 2), '12.62');
  assert.equal(perlFixed(0.125, 2), '0.12');
  assert.equal(perlFixed(2.675, 2), '2.67'); // 2.675 is 2.67499999… in binary
  assert.equal(perlFixed(1.005, 2), '1.00');
  assert.equal(perlFixed(0.5, 0), '0');
  assert.equal(perlFixed(1.5, 0), '2');
  assert.equal(perlFixed(-12.125, 2), '-12.12');
  assert.equal(perlFixed(100, 2), '100.00');
  assert.equal(f62(0), '  0.00');
  assert.equal(f62(100), '100.00');
});

test('padding counts UTF-8 bytes and sorting follows bytes, as Perl on byte strings', () => {
  assert.equal(utf8Length('ÉTAT'), 5);
  assert.equal(utf8Length('😀'), 4);
  assert.equal(padStartBytes('ÉTAT', 17), `${' '.repeat(12)}ÉTAT`);
  assert.equal(padStartBytes('AVERYLONGTYPENAMEOVER17', 17), 'AVERYLONGTYPENAMEOVER17');
  const sorted = ['😀', '（', 'Z', 'ÉTAT', '', 'Ort', 'B-x', 'B'].sort(compareBytes);
  assert.deepEqual(sorted, ['', 'B', 'B-x', 'Ort', 'Z', 'ÉTAT', '（', '😀']);
  // UTF-16 order would put the emoji (a surrogate pair) before U+FF08.
  assert.ok('😀' < '（');
  assert.ok(compareBytes('😀', '（') > 0);
});
