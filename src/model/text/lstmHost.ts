/**
 * The BiLSTM recurrence with its elementwise work on the host: per step one tf matmul
 * (`h·U`, on the backend's GEMM) and the gates, cell and output in one JS pass; the backward
 * pass by hand, with `dz·Uᵀ` against a transpose made once and the recurrent kernel's gradient
 * as ONE matmul over all steps. Same values and gradients as the tf-ops loop in lstm.ts within
 * float32 rounding, but ~4 kernels a step instead of ~45, and no per-step transposes (tfjs
 * transposes `U` for every `dz·Uᵀ` otherwise). For the CPU backends (`onHostBackend`).
 */
import * as tf from '@tensorflow/tfjs';
import { hostProduct } from '../module.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * `steps` `[T*B, 4D]` time-major input projections (bias included) in the gate-major layout
 * `[i | f | o | g]`, each `D` wide (D = both directions' units), `U` `[D, 4D]` → `[T*B, D]`:
 * `h_t` of every step, zero initial state. Call inside tf.tidy / variableGrads.
 */
export function lstmRecurrenceHost(steps: tf.Tensor2D, U: tf.Tensor2D, B: number, T: number): tf.Tensor2D {
  const D = U.shape[0];
  const G = 4 * D;
  const run = tf.customGrad(((p: tf.Tensor2D, u: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([u]); // inputs outside `save` may be disposed before the backward pass runs
    const P = p.dataSync() as Float32Array;
    // Saved for the backward pass: activated gates [T, B, 4D], cells and h_{t−1} [T, B, D].
    const gates = new Float32Array(T * B * G);
    const cells = new Float32Array(T * B * D);
    const hPrev = new Float32Array(T * B * D);
    const hs = new Float32Array(T * B * D);
    let c = new Float32Array(B * D);
    let h = new Float32Array(B * D);
    let r: Float32Array = new Float32Array(B * G); // h_{t−1}·U; zero before the first step
    for (let t = 0; t < T; t++) {
      hPrev.set(h, t * B * D);
      if (t > 0) r = hostProduct(h, B, D, u);
      const nextC = new Float32Array(B * D);
      const nextH = new Float32Array(B * D);
      for (let b = 0; b < B; b++) {
        const zo = (t * B + b) * G;
        const ro = b * G;
        for (let k = 0; k < D; k++) {
          const i = sigmoid(P[zo + k]! + r[ro + k]!);
          const f = sigmoid(P[zo + D + k]! + r[ro + D + k]!);
          const o = sigmoid(P[zo + 2 * D + k]! + r[ro + 2 * D + k]!);
          const g = Math.tanh(P[zo + 3 * D + k]! + r[ro + 3 * D + k]!);
          gates[zo + k] = i;
          gates[zo + D + k] = f;
          gates[zo + 2 * D + k] = o;
          gates[zo + 3 * D + k] = g;
          const cNew = Math.fround(f * c[b * D + k]! + i * g);
          nextC[b * D + k] = cNew;
          nextH[b * D + k] = o * Math.tanh(cNew);
        }
      }
      c = nextC;
      h = nextH;
      cells.set(c, t * B * D);
      hs.set(h, t * B * D);
    }
    const value = tf.tensor2d(hs, [T * B, D]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const dH = dy.dataSync();
      const dZ = new Float32Array(T * B * G);
      const uT = tf.transpose(saved[0]!); // [4D, D], once
      let dhNext: Float32Array | undefined;
      let dcNext = new Float32Array(B * D);
      for (let t = T - 1; t >= 0; t--) {
        const dc = new Float32Array(B * D);
        for (let b = 0; b < B; b++) {
          const zo = (t * B + b) * G;
          for (let k = 0; k < D; k++) {
            const n = (t * B + b) * D + k;
            const dh = dH[n]! + (dhNext ? dhNext[b * D + k]! : 0);
            const i = gates[zo + k]!;
            const f = gates[zo + D + k]!;
            const o = gates[zo + 2 * D + k]!;
            const g = gates[zo + 3 * D + k]!;
            const tc = Math.tanh(cells[n]!);
            const dcell = dcNext[b * D + k]! + dh * o * (1 - tc * tc);
            const cPrev = t === 0 ? 0 : cells[n - B * D]!;
            dZ[zo + k] = dcell * g * i * (1 - i);
            dZ[zo + D + k] = dcell * cPrev * f * (1 - f);
            dZ[zo + 2 * D + k] = dh * tc * o * (1 - o);
            dZ[zo + 3 * D + k] = dcell * i * (1 - g * g);
            dc[b * D + k] = dcell * f;
          }
        }
        dcNext = dc;
        if (t > 0) {
          dhNext = hostProduct(dZ.subarray(t * B * G, (t + 1) * B * G), B, G, uT);
        }
      }
      uT.dispose();
      const dZt = tf.tensor2d(dZ, [T * B, G]);
      // dU = Σ_t h_{t−1}ᵀ·dz_t as one product over all steps.
      const dU = tf.matMul(tf.tensor2d(hPrev, [T * B, D]), dZt, true, false);
      return [dZt, dU];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return run(steps, U) as tf.Tensor2D;
}
