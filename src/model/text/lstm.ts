/**
 * A bidirectional LSTM in plain tf ops, tuned for many small kernels on tfjs-wasm: one input
 * matmul for all timesteps and both directions, then per step ONE `[B,2H]·[2H,8H]` matmul against
 * a block-diagonal recurrent kernel that runs the forward and backward directions side by side.
 * The backward direction reads each sentence reversed within its own length (a gather), so it
 * starts at the last real word; padded positions come out as 0. On the CPU backends the
 * recurrence itself runs in lstmHost.ts (gates in JS, a hand-written backward pass); the tf-ops
 * loop below is the GPU backends' path and the reference it is tested against.
 *
 * wasm note: tfjs-backend-wasm 4.22's Slice (and so Unpack/SplitV) copies the WHOLE input per
 * output, so `tf.unstack` over T steps costs T full copies (and the gradient of `tf.stack` the
 * same); `unstackChunked`/`stackChunked` go through ~√T chunks to cut that to ~2√T copies.
 */
import * as tf from '@tensorflow/tfjs';
import { onHostBackend } from '../module.js';
import { lstmRecurrenceHost } from './lstmHost.js';

/**
 * One direction's weights; gate order in every `4H` axis is i, f, o, g (input, forget, output,
 * candidate), so the three sigmoid gates are contiguous.
 */
export interface LstmWeights {
  /** `[Din, 4H]` */
  kernel: tf.Tensor2D;
  /** `[H, 4H]` */
  recurrentKernel: tf.Tensor2D;
  /** `[4H]` */
  bias: tf.Tensor1D;
}

/**
 * `[T*B]` gather indices over a time-major layout (row t·B + b) that reverse each sentence within
 * its length: step t < len_b reads step len_b − 1 − t, padding (t ≥ len_b) stays where it is.
 * The map is its own inverse, so the same indices undo it.
 */
export function reverseWithinLengthIndex(lengths: readonly number[], maxLen: number): Int32Array {
  const B = lengths.length;
  const idx = new Int32Array(B * maxLen);
  lengths.forEach((len, b) => {
    for (let t = 0; t < maxLen; t++) idx[t * B + b] = (t < len ? len - 1 - t : t) * B + b;
  });
  return idx;
}

/** `tf.unstack` along axis 0 in two levels (√T chunks, then steps): same result, far fewer copies on wasm. */
export function unstackChunked(x: tf.Tensor): tf.Tensor[] {
  const T = x.shape[0]!;
  const k = Math.ceil(Math.sqrt(T));
  if (T === 1) return [tf.squeeze(x, [0])];
  if (T <= 4) return tf.unstack(x);
  const sizes: number[] = [];
  for (let t = 0; t < T; t += k) sizes.push(Math.min(k, T - t));
  // A one-step chunk is reshaped, not unstacked: tfjs's Unpack gradient breaks on a single output.
  return tf
    .split(x, sizes, 0)
    .flatMap((chunk) => (chunk.shape[0] === 1 ? [tf.squeeze(chunk, [0])] : tf.unstack(chunk)));
}

/** `tf.stack` along axis 0 in two levels, so that its gradient (an unstack) is chunked too. */
export function stackChunked<R extends tf.Rank>(xs: tf.Tensor[]): tf.Tensor<R> {
  const T = xs.length;
  const k = Math.ceil(Math.sqrt(T));
  if (T === 1) return tf.expandDims(xs[0]!, 0) as tf.Tensor<R>;
  if (T <= 4) return tf.stack(xs) as tf.Tensor<R>;
  const chunks: tf.Tensor[] = [];
  for (let t = 0; t < T; t += k) {
    const part = xs.slice(t, t + k);
    chunks.push(part.length === 1 ? tf.expandDims(part[0]!, 0) : tf.stack(part));
  }
  return tf.concat(chunks, 0) as tf.Tensor<R>;
}

/**
 * The recurrent kernels of both directions as one block-diagonal `[2H, 8H]` matrix whose columns
 * are laid out gate-major, direction-minor: [i_fw i_bw | f_fw f_bw | o_fw o_bw | g_fw g_bw].
 */
function blockRecurrent(fw: tf.Tensor2D, bw: tf.Tensor2D, H: number): tf.Tensor2D {
  const zero = tf.zeros([H, 4, 1, H]);
  const f = tf.reshape(fw, [H, 4, 1, H]);
  const b = tf.reshape(bw, [H, 4, 1, H]);
  const top = tf.concat([f, zero], 2); // rows of h_fw feed only forward columns
  const bottom = tf.concat([zero, b], 2);
  return tf.reshape(tf.concat([top, bottom], 0), [2 * H, 8 * H]);
}

/**
 * One BiLSTM layer over a TIME-MAJOR batch (row t·B + b, so per-step slices are contiguous):
 * x `[T*B, Din]`, `rev` from `reverseWithinLengthIndex`, `mask` `[T*B, 1]` (1 real, 0 padding)
 * → `[T*B, 2H]` = [forward h_t ; backward h_t], 0 at padding. Zero initial state. Call inside tf.tidy.
 */
export function biLstmLayer(
  x: tf.Tensor2D,
  B: number,
  T: number,
  rev: tf.Tensor1D,
  mask: tf.Tensor2D,
  fw: LstmWeights,
  bw: LstmWeights,
): tf.Tensor2D {
  const H = fw.recurrentKernel.shape[0];
  const N = B * T;
  // Input projections of every timestep, both directions: [T*B, 8H] = [fw 4H | bw 4H].
  const proj = tf.add(tf.matMul(x, tf.concat([fw.kernel, bw.kernel], 1)), tf.concat([fw.bias, bw.bias]));
  const pf = tf.reshape(tf.slice(proj, [0, 0], [N, 4 * H]), [N * 4, H]);
  const pb = tf.reshape(tf.gather(tf.slice(proj, [0, 4 * H], [N, 4 * H]), rev), [N * 4, H]);
  // Gate-major, direction-minor ([i_fw i_bw | f_fw f_bw | …]) by a rank-2 concat (ranks ≥ 5 are
  // pathologically slow on wasm): row t·B + b holds step t's [B, 8H] slice.
  const steps = tf.reshape(tf.concat([pf, pb], 1), [N, 8 * H]) as tf.Tensor2D;
  const U = blockRecurrent(fw.recurrentKernel, bw.recurrentKernel, H);
  const out = onHostBackend() ? lstmRecurrenceHost(steps, U, B, T) : lstmRecurrenceOps(steps, U, B, T);
  // The backward half back in reading order; padding → 0.
  const outFw = tf.slice(out, [0, 0], [N, H]);
  const outBw = tf.gather(tf.slice(out, [0, H], [N, H]), rev);
  return tf.mul(tf.concat([outFw, outBw], 1), mask);
}

/**
 * The recurrence in tf ops (GPU backends; autodiff gives the gradients): `steps` `[T*B, 4D]`
 * time-major, gate-major `[i | f | o | g]`, `U` `[D, 4D]` → `[T*B, D]`, zero initial state.
 */
export function lstmRecurrenceOps(steps: tf.Tensor2D, U: tf.Tensor2D, B: number, T: number): tf.Tensor2D {
  const D = U.shape[0];
  const zs = unstackChunked(tf.reshape(steps, [T, B, 4 * D]));
  // Zero initial state, and the recurrent matmul even at t = 0: the kernel then gets a (zero)
  // gradient for one-word batches too, instead of none.
  let h: tf.Tensor2D = tf.zeros([B, D]);
  let c: tf.Tensor2D = tf.zeros([B, D]);
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    const z = tf.add(zs[t]!, tf.matMul(h, U)) as tf.Tensor2D; // [B, 4D]
    const s = tf.sigmoid(tf.slice(z, [0, 0], [B, 3 * D])); // i, f, o
    const g = tf.tanh(tf.slice(z, [0, 3 * D], [B, D]));
    const i = tf.slice(s, [0, 0], [B, D]);
    const o = tf.slice(s, [0, 2 * D], [B, D]);
    const ig = tf.mul(i, g);
    c = tf.add(tf.mul(tf.slice(s, [0, D], [B, D]), c), ig) as tf.Tensor2D;
    h = tf.mul(o, tf.tanh(c)) as tf.Tensor2D;
    hs.push(h);
  }
  return tf.reshape(stackChunked(hs), [T * B, D]) as tf.Tensor2D;
}
