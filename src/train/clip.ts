/**
 * Gradient clipping by global L2 norm, as torch.nn.utils.clip_grad_norm_: total = ‖(‖g₁‖, …, ‖gₙ‖)‖,
 * every gradient scaled by min(1, maxNorm / (total + 1e-6)). The norm stays a tensor so the
 * caller reads it with the loss in one download.
 */
import * as tf from '@tensorflow/tfjs';

export interface Clipped {
  /** New tensors, keyed as the input (the caller disposes both sets). */
  grads: Map<string, tf.Tensor>;
  /** The global norm before clipping. */
  norm: tf.Scalar;
}

/**
 * @example clipByGlobalNorm(new Map([['w', tf.tensor([3, 4])]]), 1) // → norm 5, grads w ≈ [0.6, 0.8]
 * `maxNorm` = Infinity only measures the norm (grads are copies).
 */
export function clipByGlobalNorm(grads: ReadonlyMap<string, tf.Tensor>, maxNorm: number): Clipped {
  const names = [...grads.keys()];
  const out = tf.tidy(() => {
    const squares = names.map((n) => tf.sum(tf.square(grads.get(n)!)));
    const norm = squares.length > 0 ? tf.sqrt(tf.addN(squares)) : tf.scalar(0);
    const coef = Number.isFinite(maxNorm)
      ? tf.minimum(tf.div(tf.scalar(maxNorm), tf.add(norm, 1e-6)), 1)
      : tf.scalar(1);
    const scaled = names.map((n) => tf.mul(grads.get(n)!, coef));
    return { norm: norm as tf.Scalar, scaled };
  });
  return { grads: new Map(names.map((n, i) => [n, out.scaled[i]!])), norm: out.norm };
}
