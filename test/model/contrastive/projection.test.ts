import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmnerError } from '../../../src/core/errors.js';
import { ProjectionHead } from '../../../src/model/contrastive/projection.js';

before(async () => {
  await tf.setBackend('cpu');
});

test('default head is 768 → 768 → 768 with weights in ±1/√768, and dispose frees them', () => {
  const before = tf.memory().numTensors;
  const head = new ProjectionHead();
  assert.deepEqual(
    head.variables.map((v) => v.shape),
    [[768, 768], [768], [768, 768], [768]],
  );
  const w1 = Array.from(head.variables[0]!.dataSync());
  const bound = 1 / Math.sqrt(768);
  const maxAbs = w1.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  assert.ok(maxAbs <= bound && maxAbs > 0.9 * bound, `max |w1| = ${maxAbs}, bound ${bound}`);
  head.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('init is seeded: same seed same weights, other seed other weights', () => {
  const opts = { inputDim: 4, hiddenDim: 3, outputDim: 2 };
  const a = new ProjectionHead({ ...opts, seed: 7 });
  const b = new ProjectionHead({ ...opts, seed: 7 });
  const c = new ProjectionHead({ ...opts, seed: 8 });
  a.variables.forEach((v, i) => {
    assert.deepEqual(v.dataSync(), b.variables[i]!.dataSync());
    assert.notDeepEqual(v.dataSync(), c.variables[i]!.dataSync());
  });
  for (const h of [a, b, c]) h.dispose();
});

test('apply computes Linear–ReLU–Linear on rank-2 and rank-3 inputs', () => {
  const head = new ProjectionHead({ inputDim: 2, hiddenDim: 2, outputDim: 1 });
  const w1 = [
    [1, -1],
    [2, 0.5],
  ];
  const b1 = [0.5, -3];
  const w2 = [[2], [-1]];
  const b2 = [0.25];
  tf.tidy(() => head.setWeights([tf.tensor2d(w1), tf.tensor1d(b1), tf.tensor2d(w2), tf.tensor1d(b2)]));
  // By hand: x = (1, 1): h = relu(1+2+0.5, −1+0.5−3) = (3.5, 0) → y = 7 + 0.25 = 7.25.
  //          x = (−1, 2): h = relu(−1+4+0.5, 1+1−3) = (3.5, 0) → 7.25; x = (0, −4): h = relu(−7.5, −5) → 0.25.
  const out2 = tf.tidy(() =>
    head
      .apply(
        tf.tensor2d([
          [1, 1],
          [0, -4],
        ]),
      )
      .arraySync(),
  );
  assert.deepEqual(out2, [[7.25], [0.25]]);
  const out3 = tf.tidy(() => {
    const y = head.apply(tf.tensor3d([[[1, 1]], [[-1, 2]]]));
    assert.deepEqual(y.shape, [2, 1, 1]);
    return y.arraySync();
  });
  assert.deepEqual(out3, [[[7.25]], [[7.25]]]);
  assert.throws(() => head.apply(tf.zeros([2, 3])), isMmnerError);
  head.dispose();
});

test('getWeights / setWeights round-trip; wrong shapes or count are MmnerErrors', () => {
  const a = new ProjectionHead({ inputDim: 3, hiddenDim: 4, outputDim: 2, seed: 1 });
  const b = new ProjectionHead({ inputDim: 3, hiddenDim: 4, outputDim: 2, seed: 2 });
  const weights = a.getWeights();
  b.setWeights(weights);
  tf.dispose(weights);
  tf.tidy(() => {
    const x = tf.tensor2d([[0.1, -0.2, 0.3]]);
    assert.deepEqual(a.apply(x).dataSync(), b.apply(x).dataSync());
  });
  assert.throws(() => b.setWeights([]), isMmnerError);
  tf.tidy(() => {
    const wrong = [tf.zeros([4, 3]), tf.zeros([4]), tf.zeros([4, 2]), tf.zeros([2])];
    assert.throws(() => b.setWeights(wrong), isMmnerError);
  });
  a.dispose();
  b.dispose();
  assert.throws(() => new ProjectionHead({ inputDim: 0 }), isMmnerError);
});

test('gradients flow to all four variables', () => {
  const head = new ProjectionHead({ inputDim: 3, hiddenDim: 5, outputDim: 2, seed: 3 });
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const x = tf.tensor2d([
      [1, -2, 0.5],
      [0.3, 0.1, -1],
    ]);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(head.apply(x))) as tf.Scalar,
      [...head.variables],
    );
    assert.equal(Object.keys(grads).length, 4);
    for (const g of Object.values(grads)) assert.ok(tf.any(tf.notEqual(g, 0)).dataSync()[0], 'zero gradient');
  });
  assert.equal(tf.memory().numTensors, before);
  head.dispose();
});
