/**
 * The `paper` preset's text encoder: BERT (bert-base-multilingual-cased in 2M-NER) as a
 * `TextEncoder` in plain tf ops, so it fine-tunes on every tfjs backend, wasm included.
 *
 * - Input: each sentence becomes `[CLS] subwords [SEP]` (WordPiece of each word, token type 0),
 *   padded to the batch's longest row with an attention mask over the padding.
 * - Layers: post-LN transformer blocks as in BERT (self-attention → dropout → add & LayerNorm →
 *   GELU feed-forward → dropout → add & LayerNorm); GELU is the exact erf form (tfjs has Erf and
 *   its gradient on cpu and wasm).
 * - Output: the hidden states after layer `layer`; words = each word's first-subword vector
 *   (0 at padding), sentence = the [CLS] vector.
 * - Long sentences: BERT has `maxPositions` positions, so a sentence with more than
 *   `maxPositions − 2` subwords is cut into consecutive windows of whole words that fit; each window
 *   is encoded as a sentence of its own (`[CLS] … [SEP]`, positions from 0) in the same forward
 *   pass, the word vectors are joined, and the sentence vector is the first window's [CLS]. Words
 *   in different windows do not attend to each other. A single word longer than a window keeps only
 *   its first `maxPositions − 2` subwords (only the first one is read out).
 *
 * Variables carry our own stable names (`layers.0.attention.query.kernel`); `bertWeightSpec` maps
 * them to Hugging Face's names for loading (bertFolder.node.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import type { WordPieceTokenizer } from '../../core/tokenize/wordpiece.js';
import { checkPositiveInt, checkRate, Dropout, filled, seededUniform } from '../layers.js';
import type { TextBatch, TextEncoder, TextEncoding } from '../parts.js';
import type { WeightSpec } from '../weights/mapping.js';
import type { Tensor } from '../weights/safetensors.js';
import { checkTextBatch } from './vocab.js';

/** The architecture, as in a Hugging Face config.json. */
export interface BertArchitecture {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  /** Positions (subwords + [CLS] + [SEP]) one window can hold. */
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  /** Dropout after the embeddings and on each block's two residual branches (training only). */
  hiddenDropout: number;
  /** Dropout on the attention probabilities (training only). */
  attentionDropout: number;
}

export interface BertConfig extends BertArchitecture {
  /**
   * Which hidden state is the output: -1 (default) the last layer, -2 the one below…, k ≥ 1 the
   * output of layer k, 0 the embeddings. Layers above it are neither built nor loaded.
   */
  layer: number;
  /** Keep the weights fixed: the variables are not trainable (default false: fine-tuned). */
  frozen: boolean;
  /** Seed of the random initial weights, used only when no weights are given (default 0). */
  seed: number | string;
}

/** bert-base-multilingual-cased. */
export const DEFAULT_BERT_CONFIG: Readonly<BertConfig> = Object.freeze({
  vocabSize: 119547,
  hiddenSize: 768,
  numLayers: 12,
  numHeads: 12,
  intermediateSize: 3072,
  maxPositions: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
  layer: -1,
  frozen: false,
  seed: 0,
});

/** Added to the attention scores of padding keys: exp underflows to exactly 0. */
const MASKED = -1e9;
/** std of BERT's initializer (0.02), as a uniform bound with that std. */
const INIT_BOUND = 0.02 * Math.sqrt(3);

function checkConfig(c: BertConfig): BertConfig {
  for (const f of [
    'vocabSize',
    'hiddenSize',
    'numLayers',
    'numHeads',
    'intermediateSize',
    'typeVocabSize',
  ] as const) {
    checkPositiveInt(c[f], `BERT ${f}`);
  }
  if (!Number.isInteger(c.maxPositions) || c.maxPositions < 3) {
    throw new MmnerError('E_CONFIG', `BERT maxPositions must be an integer ≥ 3, got ${c.maxPositions}`);
  }
  if (c.hiddenSize % c.numHeads !== 0) {
    throw new MmnerError(
      'E_CONFIG',
      `BERT hiddenSize ${c.hiddenSize} is not a multiple of numHeads ${c.numHeads}`,
    );
  }
  if (!(c.layerNormEps > 0))
    throw new MmnerError('E_CONFIG', `BERT layerNormEps must be > 0, got ${c.layerNormEps}`);
  checkRate(c.hiddenDropout, 'BERT hiddenDropout');
  checkRate(c.attentionDropout, 'BERT attentionDropout');
  if (!Number.isInteger(c.layer) || c.layer > c.numLayers || c.layer < -(c.numLayers + 1)) {
    throw new MmnerError(
      'E_CONFIG',
      `BERT layer must be an integer from ${-(c.numLayers + 1)} to ${c.numLayers}, got ${c.layer}`,
      { hint: '-1 = the last layer; k = the output of layer k (1-based); 0 = the embeddings' },
    );
  }
  return c;
}

/** Defaults filled in and every field checked (MmnerError E_CONFIG). */
export function resolveBertConfig(config: Partial<BertConfig>): Readonly<BertConfig> {
  return Object.freeze(checkConfig({ ...DEFAULT_BERT_CONFIG, ...config }));
}

/** How many transformer blocks run for `layer` (-1 → all). */
export function layersUsed(c: Pick<BertConfig, 'layer' | 'numLayers'>): number {
  return c.layer < 0 ? c.numLayers + 1 + c.layer : c.layer;
}

/**
 * Our weights and their Hugging Face names (with the `bert.` prefix; `loadMapped` also accepts
 * them without it, and the old `gamma`/`beta` LayerNorm names). Linear weights are stored
 * `[out, in]` by PyTorch and transposed to our `[in, out]` kernels.
 */
export function bertWeightSpec(config: BertConfig): WeightSpec[] {
  const { vocabSize: V, hiddenSize: H, intermediateSize: I, maxPositions: P, typeVocabSize: TV } = config;
  const spec: WeightSpec[] = [];
  const table = (ours: string, hf: string, rows: number) =>
    spec.push({ ourName: ours, hfNames: [hf], shape: [rows, H] });
  const dense = (ours: string, hf: string, inDim: number, outDim: number) => {
    spec.push({
      ourName: `${ours}.kernel`,
      hfNames: [`${hf}.weight`],
      shape: [inDim, outDim],
      transpose: true,
    });
    spec.push({ ourName: `${ours}.bias`, hfNames: [`${hf}.bias`], shape: [outDim] });
  };
  const norm = (ours: string, hf: string) => {
    spec.push({ ourName: `${ours}.gamma`, hfNames: [`${hf}.weight`, `${hf}.gamma`], shape: [H] });
    spec.push({ ourName: `${ours}.beta`, hfNames: [`${hf}.bias`, `${hf}.beta`], shape: [H] });
  };
  table('embeddings.word', 'bert.embeddings.word_embeddings.weight', V);
  table('embeddings.position', 'bert.embeddings.position_embeddings.weight', P);
  table('embeddings.tokenType', 'bert.embeddings.token_type_embeddings.weight', TV);
  norm('embeddings.norm', 'bert.embeddings.LayerNorm');
  for (let l = 0; l < layersUsed(config); l++) {
    const ours = `layers.${l}`;
    const hf = `bert.encoder.layer.${l}`;
    for (const part of ['query', 'key', 'value']) {
      dense(`${ours}.attention.${part}`, `${hf}.attention.self.${part}`, H, H);
    }
    dense(`${ours}.attention.output`, `${hf}.attention.output.dense`, H, H);
    norm(`${ours}.attention.norm`, `${hf}.attention.output.LayerNorm`);
    dense(`${ours}.intermediate`, `${hf}.intermediate.dense`, H, I);
    dense(`${ours}.output`, `${hf}.output.dense`, I, H);
    norm(`${ours}.output.norm`, `${hf}.output.LayerNorm`);
  }
  return spec;
}

/** Where every word and sentence of a batch sits in the padded `[rows, seqLen]` subword grid. */
export interface BertLayout {
  /** Encoded rows: one per window, so ≥ the batch size. */
  rows: number;
  /** Longest row, [CLS] and [SEP] included (≤ maxPositions). */
  seqLen: number;
  /** `[rows·seqLen]` ids, [PAD] after each row's [SEP]. */
  inputIds: Int32Array;
  /** `[rows·seqLen]` 1 for real positions, 0 for padding. */
  attentionMask: Float32Array;
  /** `[B·T]` flat index (row·seqLen + position) of each word's first subword; 0 at padding. */
  wordIndex: Int32Array;
  /** `[B·T]` 1 for real words. */
  wordMask: Float32Array;
  /** `[B]` flat index of each sentence's (first window's) [CLS]. */
  sentenceIndex: Int32Array;
  /** Windows per sentence (1 unless the sentence is longer than one window). */
  windows: number[];
}

/** Tokenizes a batch and lays it out, windowing long sentences (see the file comment). */
export function layoutBatch(
  tokenizer: WordPieceTokenizer,
  batch: TextBatch,
  maxPositions: number,
): BertLayout {
  checkTextBatch(batch);
  const maxSub = maxPositions - 2;
  const B = batch.lengths.length;
  const T = batch.maxLen;
  const rows: number[][] = [];
  const wordRow = new Int32Array(B * T);
  const wordPos = new Int32Array(B * T);
  const wordMask = new Float32Array(B * T);
  const sentenceRow = new Int32Array(B);
  const windows: number[] = [];
  for (let b = 0; b < B; b++) {
    let row: number[] = [];
    const close = () => {
      row.push(tokenizer.sepId);
      rows.push(row);
    };
    sentenceRow[b] = rows.length;
    windows.push(1);
    row.push(tokenizer.clsId);
    for (let t = 0; t < batch.lengths[b]!; t++) {
      let ids = tokenizer.wordIds(batch.tokens[b]![t]!);
      if (ids.length > maxSub) ids = ids.slice(0, maxSub);
      if (row.length > 1 && row.length - 1 + ids.length > maxSub) {
        close();
        row = [tokenizer.clsId];
        windows[b]!++;
      }
      wordRow[b * T + t] = rows.length;
      wordPos[b * T + t] = row.length;
      wordMask[b * T + t] = 1;
      row.push(...ids);
    }
    close();
  }
  const R = rows.length;
  const S = Math.max(...rows.map((r) => r.length));
  const inputIds = new Int32Array(R * S).fill(tokenizer.padId);
  const attentionMask = new Float32Array(R * S);
  rows.forEach((r, i) => {
    inputIds.set(r, i * S);
    attentionMask.fill(1, i * S, i * S + r.length);
  });
  const wordIndex = new Int32Array(B * T);
  for (let i = 0; i < B * T; i++) wordIndex[i] = wordMask[i] ? wordRow[i]! * S + wordPos[i]! : 0;
  const sentenceIndex = sentenceRow.map((r) => r * S);
  return { rows: R, seqLen: S, inputIds, attentionMask, wordIndex, wordMask, sentenceIndex, windows };
}

export class BertEncoder implements TextEncoder {
  readonly config: Readonly<BertConfig>;
  readonly tokenizer: WordPieceTokenizer;
  /** hiddenSize. */
  readonly outputDim: number;
  private readonly vars = new Map<string, tf.Variable>();
  private readonly hiddenDrop: Dropout;
  private readonly attentionDrop: Dropout;
  private disposed = false;

  /**
   * `weights`: tensors by our names (e.g. from `loadMapped` with `bertWeightSpec`); without them
   * the weights are random (BERT's N(0, 0.02) scale, seeded), for tests and training from scratch.
   */
  constructor(
    tokenizer: WordPieceTokenizer,
    config: Partial<BertConfig> = {},
    weights?: ReadonlyMap<string, Tensor>,
  ) {
    this.config = resolveBertConfig(config);
    const c = this.config;
    if (tokenizer.vocabSize > c.vocabSize) {
      throw new MmnerError(
        'E_CONFIG',
        `the tokenizer has ${tokenizer.vocabSize} tokens but BERT's vocabSize is ${c.vocabSize}`,
        { hint: 'the tokenizer and the weights come from different models' },
      );
    }
    this.tokenizer = tokenizer;
    this.outputDim = c.hiddenSize;
    this.hiddenDrop = new Dropout(c.hiddenDropout);
    this.attentionDrop = new Dropout(c.attentionDropout);
    const seed = `bert/${c.seed}`;
    try {
      for (const s of bertWeightSpec(c)) {
        const given = weights?.get(s.ourName);
        let v: tf.Variable;
        if (weights) {
          if (!given) throw new Error(`BertEncoder: no weight "${s.ourName}"`);
          if (given.shape.join() !== s.shape.join()) {
            throw new Error(`BertEncoder: "${s.ourName}" is [${given.shape}], expected [${s.shape}]`);
          }
          v = tf.tidy(() => tf.variable(tf.tensor(given.data, s.shape, 'float32')));
        } else if (s.ourName.endsWith('.gamma')) {
          v = filled(s.shape, 1);
        } else if (s.ourName.endsWith('.bias') || s.ourName.endsWith('.beta')) {
          v = filled(s.shape, 0);
        } else {
          v = seededUniform(seed, s.ourName, s.shape, INIT_BOUND);
        }
        // Frozen variables are left out of the optimizer (the trainer takes only trainable ones).
        v.trainable = !c.frozen;
        this.vars.set(s.ourName, v);
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  namedVariables(): Map<string, tf.Variable> {
    return new Map(this.vars);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }

  encode(batch: TextBatch, training: boolean): TextEncoding {
    if (this.disposed) throw new Error('BertEncoder used after dispose()');
    const layout = layoutBatch(this.tokenizer, batch, this.config.maxPositions);
    const B = batch.lengths.length;
    const T = batch.maxLen;
    return tf.tidy(() => {
      const hidden = this.hiddenStates(layout, training); // [R·S, H]
      const H = this.outputDim;
      const words = tf.mul(
        tf.gather(hidden, tf.tensor1d(layout.wordIndex, 'int32')),
        tf.tensor2d(layout.wordMask, [B * T, 1]),
      );
      return {
        words: tf.reshape(words, [B, T, H]) as tf.Tensor3D,
        sentence: tf.gather(hidden, tf.tensor1d(layout.sentenceIndex, 'int32')) as tf.Tensor2D,
      };
    });
  }

  /** Hidden states after layer `config.layer` for every row and position: `[rows·seqLen, H]`. */
  hiddenStates(layout: BertLayout, training: boolean): tf.Tensor2D {
    const c = this.config;
    const { rows: R, seqLen: S } = layout;
    const H = c.hiddenSize;
    return tf.tidy(() => {
      const v = (name: string) => this.vars.get(name)!;
      const embedded = tf.add(
        tf.reshape(tf.gather(v('embeddings.word'), tf.tensor1d(layout.inputIds, 'int32')), [R, S, H]),
        // Positions 0..S−1 in every row; token type 0 throughout.
        tf.add(
          tf.slice(v('embeddings.position'), [0, 0], [S, H]),
          tf.slice(v('embeddings.tokenType'), [0, 0], [1, H]),
        ),
      );
      let x = this.hiddenDrop.apply(this.norm(tf.reshape(embedded, [R * S, H]), 'embeddings.norm'), training);
      const additive = new Float32Array(R * S);
      for (let i = 0; i < additive.length; i++) additive[i] = layout.attentionMask[i] ? 0 : MASKED;
      const keyMask = tf.tensor4d(additive, [R, 1, 1, S]);
      for (let l = 0; l < layersUsed(c); l++) x = this.block(l, x, R, S, keyMask, training);
      return x as tf.Tensor2D;
    });
  }

  /** One post-LN transformer block on `[R·S, H]`. */
  private block(
    l: number,
    x: tf.Tensor2D,
    R: number,
    S: number,
    keyMask: tf.Tensor,
    training: boolean,
  ): tf.Tensor2D {
    const { hiddenSize: H, numHeads: nh } = this.config;
    const dh = H / nh;
    const p = `layers.${l}`;
    // [R·S, H] → [R, heads, S, dh]
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [R, S, nh, dh]), [0, 2, 1, 3]);
    const q = heads(tf.mul(this.dense(x, `${p}.attention.query`), 1 / Math.sqrt(dh)));
    const k = heads(this.dense(x, `${p}.attention.key`));
    const val = heads(this.dense(x, `${p}.attention.value`));
    const probs = this.attentionDrop.apply(
      tf.softmax(tf.add(tf.matMul(q, k, false, true), keyMask)),
      training,
    );
    const context = tf.reshape(tf.transpose(tf.matMul(probs, val), [0, 2, 1, 3]), [R * S, H]) as tf.Tensor2D;
    const attended = this.hiddenDrop.apply(this.dense(context, `${p}.attention.output`), training);
    const h = this.norm(tf.add(x, attended), `${p}.attention.norm`);
    const ff = this.dense(gelu(this.dense(h, `${p}.intermediate`)), `${p}.output`);
    return this.norm(tf.add(h, this.hiddenDrop.apply(ff, training)), `${p}.output.norm`);
  }

  private dense(x: tf.Tensor2D, name: string): tf.Tensor2D {
    return tf.add(
      tf.matMul(x, this.vars.get(`${name}.kernel`)! as tf.Tensor2D),
      this.vars.get(`${name}.bias`)!,
    ) as tf.Tensor2D;
  }

  /** LayerNorm over the last axis with BERT's eps (1e-12 for the released models). */
  private norm(x: tf.Tensor2D, name: string): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, -1, true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.config.layerNormEps)));
    return tf.add(
      tf.mul(normed, this.vars.get(`${name}.gamma`)!),
      this.vars.get(`${name}.beta`)!,
    ) as tf.Tensor2D;
  }
}

/** GELU, exact: x·Φ(x) = ½x(1 + erf(x/√2)), as BERT's `gelu` (not the tanh approximation). */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T);
}

/**
 * The architecture from a Hugging Face config.json object; throws an MmnerError naming `file` for
 * what mmner's BERT cannot run (another model type, an activation other than exact GELU,
 * relative position embeddings, missing sizes).
 */
export function bertArchitectureFromHf(json: unknown, file?: string): BertArchitecture {
  const where = file ? { file } : {};
  const bad = (detail: string, hint: string) => new MmnerError('E_MODEL_CONFIG', detail, { ...where, hint });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw bad('config.json is not a JSON object', 're-download the model folder');
  }
  const j = json as Record<string, unknown>;
  if (j.model_type !== undefined && j.model_type !== 'bert') {
    throw bad(
      `model_type is ${JSON.stringify(j.model_type)}, not "bert"`,
      "mmner's text encoder runs BERT models (e.g. bert-base-multilingual-cased)",
    );
  }
  const act = j.hidden_act ?? 'gelu';
  if (act !== 'gelu') {
    throw bad(
      `hidden_act is ${JSON.stringify(act)}; mmner's BERT implements "gelu" (exact, erf) only`,
      'use a BERT checkpoint with hidden_act "gelu", as the original BERT models have',
    );
  }
  if (j.position_embedding_type !== undefined && j.position_embedding_type !== 'absolute') {
    throw bad(
      `position_embedding_type is ${JSON.stringify(j.position_embedding_type)}; only "absolute" is implemented`,
      'use a BERT checkpoint with absolute position embeddings',
    );
  }
  const int = (key: string, fallback?: number): number => {
    const value = j[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw bad(
        value === undefined
          ? `config.json has no "${key}"`
          : `"${key}" must be a positive integer, got ${JSON.stringify(value)}`,
        'a BERT config.json has hidden_size, num_hidden_layers, num_attention_heads, intermediate_size, max_position_embeddings and vocab_size',
      );
    }
    return value;
  };
  const num = (key: string, fallback: number, ok: (n: number) => boolean): number => {
    const value = j[key] ?? fallback;
    if (typeof value !== 'number' || !ok(value)) {
      throw bad(`"${key}" is ${JSON.stringify(value)}, which is out of range`, 'check config.json');
    }
    return value;
  };
  const arch: BertArchitecture = {
    vocabSize: int('vocab_size'),
    hiddenSize: int('hidden_size'),
    numLayers: int('num_hidden_layers'),
    numHeads: int('num_attention_heads'),
    intermediateSize: int('intermediate_size'),
    maxPositions: int('max_position_embeddings'),
    typeVocabSize: int('type_vocab_size', 2),
    layerNormEps: num('layer_norm_eps', 1e-12, (n) => n > 0),
    hiddenDropout: num('hidden_dropout_prob', 0.1, (n) => n >= 0 && n < 1),
    attentionDropout: num('attention_probs_dropout_prob', 0.1, (n) => n >= 0 && n < 1),
  };
  if (arch.hiddenSize % arch.numHeads !== 0) {
    throw bad(
      `hidden_size ${arch.hiddenSize} is not a multiple of num_attention_heads ${arch.numHeads}`,
      'check config.json',
    );
  }
  if (arch.maxPositions < 3) throw bad('max_position_embeddings must be at least 3', 'check config.json');
  return arch;
}
