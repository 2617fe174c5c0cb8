import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMmnerError } from '../../../src/core/errors.js';
import { allowedTransitions, iob2Tags, isAllowedPath } from '../../../src/model/crf/tags.js';

test('iob2Tags: O, then B-/I- per type in the given order', () => {
  assert.deepEqual(iob2Tags(['PER', 'LOC']), ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']);
  assert.deepEqual(iob2Tags([]), ['O']);
});

test('iob2Tags rejects bad and repeated type names', () => {
  const isTagsError = (e: unknown) => isMmnerError(e) && e.code === 'CRF_TAGS';
  assert.throws(() => iob2Tags(['PER', 'PER']), isTagsError);
  assert.throws(() => iob2Tags(['B PER']), isTagsError);
  assert.throws(() => allowedTransitions(['O', 'E-PER']), isTagsError);
});

test('allowedTransitions: I-X only after B-X or I-X, never first; anything may end', () => {
  const tags = iob2Tags(['PER', 'LOC']);
  const rules = allowedTransitions(tags);
  const ok = (from: string, to: string) =>
    rules.transitions[tags.indexOf(to) * tags.length + tags.indexOf(from)];
  assert.equal(ok('B-PER', 'I-PER'), 1);
  assert.equal(ok('I-PER', 'I-PER'), 1);
  assert.equal(ok('O', 'I-PER'), 0);
  assert.equal(ok('B-LOC', 'I-PER'), 0);
  assert.equal(ok('I-LOC', 'I-PER'), 0);
  assert.equal(ok('I-LOC', 'B-PER'), 1);
  assert.equal(ok('O', 'O'), 1);
  assert.deepEqual([...rules.start], [1, 1, 0, 1, 0]);
  assert.deepEqual([...rules.end], [1, 1, 1, 1, 1]);
  // Of the 25 pairs, the 2 × 3 that enter an I- from O or from the other type are forbidden.
  assert.equal(
    rules.transitions.reduce((a, b) => a + b, 0),
    25 - 6,
  );
  assert.equal(isAllowedPath([0, 1, 2, 2, 0], rules), true);
  assert.equal(isAllowedPath([2], rules), false);
  assert.equal(isAllowedPath([1, 4], rules), false);
});
