/**
 * The host BiLSTM recurrence (lstmHost.ts, used on cpu and wasm) against the tf-ops loop (GPU
 * backends), on whatever backend is current: outputs and the gradients of a weighted sum for the
 * step inputs and the recurrent kernel, within 1e-5. Shared by tinyEncoder.test.ts (cpu) and
 * wasm.test.ts.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/core/random.js';
import { lstmRecurrenceOps } from '../../../src/model/text/lstm.js';
import { lstmRecurrenceHost } from '../../../src/model/text/lstmHost.js';

export function checkHostRecurrence(seed: string, B: number, T: number, D: number): void {
  const r = new Rng(seed);
  const rand = (n: number, scale: number) => Float32Array.from({ length: n }, () => r.range(-scale, scale));
  const steps = tf.tensor2d(rand(T * B * 4 * D, 2), [T * B, 4 * D]);
  const U = tf.tensor2d(rand(D * 4 * D, 0.5), [D, 4 * D]);
  // A weighted sum, so that every output position gets a different upstream gradient.
  const weights = tf.tensor2d(rand(T * B * D, 1), [T * B, D]);
  const run = (rec: typeof lstmRecurrenceOps) =>
    tf.tidy(() => {
      const f = (s: tf.Tensor, u: tf.Tensor) =>
        tf.sum(tf.mul(rec(s as tf.Tensor2D, u as tf.Tensor2D, B, T), weights));
      const [dS, dU] = tf.grads(f)([steps, U]);
      return [rec(steps, U, B, T), dS!, dU!].map((t) => Array.from(t.dataSync()));
    });
  const before = tf.memory().numTensors;
  const ops = run(lstmRecurrenceOps);
  const host = run(lstmRecurrenceHost);
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  ['h', 'd/d steps', 'd/d U'].forEach((what, i) => {
    assert.equal(host[i]!.length, ops[i]!.length);
    ops[i]!.forEach((v, j) => {
      const got = host[i]![j]!;
      assert.ok(Math.abs(got - v) <= 1e-5 * Math.max(1, Math.abs(v)), `${what}[${j}]: ${got} vs ${v}`);
    });
    // (With one step the state before it is zero, so d/d U is legitimately zero.)
    if (T > 1 || i < 2)
      assert.ok(
        ops[i]!.some((v) => Math.abs(v) > 1e-3),
        `${what} is not all zero`,
      );
  });
  tf.dispose([steps, U, weights]);
}
