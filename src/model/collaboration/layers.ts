/**
 * The small trainable layers the image encoder and the collaboration module are built from:
 * Linear and LayerNorm as `Module`s with stable variable names, and a seeded initialiser whose
 * values depend only on (seed, name), not on how many models exist in the process.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import type { Module } from '../module.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A variable filled with U(−bound, bound) drawn from `Rng(seed/name)`: the same values as
 * module.ts's `uniformVariable`, but registered under tfjs's automatic unique name, so two models
 * with one seed can live side by side (tfjs throws on a repeated variable name).
 */
export function seededUniform(seed: string, name: string, shape: number[], bound: number): tf.Variable {
  const r = new Rng(`${seed}/${name}`);
  const values = new Float32Array(size(shape));
  for (let i = 0; i < values.length; i++) values[i] = r.range(-bound, bound);
  return tf.tidy(() => tf.variable(tf.tensor(values, shape), true));
}

/** A variable filled with one value (biases 0, LayerNorm gains 1). */
export function filled(shape: number[], value: number): tf.Variable {
  return tf.tidy(() => tf.variable(tf.fill(shape, value), true));
}

export function checkPositiveInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1)
    throw new MmnerError('E_CONFIG', `${what} must be a positive integer, got ${n}`);
  return n;
}

export function checkRate(p: number, what: string): number {
  if (!(p >= 0 && p < 1)) throw new MmnerError('E_CONFIG', `${what} must be in [0, 1), got ${p}`);
  return p;
}

/** y = x·W + b over the last axis; Glorot-uniform W `[in, out]`, zero b `[out]`. */
export class Linear implements Module {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    seed: string,
    name: string,
    readonly inDim: number,
    readonly outDim: number,
  ) {
    this.kernel = seededUniform(seed, `${name}.kernel`, [inDim, outDim], Math.sqrt(6 / (inDim + outDim)));
    this.bias = filled([outDim], 0);
  }

  /** x `[..., in]` → `[..., out]`. */
  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const flat = tf.reshape(x, [-1, this.inDim]) as tf.Tensor2D;
      const y = tf.add(tf.matMul(flat, this.kernel as tf.Tensor2D), this.bias);
      return tf.reshape(y, [...x.shape.slice(0, -1), this.outDim]) as T;
    });
  }

  namedVariables(): Map<string, tf.Variable> {
    return new Map([
      ['kernel', this.kernel],
      ['bias', this.bias],
    ]);
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
  }
}

/** LayerNorm over the last axis: (x − mean)/√(var + eps)·gamma + beta; gamma 1, beta 0. */
export class LayerNorm implements Module {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    this.gamma = filled([dim], 1);
    this.beta = filled([dim], 0);
  }

  /** x `[..., dim]` → same shape. */
  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normed, this.gamma), this.beta) as T;
    });
  }

  namedVariables(): Map<string, tf.Variable> {
    return new Map([
      ['gamma', this.gamma],
      ['beta', this.beta],
    ]);
  }

  dispose(): void {
    this.gamma.dispose();
    this.beta.dispose();
  }
}

/**
 * Inverted dropout with a seeded mask: kept values are scaled by 1/(1 − rate). The mask is drawn
 * in JS from core/random's sfc32 (17× faster than `tf.dropout` on wasm, whose `randomUniform`
 * costs ~90 ms for 250k values) and makes training runs reproducible. The identity when not
 * training or when `rate` is 0.
 */
export class Dropout {
  private readonly rng: Rng;

  constructor(
    seed: string,
    readonly rate: number,
  ) {
    checkRate(rate, 'dropout');
    this.rng = new Rng(`${seed}/dropout`);
  }

  /** x (any shape) → same shape. */
  apply<T extends tf.Tensor>(x: T, training: boolean): T {
    if (!training || this.rate === 0) return x;
    const keep = 1 / (1 - this.rate);
    const mask = new Float32Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = this.rng.next() < this.rate ? 0 : keep;
    return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape)) as T);
  }
}
