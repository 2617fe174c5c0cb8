/**
 * The projection head of 2M-NER's contrastive branch: Linear → ReLU → Linear into the shared
 * space (768→768→768 in the paper; smaller for tiny presets). Seeded init as PyTorch's
 * nn.Linear default (weights and biases U(−1/√fan_in, 1/√fan_in)), held in tf.Variables.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';

export interface ProjectionHeadOptions {
  /** Width of the input vectors (default 768, mBERT's hidden size). */
  inputDim?: number;
  /** Width after the first Linear (default 768). */
  hiddenDim?: number;
  /** Width of the shared space (default 768). */
  outputDim?: number;
  /** Seed of the initial weights (default 0); same seed and dims → same weights. */
  seed?: number | string;
  /** Whether the variables are trainable (default true). */
  trainable?: boolean;
}

export class ProjectionHead {
  readonly inputDim: number;
  readonly hiddenDim: number;
  readonly outputDim: number;
  /** [w1 `[in,hidden]`, b1 `[hidden]`, w2 `[hidden,out]`, b2 `[out]`]. */
  readonly variables: readonly tf.Variable[];
  private disposed = false;

  constructor(options: ProjectionHeadOptions = {}) {
    this.inputDim = checkDim(options.inputDim ?? 768, 'inputDim');
    this.hiddenDim = checkDim(options.hiddenDim ?? 768, 'hiddenDim');
    this.outputDim = checkDim(options.outputDim ?? 768, 'outputDim');
    const rng = new Rng(`projection-head/${options.seed ?? 0}`);
    const trainable = options.trainable ?? true;
    const uniform = (name: string, shape: number[], fanIn: number): tf.Variable => {
      const r = rng.derive(name);
      const bound = 1 / Math.sqrt(fanIn);
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < values.length; i++) values[i] = r.range(-bound, bound);
      return tf.tidy(() => tf.variable(tf.tensor(values, shape), trainable));
    };
    this.variables = [
      uniform('w1', [this.inputDim, this.hiddenDim], this.inputDim),
      uniform('b1', [this.hiddenDim], this.inputDim),
      uniform('w2', [this.hiddenDim, this.outputDim], this.hiddenDim),
      uniform('b2', [this.outputDim], this.hiddenDim),
    ];
  }

  /** x `[..., inputDim]` → `[..., outputDim]` (any rank ≥ 1). */
  apply<T extends tf.Tensor>(x: T): T {
    this.checkLive();
    const last = x.shape[x.rank - 1];
    if (x.rank < 1 || last !== this.inputDim) {
      throw new MmnerError(
        'E_SHAPE',
        `ProjectionHead expects inputs of width ${this.inputDim}, got shape [${x.shape.join(',')}]`,
      );
    }
    const [w1, b1, w2, b2] = this.variables as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    return tf.tidy(() => {
      const flat = tf.reshape(x, [-1, this.inputDim]) as tf.Tensor2D;
      const h = tf.relu(tf.add(tf.matMul(flat, w1 as tf.Tensor2D), b1));
      const y = tf.add(tf.matMul(h as tf.Tensor2D, w2 as tf.Tensor2D), b2);
      return tf.reshape(y, [...x.shape.slice(0, -1), this.outputDim]) as T;
    });
  }

  /** Copies of [w1, b1, w2, b2], owned (and disposed) by the caller. */
  getWeights(): tf.Tensor[] {
    this.checkLive();
    return this.variables.map((v) => tf.clone(v));
  }

  /** Assigns [w1, b1, w2, b2]; shapes must match. The given tensors stay the caller's. */
  setWeights(weights: readonly tf.Tensor[]): void {
    this.checkLive();
    if (weights.length !== this.variables.length) {
      throw new MmnerError('E_SHAPE', `ProjectionHead.setWeights: expected 4 tensors, got ${weights.length}`);
    }
    weights.forEach((w, i) => {
      const v = this.variables[i]!;
      if (w.shape.length !== v.shape.length || w.shape.some((d, k) => d !== v.shape[k])) {
        throw new MmnerError(
          'E_SHAPE',
          `ProjectionHead.setWeights: tensor ${i} has shape [${w.shape.join(',')}], expected [${v.shape.join(',')}]`,
        );
      }
    });
    weights.forEach((w, i) => {
      this.variables[i]!.assign(w);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables) v.dispose();
  }

  private checkLive(): void {
    if (this.disposed) throw new Error('ProjectionHead used after dispose()');
  }
}

function checkDim(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new MmnerError('E_CONFIG', `ProjectionHead ${what} must be a positive integer, got ${n}`);
  }
  return n;
}
