/**
 * What every trainable part of the model shares: named variables (the names are checkpoint keys,
 * so they must be stable), disposal, and seeded initialisers that give the same weights on every
 * backend (values drawn in JS from core/random, then uploaded).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/random.js';

export interface Module {
  /** Every variable by a stable, unique name, e.g. `text.lstm.fw.kernel`. */
  namedVariables(): Map<string, tf.Variable>;
  dispose(): void;
}

/** Joins the variables of sub-modules under prefixes: `{ crf: crfModule }` → `crf.<name>`. */
export function collectVariables(parts: Record<string, Module | undefined>): Map<string, tf.Variable> {
  const all = new Map<string, tf.Variable>();
  for (const [prefix, part] of Object.entries(parts)) {
    if (!part) continue;
    for (const [name, v] of part.namedVariables()) all.set(`${prefix}.${name}`, v);
  }
  return all;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** U(−bound, bound), seeded by `seed` and `name`. */
export function uniformVariable(seed: string, name: string, shape: number[], bound: number): tf.Variable {
  const r = new Rng(`${seed}/${name}`);
  const values = new Float32Array(size(shape));
  for (let i = 0; i < values.length; i++) values[i] = r.range(-bound, bound);
  return tf.variable(tf.tensor(values, shape), true, `${seed}/${name}`);
}

/** Glorot/Xavier uniform for a `[fanIn, fanOut]` kernel (or a conv kernel `[kh, kw, in, out]`). */
export function glorotVariable(seed: string, name: string, shape: number[]): tf.Variable {
  const receptive = shape.length > 2 ? size(shape.slice(0, -2)) : 1;
  const fanIn = (shape[shape.length - 2] ?? 1) * receptive;
  const fanOut = (shape[shape.length - 1] ?? 1) * receptive;
  return uniformVariable(seed, name, shape, Math.sqrt(6 / (fanIn + fanOut)));
}

/** A variable filled with one value (biases: 0; LayerNorm gains: 1). */
export function constantVariable(seed: string, name: string, shape: number[], value: number): tf.Variable {
  return tf.variable(tf.fill(shape, value), true, `${seed}/${name}`);
}

/**
 * Seeded dropout. tf.dropout without a seed draws from an unseeded generator, which would make
 * runs unrepeatable and `--resume` diverge; here every call of a forward pass gets the next seed
 * of a stream that the model restarts each step (`startDropoutStream(seed, step)`), so the masks
 * depend only on (seed, step, call order).
 */
let dropoutSeed = 0;
let dropoutCall = 0;

export function startDropoutStream(seed: number, step: number): void {
  dropoutSeed = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(step + 1, 0xc2b2ae35)) >>> 0;
  dropoutCall = 0;
}

export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean): T {
  if (!training || rate <= 0) return x;
  dropoutCall++;
  return tf.dropout(x, rate, undefined, (dropoutSeed + Math.imul(dropoutCall, 0x27d4eb2f)) >>> 0) as T;
}

/** A dense layer `[..., in] → [..., out]` with Glorot kernel and zero bias. */
export class Linear implements Module {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    seed: string,
    readonly inputDim: number,
    readonly outputDim: number,
  ) {
    this.kernel = glorotVariable(seed, 'kernel', [inputDim, outputDim]);
    this.bias = constantVariable(seed, 'bias', [outputDim], 0);
  }

  apply<T extends tf.Tensor>(x: T): T {
    const flat = x.reshape([-1, this.inputDim]) as tf.Tensor2D;
    const y = tf.add(tf.matMul(flat, this.kernel as tf.Tensor2D), this.bias);
    return y.reshape([...x.shape.slice(0, -1), this.outputDim]) as T;
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
