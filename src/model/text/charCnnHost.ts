/**
 * The char CNN's convolution + max over characters on the host (CPU backends): windows are
 * gathered in JS for the real characters only (a word of 6 characters costs 6 rows, not the
 * batch's padded 20), one tf matmul applies the filters, and the max and its argmax are taken in
 * JS. The backward pass uses that argmax: only one window per (word, filter) gets a gradient, so
 * the kernel's gradient and the characters' gradient are sparse sums in JS instead of two large
 * products, an `Equal` over every position and the split/concat of the windows.
 * Same values and gradients as `charConvMaxOps` within float32 rounding (ties in the max are
 * measure-zero for real-valued features: ops spread a tie's gradient, this gives it to the first).
 */
import * as tf from '@tensorflow/tfjs';
import { hostProduct } from '../module.js';

/**
 * `emb` `[N*C, E]` character embeddings (rows past a word's length are ignored), `kernel`
 * `[w, E, F]` (odd w, 'same' padding), `bias` `[F]`, `lengths` `[N]` characters per word → `[N, F]`:
 * per word and filter, the max over the word's positions of the convolution plus bias. A word
 * without characters (a padded slot) gets the value at position 0 of an all-zero window, = bias,
 * as `charConvMaxOps` does. Call inside tf.tidy / variableGrads.
 */
export function charConvMaxHost(
  emb: tf.Tensor2D,
  kernel: tf.Tensor3D,
  bias: tf.Tensor1D,
  N: number,
  C: number,
  lengths: Int32Array,
): tf.Tensor2D {
  const [w, E, F] = kernel.shape;
  const half = (w - 1) / 2;
  const K = w * E;
  // rowStart[i]: the first window row of word i; every word has max(1, n) rows.
  const rowStart = new Int32Array(N + 1);
  for (let i = 0; i < N; i++) rowStart[i + 1] = rowStart[i]! + Math.max(1, lengths[i]!);
  const M = rowStart[N]!;
  const run = tf.customGrad(((e: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => {
    const X = e.dataSync() as Float32Array;
    const windows = new Float32Array(M * K);
    for (let i = 0; i < N; i++) {
      const n = lengths[i]!;
      for (let p = 0; p < n; p++) {
        const row = (rowStart[i]! + p) * K;
        for (let j = 0; j < w; j++) {
          const q = p + j - half;
          if (q >= 0 && q < n) windows.set(X.subarray((i * C + q) * E, (i * C + q + 1) * E), row + j * E);
        }
      }
    }
    const Wt = k.dataSync() as Float32Array; // [w·E, F]
    const Bs = b.dataSync() as Float32Array;
    const conv = hostProduct(windows, M, K, tf.reshape(k, [K, F]));
    const out = new Float32Array(N * F);
    const argmax = new Int32Array(N * F); // window row of the max
    for (let i = 0; i < N; i++) {
      for (let f = 0; f < F; f++) {
        let best = -Infinity;
        let at = rowStart[i]!;
        for (let r = rowStart[i]!; r < rowStart[i + 1]!; r++) {
          const v = conv[r * F + f]!;
          if (v > best) {
            best = v;
            at = r;
          }
        }
        out[i * F + f] = best + Bs[f]!;
        argmax[i * F + f] = at;
      }
    }
    const gradFunc = (dy: tf.Tensor) => {
      const G = dy.dataSync() as Float32Array; // [N, F]
      const dE = new Float32Array(N * C * E);
      const dK = new Float32Array(K * F);
      const dB = new Float32Array(F);
      for (let i = 0; i < N; i++) {
        const n = lengths[i]!;
        for (let f = 0; f < F; f++) {
          const g = G[i * F + f]!;
          dB[f] = dB[f]! + g;
          if (g === 0 || n === 0) continue; // a padded slot's window is all zero
          const r = argmax[i * F + f]!;
          const p = r - rowStart[i]!;
          for (let j = 0; j < w; j++) {
            const q = p + j - half;
            if (q < 0 || q >= n) continue;
            const win = r * K + j * E;
            const dst = (i * C + q) * E;
            for (let c = 0; c < E; c++) {
              const kf = (j * E + c) * F + f;
              dK[kf] = dK[kf]! + g * windows[win + c]!;
              dE[dst + c] = dE[dst + c]! + g * Wt[kf]!;
            }
          }
        }
      }
      return [tf.tensor2d(dE, [N * C, E]), tf.tensor3d(dK, [w, E, F]), tf.tensor1d(dB)];
    };
    return { value: tf.tensor2d(out, [N, F]), gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return run(emb, kernel, bias) as tf.Tensor2D;
}
