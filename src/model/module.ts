/**
 * What every trainable part of the model shares: named variables (the names are checkpoint keys,
 * so they must be stable), disposal, and the per-step random stream that dropout draws from.
 * Seeded initialisers and the small layers are in layers.ts.
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

/**
 * The randomness of a training forward pass (dropout masks, word dropout). A per-module generator
 * that advances with every call would make `--resume` draw other masks than the uninterrupted run;
 * instead the model restarts one stream per step (`startDropoutStream(seed, step)`) and every
 * consumer draws from it in call order, so the masks depend only on (seed, step). A step split
 * into micro-batches (the trainer's `microBatches`) restarts it per micro-batch: chunk k > 0 gets
 * a stream of its own, so no two micro-batches of a step reuse the same masks; chunk 0 is the
 * undivided step's stream.
 */
let stream = new Rng('dropout/unset');

export function startDropoutStream(seed: number | string, step: number, chunk = 0): void {
  stream = new Rng(chunk === 0 ? `dropout/${seed}/${step}` : `dropout/${seed}/${step}/${chunk}`);
}

/** The current step's stream (e.g. for word dropout). */
export function dropoutRng(): Rng {
  return stream;
}

/** `[n]` inverted-dropout multipliers (0 or 1/(1−rate)) from the current step's stream. */
export function dropoutMask(n: number, rate: number): Float32Array {
  const keep = 1 / (1 - rate);
  const m = new Float32Array(n);
  for (let i = 0; i < n; i++) m[i] = stream.next() < rate ? 0 : keep;
  return m;
}

let hostOpsOff = false;

/**
 * Turns the host ops off (`false`) so that wasm and cpu take the tf-ops paths too, or back on
 * (`true`): for benchmarks that time both side by side (bench/real-step.bench.ts).
 */
export function setHostOps(on: boolean): void {
  hostOpsOff = !on;
}

/**
 * True on the backends whose tensors live in host memory (wasm, cpu): there, reading a tensor
 * back is a copy, so the CRF loss, the BiLSTM recurrence and the char CNN run their fiddly parts
 * in JS (crf/crfNllHost.ts, text/lstmHost.ts, text/charCnnHost.ts) instead of as many small
 * kernels. GPU backends keep the tf-ops paths.
 */
export function onHostBackend(): boolean {
  if (hostOpsOff) return false;
  const name = tf.getBackend();
  return name === 'wasm' || name === 'cpu';
}

/**
 * `x [rows, cols] · w`, read back: the host ops' one product per step. Not inside a tf.tidy that
 * returns the array: tidy walks a returned typed array element by element looking for tensors
 * (~7 ms for 25 k values).
 */
export function hostProduct(x: Float32Array, rows: number, cols: number, w: tf.Tensor): Float32Array {
  const xt = tf.tensor2d(x, [rows, cols]);
  const y = tf.matMul(xt, w);
  try {
    return y.dataSync() as Float32Array;
  } finally {
    tf.dispose([xt, y]);
  }
}
