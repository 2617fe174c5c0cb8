/**
 * 2M-NER's multimodal collaboration module: per image branch, words attend to that branch's
 * regions (multi-head cross-attention, separate Q/K/V), a per-token gate decides how much of the
 * attended image context each word takes, and the branch outputs are concatenated and projected
 * back to the word width. Attention maps and gates come out only on request (inspection).
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import { Dropout, LayerNorm, Linear } from '../layers.js';
import { collectVariables, type Module } from '../module.js';
import {
  type CollaborationConfig,
  type ResolvedCollaborationConfig,
  resolveCollaboration,
} from './config.js';

export interface CollaborationOptions {
  /** Dropout on (default false). */
  training?: boolean;
  /** Also return the attention maps and gates (default false; costs a little memory). */
  inspect?: boolean;
}

/** One image branch's regions `[B, R, Di]` (R may differ between branches; all regions are real). */
export interface BranchInput {
  regions: tf.Tensor3D;
}

export interface CollaborationOutput {
  /** Words with image context `[B, T, Dt]`; zero at padded positions. */
  fused: tf.Tensor3D;
  /** Only with `inspect`: per branch, softmax over regions `[B, heads, T, R]` (zero rows for padding). */
  attention?: tf.Tensor4D[];
  /** Only with `inspect`: per branch, the gate g ∈ [0, 1] `[B, T]` (1 without gate; 0 for padding). */
  gate?: tf.Tensor2D[];
}

/**
 * One branch: for words w `[B,T,Dt]` and regions x `[B,R,Di]`, with A = attnDim, h heads, dₕ = A/h:
 *   Q = wWq, K = xWk, V = xWv;  P = softmax(QKᵀ/√dₕ) per head `[B,h,T,R]`;
 *   a = dropout(concatₕ(dropout(P)V)·Wo + bo)  `[B,T,Dt]`;
 *   g = sigmoid([w; a]·Wg + bg) `[B,T,1]` (g ≡ 1 without gate);
 *   y = LayerNorm(w + g ⊙ a).
 */
class CrossAttentionBranch implements Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly output: Linear;
  readonly norm: LayerNorm;
  readonly gate: Linear | undefined;

  constructor(
    seed: string,
    name: string,
    private readonly c: ResolvedCollaborationConfig,
    regionDim: number,
    private readonly drop: Dropout,
  ) {
    this.query = new Linear(seed, `${name}.query`, c.wordDim, c.attnDim);
    this.key = new Linear(seed, `${name}.key`, regionDim, c.attnDim);
    this.value = new Linear(seed, `${name}.value`, regionDim, c.attnDim);
    // The image context enters a residual beside the word vectors; a small start keeps the words
    // readable while the image encoder is still random (with a full-size start the context swamps
    // them, and the gated model learns to shut the gate, cutting the image's gradient).
    this.output = new Linear(seed, `${name}.output`, c.attnDim, c.wordDim, 0.1);
    this.norm = new LayerNorm(c.wordDim, c.layerNormEps);
    this.gate = c.gate ? new Linear(seed, `${name}.gate`, 2 * c.wordDim, 1) : undefined;
  }

  /** `[B, L, A]` → `[B, h, L, dₕ]`. */
  private splitHeads(x: tf.Tensor3D): tf.Tensor4D {
    const [b, l] = x.shape;
    const dh = this.c.attnDim / this.c.heads;
    return tf.transpose(tf.reshape(x, [b, l, this.c.heads, dh]), [0, 2, 1, 3]);
  }

  /** words `[B,T,Dt]`, regions `[B,R,Di]` → y `[B,T,Dt]`, P `[B,h,T,R]`, g `[B,T,1]` or undefined. */
  apply(
    words: tf.Tensor3D,
    regions: tf.Tensor3D,
    training: boolean,
  ): { y: tf.Tensor3D; probs: tf.Tensor4D; gate: tf.Tensor3D | undefined } {
    const [b, t] = words.shape;
    const dh = this.c.attnDim / this.c.heads;
    const q = this.splitHeads(this.query.apply(words));
    const k = this.splitHeads(this.key.apply(regions));
    const v = this.splitHeads(this.value.apply(regions));
    const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)); // [B,h,T,R]
    const probs = tf.softmax(scores) as tf.Tensor4D;
    const context = tf.matMul(this.drop.apply(probs, training), v); // [B,h,T,dₕ]
    const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [b, t, this.c.attnDim]) as tf.Tensor3D;
    const attended = this.drop.apply(this.output.apply(merged), training);
    let gate: tf.Tensor3D | undefined;
    let taken = attended;
    if (this.gate) {
      gate = tf.sigmoid(this.gate.apply(tf.concat([words, attended], -1) as tf.Tensor3D));
      taken = tf.mul(gate, attended);
    }
    return { y: this.norm.apply(tf.add(words, taken)), probs, gate };
  }

  namedVariables(): Map<string, tf.Variable> {
    return collectVariables({
      query: this.query,
      key: this.key,
      value: this.value,
      output: this.output,
      norm: this.norm,
      gate: this.gate,
    });
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}

export class CollaborationModule implements Module {
  readonly config: Readonly<ResolvedCollaborationConfig>;
  private readonly branchModules: CrossAttentionBranch[];
  /** [y₁; …; yₙ] `[B,T,n·Dt]` → `[B,T,Dt]`; only with several branches (one branch is used as is). */
  private readonly merge: Linear | undefined;
  /** One seeded dropout stream for the whole module. */
  private readonly drop: Dropout;

  constructor(config: Pick<CollaborationConfig, 'wordDim' | 'regionDim'> & Partial<CollaborationConfig>) {
    this.config = Object.freeze(resolveCollaboration(config));
    const c = this.config;
    const seed = `${c.seed}`;
    this.drop = new Dropout(c.dropout);
    this.branchModules = c.regionDim.map(
      (d, i) => new CrossAttentionBranch(seed, `branch${i}`, c, d, this.drop),
    );
    this.merge = c.branches > 1 ? new Linear(seed, 'merge', c.branches * c.wordDim, c.wordDim) : undefined;
  }

  /**
   * words `[B, T, Dt]`, wordMask `[B, T]` (1 = real word, 0 = padding), one `{regions [B, R, Di]}`
   * per branch → fused `[B, T, Dt]` (and, with `inspect`, attention and gates). A padded word
   * never changes a real word's output: every step is per word, and padded rows are zeroed.
   * Call inside tf.tidy (or dispose the outputs).
   */
  apply(
    words: tf.Tensor3D,
    wordMask: tf.Tensor2D,
    branches: readonly BranchInput[],
    options: CollaborationOptions = {},
  ): CollaborationOutput {
    this.check(words, wordMask, branches);
    const training = options.training ?? false;
    const inspect = options.inspect ?? false;
    return tf.tidy(() => {
      const mask = tf.cast(wordMask, 'float32');
      const mask3 = tf.expandDims(mask, -1); // [B,T,1]
      const outs = this.branchModules.map((m, i) => m.apply(words, branches[i]!.regions, training));
      let fused: tf.Tensor3D;
      if (this.merge) {
        const cat = tf.concat(
          outs.map((o) => o.y),
          -1,
        ) as tf.Tensor3D;
        fused = this.drop.apply(this.merge.apply(cat), training);
      } else {
        fused = outs[0]!.y;
      }
      fused = tf.mul(fused, mask3);
      if (!inspect) return { fused };
      const rowMask = tf.reshape(mask, [mask.shape[0], 1, mask.shape[1], 1]); // [B,1,T,1]
      return {
        fused,
        attention: outs.map((o) => tf.mul(o.probs, rowMask) as tf.Tensor4D),
        gate: outs.map((o) =>
          o.gate ? (tf.mul(tf.squeeze(o.gate, [2]), mask) as tf.Tensor2D) : tf.clone(mask),
        ),
      };
    });
  }

  private check(words: tf.Tensor3D, mask: tf.Tensor2D, branches: readonly BranchInput[]): void {
    const c = this.config;
    const bad = (what: string) => new MmnerError('E_SHAPE', `collaboration module: ${what}`);
    if (words.rank !== 3 || words.shape[2] !== c.wordDim) {
      throw bad(`words must be [B, T, ${c.wordDim}], got [${words.shape.join(', ')}]`);
    }
    const [b, t] = words.shape;
    if (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== t) {
      throw bad(`wordMask must be [${b}, ${t}], got [${mask.shape.join(', ')}]`);
    }
    if (branches.length !== c.branches)
      throw bad(`expected ${c.branches} image branches, got ${branches.length}`);
    branches.forEach(({ regions }, i) => {
      if (regions.rank !== 3 || regions.shape[0] !== b || regions.shape[2] !== c.regionDim[i]) {
        throw bad(
          `branch ${i} regions must be [${b}, R, ${c.regionDim[i]}], got [${regions.shape.join(', ')}]`,
        );
      }
    });
  }

  /** `branch<i>.{query,key,value,output,gate}.{kernel,bias}`, `branch<i>.norm.{gamma,beta}`, `merge.{kernel,bias}`. */
  namedVariables(): Map<string, tf.Variable> {
    const parts: Record<string, Module | undefined> = {};
    this.branchModules.forEach((m, i) => {
      parts[`branch${i}`] = m;
    });
    parts.merge = this.merge;
    return collectVariables(parts);
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}
