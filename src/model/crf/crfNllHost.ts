/**
 * The CRF training loss computed on the host: the forward–backward algorithm in float64 JS over
 * the emissions read back, with the exact gradient (posterior marginals minus the gold path's
 * indicators) attached by `tf.customGrad`. Same value and gradients as the tf-ops `crfNllMean`
 * (within float32 rounding), but ~10 kernels a step instead of ~40 per timestep: on the CPU
 * backends (wasm, cpu), where reading a tensor back costs nothing, the per-kernel overhead of the
 * log-space recursion was a fifth of a tiny-model step. GPU backends keep the tf-ops path.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';

/** Per-sentence lengths from lengths or a `[batch, seqLen]` prefix mask (read back). */
export function hostLengths(
  lengths: readonly number[] | Int32Array | tf.Tensor2D,
  batch: number,
  seqLen: number,
): number[] {
  if (!(lengths instanceof tf.Tensor)) return Array.from(lengths);
  const m = lengths.dataSync();
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    let n = 0;
    while (n < seqLen && m[b * seqLen + n]! > 0) n++;
    // The mask is read here anyway, so its one cheap rule is checked (the tf-ops path cannot).
    if (n === 0) {
      throw new MmnerError('CRF_SHAPE', `sentence ${b} of the batch has no token in the CRF mask`, {
        hint: 'a mask row must be ones then zeros, with a 1 at position 0',
      });
    }
    out.push(n);
  }
  return out;
}

/** log Σ exp over `n` values of `a` starting at `off` with stride `stride`. */
function lse(a: Float64Array, off: number, n: number, stride: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, a[off + i * stride]!);
  if (max === -Infinity) return max;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(a[off + i * stride]! - max);
  return max + Math.log(s);
}

/**
 * Scalar: mean over the batch of `log Z − score(gold)`, like `crfNllMean`, with the gradient for
 * `emissions [B,T,K]`, `transitions [K(to),K(from)]`, `start [K]` and `end [K]` (the constrained
 * scores: forbidden entries reach their variables with zero gradient through `Crf.scores`).
 * `tags` `[B,T]` int32 and `lengths` are data. Call inside tf.tidy / variableGrads.
 */
export function crfNllMeanHost(
  emissions: tf.Tensor3D,
  tags: tf.Tensor2D,
  lengths: readonly number[],
  transitions: tf.Tensor2D,
  start: tf.Tensor1D,
  end: tf.Tensor1D,
): tf.Scalar {
  const [B, T, K] = emissions.shape;
  if (tags.shape[0] !== B || tags.shape[1] !== T) {
    throw new MmnerError(
      'CRF_SHAPE',
      `CRF tags have shape [${tags.shape.join(', ')}]; the emissions need [${B}, ${T}]`,
    );
  }
  const gold = tags.dataSync();
  // customGrad's callback type also admits its save function as an argument; ours takes four tensors.
  const run = tf.customGrad(((e: tf.Tensor, tr: tf.Tensor, st: tf.Tensor, en: tf.Tensor) => {
    const E = e.dataSync();
    const W = Float64Array.from(tr.dataSync()); // [to, from]
    const S = st.dataSync();
    const N = en.dataSync();
    const dE = new Float32Array(B * T * K);
    const dW = new Float64Array(K * K);
    const dS = new Float64Array(K);
    const dN = new Float64Array(K);
    const alpha = new Float64Array(T * K);
    const beta = new Float64Array(T * K);
    const tmp = new Float64Array(K);
    let total = 0;
    for (let b = 0; b < B; b++) {
      const L = lengths[b]!;
      const eb = b * T * K;
      // alpha[t, j]: log-sum of all paths over 0..t ending in j.
      for (let j = 0; j < K; j++) alpha[j] = E[eb + j]! + S[j]!;
      for (let t = 1; t < L; t++) {
        for (let j = 0; j < K; j++) {
          for (let i = 0; i < K; i++) tmp[i] = alpha[(t - 1) * K + i]! + W[j * K + i]!;
          alpha[t * K + j] = lse(tmp, 0, K, 1) + E[eb + t * K + j]!;
        }
      }
      for (let j = 0; j < K; j++) tmp[j] = alpha[(L - 1) * K + j]! + N[j]!;
      const logZ = lse(tmp, 0, K, 1);
      // beta[t, i]: log-sum of all continuations after t from i (end score included).
      for (let i = 0; i < K; i++) beta[(L - 1) * K + i] = N[i]!;
      for (let t = L - 2; t >= 0; t--) {
        for (let i = 0; i < K; i++) {
          for (let j = 0; j < K; j++)
            tmp[j] = W[j * K + i]! + E[eb + (t + 1) * K + j]! + beta[(t + 1) * K + j]!;
          beta[t * K + i] = lse(tmp, 0, K, 1);
        }
      }
      // Gold path score and indicators, subtracted from the posteriors below.
      const y = (t: number) => gold[b * T + t]!;
      let score = S[y(0)]! + N[y(L - 1)]!;
      for (let t = 0; t < L; t++) score += E[eb + t * K + y(t)]!;
      for (let t = 1; t < L; t++) score += W[y(t) * K + y(t - 1)]!;
      total += logZ - score;
      for (let t = 0; t < L; t++) {
        for (let j = 0; j < K; j++) {
          const p = Math.exp(alpha[t * K + j]! + beta[t * K + j]! - logZ);
          dE[eb + t * K + j] = (p - (j === y(t) ? 1 : 0)) / B;
          if (t === 0) dS[j] = dS[j]! + p;
          if (t === L - 1) dN[j] = dN[j]! + p;
        }
        if (t === 0) continue;
        for (let j = 0; j < K; j++) {
          const right = E[eb + t * K + j]! + beta[t * K + j]! - logZ;
          for (let i = 0; i < K; i++)
            dW[j * K + i] = dW[j * K + i]! + Math.exp(alpha[(t - 1) * K + i]! + W[j * K + i]! + right);
        }
        dW[y(t) * K + y(t - 1)] = dW[y(t) * K + y(t - 1)]! - 1;
      }
      dS[y(0)] = dS[y(0)]! - 1;
      dN[y(L - 1)] = dN[y(L - 1)]! - 1;
    }
    const value = tf.scalar(total / B);
    const gradFunc = (dy: tf.Tensor) => {
      const scale = (a: Float64Array) => Float32Array.from(a, (x) => x / B);
      return [
        tf.mul(dy, tf.tensor3d(dE, [B, T, K])),
        tf.mul(dy, tf.tensor2d(scale(dW), [K, K])),
        tf.mul(dy, tf.tensor1d(scale(dS))),
        tf.mul(dy, tf.tensor1d(scale(dN))),
      ];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return run(emissions, transitions, start, end) as tf.Scalar;
}
