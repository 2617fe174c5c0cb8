import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMmnerError } from '../../../src/core/errors.js';
import { checkScheme } from '../../../src/core/schemes/check.js';
import { convertTags } from '../../../src/core/schemes/spans.js';
import {
  allowedTransitions,
  crfTags,
  iob2Tags,
  iob2View,
  isAllowedPath,
} from '../../../src/model/crf/tags.js';

test('iob2Tags: O, then B-/I- per type in the given order', () => {
  assert.deepEqual(iob2Tags(['PER', 'LOC']), ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']);
  assert.deepEqual(iob2Tags([]), ['O']);
});

test('iob2Tags rejects bad and repeated type names', () => {
  const isTagsError = (e: unknown) => isMmnerError(e) && e.code === 'CRF_TAGS';
  assert.throws(() => iob2Tags(['PER', 'PER']), isTagsError);
  assert.throws(() => iob2Tags(['B PER']), isTagsError);
  assert.throws(() => allowedTransitions(['O', 'L-PER']), isTagsError);
  assert.throws(() => allowedTransitions(['O', 'B-PER', 'U-PER', 'E-PER']), isTagsError);
  assert.throws(() => crfTags(['PER'], 'BILOU' as never), isTagsError);
  assert.throws(() => crfTags(['PER', 'PER'], 'BIOES'), isTagsError);
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

test('crfTags: IOB2 as iob2Tags; BIOES adds E- and S- per type', () => {
  assert.deepEqual(crfTags(['PER', 'LOC'], 'IOB2'), iob2Tags(['PER', 'LOC']));
  assert.deepEqual(crfTags(['PER', 'LOC'], 'BIOES'), [
    'O',
    ...['B-PER', 'I-PER', 'E-PER', 'S-PER'],
    ...['B-LOC', 'I-LOC', 'E-LOC', 'S-LOC'],
  ]);
  assert.deepEqual(iob2View(crfTags(['PER'], 'BIOES')), ['O', 'B-PER', 'I-PER', 'I-PER', 'B-PER']);
});

/** Every tag-index path of `length` over `k` tags. */
function* allPaths(k: number, length: number): Generator<number[]> {
  const path = new Array<number>(length).fill(0);
  for (;;) {
    yield path.slice();
    let i = length - 1;
    while (i >= 0 && path[i] === k - 1) path[i--] = 0;
    if (i < 0) return;
    path[i]!++;
  }
}

test('BIOES rules allow exactly the paths the scheme checker finds valid, and read back as IOB2 exactly', () => {
  const tags = crfTags(['PER', 'LOC'], 'BIOES');
  const rules = allowedTransitions(tags);
  let allowed = 0;
  let total = 0;
  for (let length = 1; length <= 4; length++) {
    for (const path of allPaths(tags.length, length)) {
      const seq = path.map((i) => tags[i]!);
      const valid = checkScheme(seq, 'BIOES').length === 0;
      assert.equal(isAllowedPath(path, rules), valid, seq.join(' '));
      if (valid) {
        allowed++;
        // The IOB2 reading of a valid path is the same entities: IOB2 → BIOES gives it back.
        const iob2 = path.map((i) => iob2View(tags)[i]!);
        assert.deepEqual(iob2, convertTags(seq, 'BIOES', 'IOB2'));
        assert.deepEqual(convertTags(iob2, 'IOB2', 'BIOES'), seq);
      }
      total++;
    }
  }
  assert.equal(total, 9 + 81 + 729 + 6561);
  // Valid BIOES sequences are a small share: length 1 has O, S-PER, S-LOC.
  assert.ok(allowed > 3 && allowed < total / 4, `${allowed} of ${total}`);
  assert.deepEqual([...rules.start], [1, 1, 0, 0, 1, 1, 0, 0, 1]);
  assert.deepEqual([...rules.end], [1, 0, 0, 1, 1, 0, 0, 1, 1]);
});
