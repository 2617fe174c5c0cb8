import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmnerError } from '../../../src/core/errors.js';
import {
  cosineMatrix,
  l2Normalize,
  lateInteractionScores,
  tokenRegionSimilarity,
} from '../../../src/model/contrastive/similarity.js';
import { cos, refLate } from './reference.js';

before(async () => {
  await tf.setBackend('cpu');
});

const TOKENS = [
  [
    [1, 0, 0],
    [0, 2, 0],
  ],
  [
    [1, 1, 0],
    [0, 0, 0], // padding
  ],
];
const REGIONS = [
  [
    [3, 0, 0],
    [0, 1, 1],
    [1, 1, 1],
  ],
  [
    [0, 1, 0],
    [-1, 0, 0],
    [0, 0, 5],
  ],
];

function assertAllClose(actual: number[], expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((x, i) => {
    assert.ok(Math.abs(x - expected[i]!) <= tol, `[${i}]: ${x} vs ${expected[i]}`);
  });
}

test('tokenRegionSimilarity gives each sentence its own token × region cosines [B,T,R]', () => {
  const sim = tf.tidy(() => {
    const s = tokenRegionSimilarity(tf.tensor3d(TOKENS), tf.tensor3d(REGIONS));
    assert.deepEqual(s.shape, [2, 2, 3]);
    return s.arraySync();
  });
  const expected = TOKENS.map((sent, b) =>
    sent.map((t) => REGIONS[b]!.map((r) => (t.some((x) => x) ? cos(t, r) : 0))),
  );
  assertAllClose(sim.flat(2), expected.flat(2));
});

test('l2Normalize gives unit rows, and an all-zero row gives zeros with a finite gradient', () => {
  const [rows, grad] = tf.tidy(() => {
    const x = tf.tensor2d([
      [3, 4],
      [0, 0],
    ]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(l2Normalize(v)))(x);
    return [Array.from(l2Normalize(x).dataSync()), Array.from(g.dataSync())];
  });
  assertAllClose(rows, [0.6, 0.8, 0, 0]);
  assert.ok(grad.every(Number.isFinite), `gradient ${grad}`);
});

test('cosineMatrix matches pairwise cosines', () => {
  const a = [
    [1, 2],
    [-1, 0.5],
  ];
  const b = [
    [0.3, 1],
    [2, -1],
    [1, 1],
  ];
  const m = tf.tidy(() => cosineMatrix(tf.tensor2d(a), tf.tensor2d(b)).arraySync());
  assertAllClose(
    m.flat(),
    a.flatMap((x) => b.map((y) => cos(x, y))),
  );
});

test('late interaction: max over keys, mean over real queries only, for every sentence × image', () => {
  const mask = [
    [1, 1],
    [1, 0],
  ];
  const scores = tf.tidy(() =>
    lateInteractionScores(tf.tensor3d(TOKENS), tf.tensor2d(mask), tf.tensor3d(REGIONS), null).arraySync(),
  );
  // By hand: sentence 0 × image 0: token (1,0,0) best region (3,0,0) → 1; token (0,2,0) best
  // (0,1,1) or (1,1,1) → max(1/√2, 1/√3) = 1/√2; mean = (1 + 1/√2) / 2.
  assert.ok(Math.abs(scores[0]![0]! - (1 + Math.SQRT1_2) / 2) < 1e-5, `s(0,0) = ${scores[0]![0]}`);
  assertAllClose(scores.flat(), refLate(TOKENS, mask, REGIONS, null).flat());
});

test('late interaction: masked keys are never the max; empty items give 0 / −1, not NaN', () => {
  const keyMask = [
    [1, 0, 0],
    [0, 0, 0],
  ];
  const queryMask = [
    [0, 0],
    [1, 0],
  ];
  const scores = tf.tidy(() =>
    lateInteractionScores(
      tf.tensor3d(TOKENS),
      tf.tensor2d(queryMask),
      tf.tensor3d(REGIONS),
      tf.tensor2d(keyMask),
    ).arraySync(),
  );
  assert.deepEqual(scores[0], [0, 0]); // sentence 0 has no real token
  assert.ok(Math.abs(scores[1]![0]! - cos([1, 1, 0], [3, 0, 0])) < 1e-5, `s(1,0) = ${scores[1]![0]}`);
  assert.equal(scores[1]![1], -1); // image 1 has no real region
});

test('shape mismatches are MmnerErrors', () => {
  tf.tidy(() => {
    assert.throws(
      () => tokenRegionSimilarity(tf.tensor3d(TOKENS), tf.zeros([2, 3, 4]) as tf.Tensor3D),
      isMmnerError,
    );
    assert.throws(() => cosineMatrix(tf.zeros([2, 3]), tf.zeros([2, 4])), isMmnerError);
    assert.throws(
      () => lateInteractionScores(tf.tensor3d(TOKENS), tf.zeros([2, 3]), tf.tensor3d(REGIONS), null),
      isMmnerError,
    );
  });
});
