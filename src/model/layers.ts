/**
 * The small layers the model is built from: seeded initialisers whose values depend only on
 * (seed, name), Linear and LayerNorm as `Module`s with stable variable names, and Dropout.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../core/errors.js';
import { Rng } from '../core/random.js';
import { dropoutMask, type Module } from './module.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A seeded variable: values drawn in JS from `Rng("<seed>/<name>")`, so weights are the same on
 * every backend, and left unnamed in the tfjs registry, so two models with one seed can coexist
 * (tfjs rejects two live variables with one name).
 */
export function seededVariable(
  seed: string,
  name: string,
  shape: number[],
  init: (r: Rng, i: number) => number,
): tf.Variable {
  const r = new Rng(`${seed}/${name}`);
  const values = new Float32Array(size(shape));
  for (let i = 0; i < values.length; i++) values[i] = init(r, i);
  return tf.tidy(() => tf.variable(tf.tensor(values, shape), true));
}

/** U(−bound, bound), seeded by (seed, name). */
export function seededUniform(seed: string, name: string, shape: number[], bound: number): tf.Variable {
  return seededVariable(seed, name, shape, (r) => r.range(-bound, bound));
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

/** A layer made of a kernel and a bias, named `kernel` and `bias` (Linear, convolutions). */
export abstract class KernelBias implements Module {
  constructor(
    readonly kernel: tf.Variable,
    readonly bias: tf.Variable,
  ) {}

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

/** y = x·W + b over the last axis; Glorot-uniform W `[in, out]`, zero b `[out]`. */
export class Linear extends KernelBias {
  constructor(
    seed: string,
    name: string,
    readonly inDim: number,
    readonly outDim: number,
    /** Multiplies the Glorot bound (e.g. 0.1 for a residual branch that should start small). */
    initScale = 1,
  ) {
    const bound = initScale * Math.sqrt(6 / (inDim + outDim));
    super(seededUniform(seed, `${name}.kernel`, [inDim, outDim], bound), filled([outDim], 0));
  }

  /** x `[..., in]` → `[..., out]`. */
  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const flat = tf.reshape(x, [-1, this.inDim]) as tf.Tensor2D;
      const y = tf.add(tf.matMul(flat, this.kernel as tf.Tensor2D), this.bias);
      return tf.reshape(y, [...x.shape.slice(0, -1), this.outDim]) as T;
    });
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
 * Inverted dropout: kept values are scaled by 1/(1 − rate). The mask is drawn in JS from the
 * step's stream (module.ts) — 17× faster than `tf.dropout` on wasm, whose `randomUniform` costs
 * ~90 ms for 250k values — and the same after `--resume`. The identity when not training.
 */
export class Dropout {
  constructor(readonly rate: number) {
    checkRate(rate, 'dropout');
  }

  /** x (any shape) → same shape. */
  apply<T extends tf.Tensor>(x: T, training: boolean): T {
    if (!training || this.rate === 0) return x;
    const mask = dropoutMask(x.size, this.rate);
    return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape)) as T);
  }
}
