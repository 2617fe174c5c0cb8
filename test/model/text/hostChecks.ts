/**
 * The text encoder's host ops (lstmHost.ts, charCnnHost.ts; used on cpu and wasm) against their
 * tf-ops versions (GPU backends), on whatever backend is current: outputs and the gradients of a
 * weighted sum for every input, within 1e-5. Shared by tinyEncoder.test.ts (cpu) and wasm.test.ts.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/core/random.js';
import { charConvMaxHost } from '../../../src/model/text/charCnnHost.js';
import { lstmRecurrenceOps } from '../../../src/model/text/lstm.js';
import { lstmRecurrenceHost } from '../../../src/model/text/lstmHost.js';
import { charConvMaxOps } from '../../../src/model/text/tinyEncoder.js';

/** The BiLSTM recurrence: `[T*B, 4D]` steps and `U` `[D, 4D]`. */
export function checkHostRecurrence(seed: string, B: number, T: number, D: number): void {
  const r = new Rng(seed);
  const rand = (n: number, scale: number) => Float32Array.from({ length: n }, () => r.range(-scale, scale));
  const steps = tf.tensor2d(rand(T * B * 4 * D, 2), [T * B, 4 * D]);
  const U = tf.tensor2d(rand(D * 4 * D, 0.5), [D, 4 * D]);
  const call = (impl: typeof lstmRecurrenceOps) => (s: tf.Tensor, u: tf.Tensor) =>
    impl(s as tf.Tensor2D, u as tf.Tensor2D, B, T);
  // With one step the state before it is zero, so d/d U is legitimately zero.
  const zeroOk = T === 1 ? ['d/d U'] : [];
  sameWithGrads(
    ['steps', 'U'],
    [steps, U],
    T * B * D,
    r,
    call(lstmRecurrenceOps),
    call(lstmRecurrenceHost),
    zeroOk,
  );
  tf.dispose([steps, U]);
}

/** Values and gradients (weighted sum) of `f(inputs)` for two implementations, within 1e-5. */
function sameWithGrads(
  names: string[],
  inputs: tf.Tensor[],
  outSize: number,
  r: Rng,
  a: (...xs: tf.Tensor[]) => tf.Tensor,
  b: (...xs: tf.Tensor[]) => tf.Tensor,
  zeroOk: string[] = [],
): void {
  const weights = tf.tensor1d(Float32Array.from({ length: outSize }, () => r.range(-1, 1)));
  const run = (impl: typeof a) =>
    tf.tidy(() => {
      const f = (...xs: tf.Tensor[]) => tf.sum(tf.mul(tf.reshape(impl(...xs), [-1]), weights));
      const grads = tf.grads(f)(inputs);
      return [impl(...inputs), ...grads].map((t) => Array.from(t.dataSync()));
    });
  const before = tf.memory().numTensors;
  const ops = run(a);
  const host = run(b);
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  ['value', ...names.map((n) => `d/d ${n}`)].forEach((what, i) => {
    assert.equal(host[i]!.length, ops[i]!.length, what);
    ops[i]!.forEach((v, j) => {
      const got = host[i]![j]!;
      assert.ok(Math.abs(got - v) <= 1e-5 * Math.max(1, Math.abs(v)), `${what}[${j}]: ${got} vs ${v}`);
    });
    const nonzero = ops[i]!.some((v) => Math.abs(v) > 1e-3);
    assert.ok(nonzero || zeroOk.includes(what), `${what} is not all zero`);
  });
  weights.dispose();
}

/** The char CNN's conv + max: words of length 0 (padding), 1, C and in between; window width w. */
export function checkHostCharCnn(seed: string, w: number): void {
  const r = new Rng(seed);
  const N = 9;
  const C = 7;
  const E = 4;
  const F = 5;
  const lengths = Int32Array.from([0, 1, C, 3, 0, 5, 2, C, 4]);
  const rand = (n: number, scale: number) => Float32Array.from({ length: n }, () => r.range(-scale, scale));
  const emb = tf.tensor2d(rand(N * C * E, 1), [N * C, E]);
  const kernel = tf.tensor3d(rand(w * E * F, 0.7), [w, E, F]);
  const bias = tf.tensor1d(rand(F, 0.5));
  const call = (impl: typeof charConvMaxOps) => (e: tf.Tensor, k: tf.Tensor, b: tf.Tensor) =>
    impl(e as tf.Tensor2D, k as tf.Tensor3D, b as tf.Tensor1D, N, C, lengths);
  sameWithGrads(
    ['emb', 'kernel', 'bias'],
    [emb, kernel, bias],
    N * F,
    r,
    call(charConvMaxOps),
    call(charConvMaxHost),
  );
  tf.dispose([emb, kernel, bias]);
}
