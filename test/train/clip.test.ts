import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm } from '../../src/train/clip.js';

await tf.setBackend('cpu');

test('global norm over all gradients, scaled by maxNorm/(norm+1e-6) as torch clip_grad_norm_', () => {
  // ‖(3, 4)‖ = 5, ‖(12)‖ = 12 → total √(25 + 144) = 13.
  const grads = new Map<string, tf.Tensor>([
    ['a', tf.tensor1d([3, 4])],
    ['b', tf.tensor2d([[12]])],
  ]);
  const before = tf.memory().numTensors;
  const { grads: out, norm } = clipByGlobalNorm(grads, 6.5);
  assert.equal(tf.memory().numTensors, before + 3, 'two clipped gradients and the norm, nothing else');
  assert.ok(Math.abs(norm.dataSync()[0]! - 13) < 1e-6);
  const coef = 6.5 / (13 + 1e-6);
  const a = out.get('a')!.dataSync();
  assert.ok(Math.abs(a[0]! - 3 * coef) < 1e-6 && Math.abs(a[1]! - 4 * coef) < 1e-6);
  assert.deepEqual(out.get('b')!.shape, [1, 1]);
  assert.ok(Math.abs(out.get('b')!.dataSync()[0]! - 12 * coef) < 1e-5);
  tf.dispose([norm, ...out.values()]);

  // Under the limit: unchanged (coef clamped to 1); Infinity only measures.
  for (const max of [100, Infinity]) {
    const r = clipByGlobalNorm(grads, max);
    assert.deepEqual([...r.grads.get('a')!.dataSync()], [3, 4]);
    tf.dispose([r.norm, ...r.grads.values()]);
  }
  tf.dispose([...grads.values()]);
});
