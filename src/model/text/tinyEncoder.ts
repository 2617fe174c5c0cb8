/**
 * The `tiny` preset's text encoder, trained from scratch: [word embedding ; char CNN ; casing
 * embedding] → dropout → BiLSTM → words `[B,T,2H]` and a masked-mean sentence vector `[B,2H]`.
 * Unseen names are handled by the char CNN and casing class, and by word dropout (rare train
 * words become `<unk>` during training, so `<unk>` learns to lean on them).
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import type { Rng } from '../../core/random.js';
import { seededVariable } from '../layers.js';
import { dropoutMask, dropoutRng, onHostBackend } from '../module.js';
import type { TextBatch, TextEncoder, TextEncoding } from '../parts.js';
import { charConvMaxHost } from './charCnnHost.js';
import { biLstmLayer, type LstmWeights, reverseWithinLengthIndex } from './lstm.js';
import { CASING_CLASSES, type EncodedTextBatch, encodeTextBatch, type TextVocab, UNK_ID } from './vocab.js';

export interface TinyTextEncoderConfig {
  /** Word embedding width (default 100, as the anchor BiLSTM-CNN-CRF). */
  wordDim: number;
  /** Character embedding width (default 30, Ma & Hovy). */
  charDim: number;
  /** Char CNN filters = width of the char feature (default 50). */
  charFilters: number;
  /** Char CNN window in characters, odd (default 3). */
  charWidth: number;
  /** Casing-class embedding width (default 8). */
  casingDim: number;
  /** LSTM units per direction (default 100, as Lample et al.; the step time grows ~H² on wasm); output 2·hidden wide. */
  hidden: number;
  /** Stacked BiLSTM layers (default 1). */
  layers: number;
  /** Dropout rate on the input features and on the word outputs, training only (default 0.5). */
  dropout: number;
  /**
   * Dropout on the word outputs; -1 (default) = `dropout`. 2M-NER sets 0: its word vectors feed a
   * residual + LayerNorm beside the image context, and dropout there makes the words louder in
   * training than at test time, so the model trained with it falls apart at inference; the model
   * drops out after fusion instead, before the emissions.
   */
  outputDropout: number;
  /** Probability that a rare train word is replaced by `<unk>` in training (default 0.5, Lample et al.). */
  wordDropout: number;
  /** "Rare" for word dropout: at most this many train occurrences (default 1: singletons). */
  wordDropoutMaxCount: number;
  /** Longest word the char CNN reads (default 20; see `encodeTextBatch`). */
  maxWordLen: number;
  /**
   * Weight of a language-modelling side objective in training (default 0 = off; Rei 2017 used
   * 0.1): the top BiLSTM layer's forward states predict the next word and its backward states the
   * previous one, through a tanh layer of `lmHidden` and a softmax over the `lmVocab` most frequent
   * train words (+ `<unk>`, sentence start and end). Inference ignores it.
   */
  lmWeight: number;
  /** Words the side objective predicts; rarer ones are `<unk>` (default 5000). */
  lmVocab: number;
  /** Width of its tanh layer (default 50). */
  lmHidden: number;
  /** Seed of the initial weights and the dropout streams (default 0). */
  seed: number | string;
}

export const DEFAULT_TINY_TEXT_CONFIG: Readonly<TinyTextEncoderConfig> = Object.freeze({
  wordDim: 100,
  charDim: 30,
  charFilters: 50,
  charWidth: 3,
  casingDim: 8,
  hidden: 100,
  layers: 1,
  dropout: 0.5,
  outputDropout: -1,
  wordDropout: 0.5,
  wordDropoutMaxCount: 1,
  maxWordLen: 20,
  lmWeight: 0,
  lmVocab: 5000,
  lmHidden: 50,
  seed: 0,
});

/** Added to conv outputs past a word's end before the max over characters. */
const MASKED = -1e4;

function checkConfig(c: TinyTextEncoderConfig): TinyTextEncoderConfig {
  const bad = (field: string, want: string) =>
    new MmnerError(
      'E_CONFIG',
      `text encoder ${field} must be ${want}, got ${String(c[field as keyof typeof c])}`,
    );
  for (const f of [
    'wordDim',
    'charDim',
    'charFilters',
    'charWidth',
    'casingDim',
    'hidden',
    'layers',
    'lmVocab',
    'lmHidden',
  ] as const) {
    if (!Number.isInteger(c[f]) || c[f] < 1) throw bad(f, 'a positive integer');
  }
  if (c.charWidth % 2 !== 1) throw bad('charWidth', 'odd');
  if (!(c.lmWeight >= 0 && Number.isFinite(c.lmWeight))) throw bad('lmWeight', 'a number ≥ 0');
  if (!Number.isInteger(c.maxWordLen) || c.maxWordLen < 1) throw bad('maxWordLen', 'a positive integer');
  if (!Number.isInteger(c.wordDropoutMaxCount) || c.wordDropoutMaxCount < 0) {
    throw bad('wordDropoutMaxCount', 'a non-negative integer');
  }
  for (const f of ['dropout', 'wordDropout'] as const) {
    if (!(c[f] >= 0 && c[f] < 1)) throw bad(f, 'in [0, 1)');
  }
  if (!(c.outputDropout === -1 || (c.outputDropout >= 0 && c.outputDropout < 1))) {
    throw bad('outputDropout', '-1 (same as dropout) or in [0, 1)');
  }
  return c;
}

const uniform = (bound: number) => (r: Rng) => r.range(-bound, bound);
const glorot = (fanIn: number, fanOut: number) => uniform(Math.sqrt(6 / (fanIn + fanOut)));

export class TinyTextEncoder implements TextEncoder {
  readonly config: Readonly<TinyTextEncoderConfig>;
  readonly vocab: TextVocab;
  /** 2·hidden. */
  readonly outputDim: number;
  /** Width of the BiLSTM input: wordDim + charFilters + casingDim. */
  readonly inputDim: number;
  private readonly vars = new Map<string, tf.Variable>();
  /** Classes of the LM side objective: word ids below `lmClasses − 2` (pad, unk, frequent words), start, end. */
  private readonly lmClasses: number;
  private disposed = false;

  constructor(vocab: TextVocab, config: Partial<TinyTextEncoderConfig> = {}) {
    this.config = Object.freeze(checkConfig({ ...DEFAULT_TINY_TEXT_CONFIG, ...config }));
    this.vocab = vocab;
    const c = this.config;
    const seed = `text/${c.seed}`;
    this.outputDim = 2 * c.hidden;
    this.inputDim = c.wordDim + c.charFilters + c.casingDim;
    const add = (name: string, shape: number[], init: (r: Rng, i: number) => number) =>
      this.vars.set(name, seededVariable(seed, name, shape, init));
    // Embeddings: U(±√(3/d)) (unit variance per vector, Lample et al.); pad rows are masked in use.
    add('word.embedding', [vocab.wordVocabSize, c.wordDim], uniform(Math.sqrt(3 / c.wordDim)));
    add('char.embedding', [vocab.charVocabSize, c.charDim], uniform(Math.sqrt(3 / c.charDim)));
    add(
      'char.conv.kernel',
      [c.charWidth, c.charDim, c.charFilters],
      glorot(c.charWidth * c.charDim, c.charFilters),
    );
    add('char.conv.bias', [c.charFilters], () => 0);
    add('casing.embedding', [CASING_CLASSES.length, c.casingDim], uniform(Math.sqrt(3 / c.casingDim)));
    const H = c.hidden;
    for (let l = 0; l < c.layers; l++) {
      const din = l === 0 ? this.inputDim : 2 * H;
      for (const dir of ['fw', 'bw']) {
        const p = `${lstmPrefix(l)}.${dir}`;
        add(`${p}.kernel`, [din, 4 * H], glorot(din, 4 * H));
        // PyTorch's recurrent init, U(±1/√H).
        add(`${p}.recurrentKernel`, [H, 4 * H], uniform(1 / Math.sqrt(H)));
        // Gate order i, f, o, g: forget-gate bias 1 so early training keeps its memory.
        add(`${p}.bias`, [4 * H], (_r, i) => (i >= H && i < 2 * H ? 1 : 0));
      }
    }
    // The LM side objective's layers exist only when it is on, so other models are unchanged.
    this.lmClasses = Math.min(c.lmVocab + 2, vocab.wordVocabSize) + 2;
    if (c.lmWeight > 0) {
      const m = c.lmHidden;
      for (const dir of ['fw', 'bw']) {
        add(`lm.${dir}.hidden.kernel`, [H, m], glorot(H, m));
        add(`lm.${dir}.hidden.bias`, [m], () => 0);
        add(`lm.${dir}.out.kernel`, [m, this.lmClasses], glorot(m, this.lmClasses));
        add(`lm.${dir}.out.bias`, [this.lmClasses], () => 0);
      }
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

  /** Tokens → ids (`encodeTextBatch` with this encoder's `maxWordLen`), then `encodeIds`. */
  encode(batch: TextBatch, training: boolean): TextEncoding {
    return this.encodeIds(
      encodeTextBatch(this.vocab, batch, { maxWordLen: this.config.maxWordLen }),
      training,
    );
  }

  /**
   * The encoder proper, on already-encoded ids. `training` turns on word dropout and feature/output
   * dropout (drawn from this encoder's seeded stream). Call inside tf.tidy.
   * words `[B,T,2H]` (0 at padding; dropped out in training), sentence `[B,2H]` = mean of the
   * real words' outputs before output dropout (the contrastive branch gets the clean pooled vector).
   */
  encodeIds(enc: EncodedTextBatch, training: boolean): TextEncoding {
    if (this.disposed) throw new Error('TinyTextEncoder used after dispose()');
    const c = this.config;
    const { batchSize: B, maxLen: T } = enc;
    const N = B * T;
    const lengths: number[] = [];
    for (let b = 0; b < B; b++) {
      let n = 0;
      for (let t = 0; t < T; t++) n += enc.mask[b * T + t]! > 0 ? 1 : 0;
      lengths.push(n);
    }
    const wordIds = training && c.wordDropout > 0 ? this.dropWords(enc) : enc.wordIds;
    const inDrop = training && c.dropout > 0 ? dropoutMask(N * this.inputDim, c.dropout) : undefined;
    const outRate = c.outputDropout < 0 ? c.dropout : c.outputDropout;
    const outDrop = training && outRate > 0 ? dropoutMask(N * this.outputDim, outRate) : undefined;
    return tf.tidy(() => {
      const v = (name: string) => this.vars.get(name)! as tf.Tensor2D;
      const mask = tf.tensor2d(enc.mask, [N, 1]);
      const words = tf.gather(v('word.embedding'), tf.tensor1d(wordIds, 'int32'));
      const casing = tf.gather(v('casing.embedding'), tf.tensor1d(enc.casing, 'int32'));
      const chars = this.charFeatures(enc);
      // Padding rows are zeroed so that nothing about them (ids, lengths) reaches the LSTM.
      let x = tf.mul(tf.concat([words, chars, casing], 1), mask) as tf.Tensor2D; // [B*T, Din]
      if (inDrop) x = tf.mul(x, tf.tensor2d(inDrop, [N, this.inputDim]));
      // The BiLSTM runs time-major ([T*B, ·]): per-step slices are then contiguous.
      const timeMajor = (a: tf.Tensor2D) =>
        tf.reshape(tf.transpose(tf.reshape(a, [B, T, -1]), [1, 0, 2]), [N, -1]) as tf.Tensor2D;
      x = timeMajor(x);
      const maskTm = timeMajor(mask);
      const rev = tf.tensor1d(reverseWithinLengthIndex(lengths, T), 'int32');
      for (let l = 0; l < c.layers; l++) {
        x = biLstmLayer(x, B, T, rev, maskTm, this.lstmWeights(l, 'fw'), this.lstmWeights(l, 'bw'));
      }
      const out = tf.transpose(tf.reshape(x, [T, B, this.outputDim]), [1, 0, 2]) as tf.Tensor3D;
      const len = tf.tensor2d(
        lengths.map((n) => Math.max(n, 1)),
        [B, 1],
      );
      const sentence = tf.div(tf.sum(out, 1), len) as tf.Tensor2D;
      const wordsOut = outDrop ? tf.mul(out, tf.tensor3d(outDrop, [B, T, this.outputDim])) : out;
      const lm = training && c.lmWeight > 0 ? this.lmLoss(x, enc, lengths) : undefined;
      return { words: wordsOut as tf.Tensor3D, sentence, ...(lm ? { auxLoss: lm } : {}) };
    });
  }

  /**
   * The LM side objective on the top BiLSTM layer's time-major output `x` `[T·B, 2H]`:
   * lmWeight × (summed cross-entropy of next-word and previous-word predictions per sentence,
   * averaged over the batch), the CRF loss's scale. Targets are the words before word dropout.
   */
  private lmLoss(x: tf.Tensor2D, enc: EncodedTextBatch, lengths: number[]): tf.Scalar {
    const c = this.config;
    const { batchSize: B, maxLen: T } = enc;
    const V = this.lmClasses;
    const [start, end] = [V - 2, V - 1];
    const cls = (id: number) => (id < V - 2 ? id : UNK_ID);
    const rows: number[] = [];
    const next: number[] = [];
    const prev: number[] = [];
    for (let b = 0; b < B; b++) {
      const n = lengths[b]!;
      for (let t = 0; t < n; t++) {
        rows.push(t * B + b);
        next.push(t + 1 < n ? cls(enc.wordIds[b * T + t + 1]!) : end);
        prev.push(t > 0 ? cls(enc.wordIds[b * T + t - 1]!) : start);
      }
    }
    const M = rows.length;
    const H = c.hidden;
    const states = tf.gather(x, tf.tensor1d(rows, 'int32'));
    const v = (name: string) => this.vars.get(name)!;
    const side = (dir: 'fw' | 'bw', from: number, targets: number[]) => {
      const h = tf.tanh(
        tf.add(
          tf.matMul(tf.slice(states, [0, from], [M, H]), v(`lm.${dir}.hidden.kernel`) as tf.Tensor2D),
          v(`lm.${dir}.hidden.bias`),
        ),
      );
      const logits = tf.add(tf.matMul(h, v(`lm.${dir}.out.kernel`) as tf.Tensor2D), v(`lm.${dir}.out.bias`));
      const picked = Int32Array.from(targets, (k, i) => i * V + k);
      return tf.sum(tf.gather(tf.reshape(tf.logSoftmax(logits), [-1]), tf.tensor1d(picked, 'int32')));
    };
    const logLik = tf.add(side('fw', 0, next), side('bw', H, prev));
    return tf.mul(logLik, -c.lmWeight / Math.max(B, 1)) as tf.Scalar;
  }

  /**
   * Char CNN: embed `[N, C, E]` (pad chars → 0), convolve with window w and 'same' zero padding as
   * one matmul over unfolded windows `[N·C, w·E]·[w·E, F]`, then max over each word's real
   * characters → `[N, F]` (N = B·T). The unfolded form needs no conv kernels (tfjs-wasm lacks the
   * conv filter gradient without mmner's kernels). On the CPU backends `charConvMaxHost` does the
   * same with windows of real characters only; elsewhere `charConvMaxOps`.
   */
  private charFeatures(enc: EncodedTextBatch): tf.Tensor2D {
    const N = enc.batchSize * enc.maxLen;
    const C = enc.maxChars;
    // [N·C, E]: the ids are flat, one per character slot.
    const emb = tf.gather(this.vars.get('char.embedding')!, tf.tensor1d(enc.charIds, 'int32')) as tf.Tensor2D;
    const kernel = this.vars.get('char.conv.kernel')! as tf.Tensor3D;
    const bias = this.vars.get('char.conv.bias')! as tf.Tensor1D;
    const charConvMax = onHostBackend() ? charConvMaxHost : charConvMaxOps;
    return charConvMax(emb, kernel, bias, N, C, enc.charLengths);
  }

  private lstmWeights(layer: number, dir: 'fw' | 'bw'): LstmWeights {
    const p = `${lstmPrefix(layer)}.${dir}`;
    return {
      kernel: this.vars.get(`${p}.kernel`)! as tf.Tensor2D,
      recurrentKernel: this.vars.get(`${p}.recurrentKernel`)! as tf.Tensor2D,
      bias: this.vars.get(`${p}.bias`)! as tf.Tensor1D,
    };
  }

  /** Word dropout: each real word seen ≤ `wordDropoutMaxCount` times in training → `<unk>` with p. */
  private dropWords(enc: EncodedTextBatch): Int32Array {
    const { wordDropout: p, wordDropoutMaxCount: maxCount } = this.config;
    const ids = enc.wordIds.slice();
    const rng = dropoutRng();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id > UNK_ID && this.vocab.countOf(id) <= maxCount && rng.chance(p)) ids[i] = UNK_ID;
    }
    return ids;
  }
}

/** Variable-name prefix of BiLSTM layer l: `lstm` for the first, `lstm2`, `lstm3`… above it. */
function lstmPrefix(layer: number): string {
  return layer === 0 ? 'lstm' : `lstm${layer + 1}`;
}

/**
 * The char CNN's convolution + max over characters in tf ops (GPU backends, and the reference of
 * `charConvMaxHost`): `emb` `[N*C, E]`, `kernel` `[w, E, F]` ('same' padding), `bias` `[F]`,
 * `lengths` `[N]` → `[N, F]`. Characters past a word's length are zeroed; a word without
 * characters (a padded slot) keeps position 0, so that its max is finite (= bias).
 */
export function charConvMaxOps(
  emb: tf.Tensor2D,
  kernel: tf.Tensor3D,
  bias: tf.Tensor1D,
  N: number,
  C: number,
  lengths: Int32Array,
): tf.Tensor2D {
  const [w, E, F] = kernel.shape;
  const real = new Float32Array(N * C); // 1 on a word's characters
  const valid = new Float32Array(N * C); // the same, but a padded word slot keeps position 0
  for (let i = 0; i < N; i++) {
    const n = lengths[i]!;
    for (let k = 0; k < n; k++) real[i * C + k] = 1;
    for (let k = 0; k < Math.max(1, n); k++) valid[i * C + k] = 1;
  }
  const x = tf.mul(tf.reshape(emb, [N, C, E]), tf.tensor3d(real, [N, C, 1]));
  const half = (w - 1) / 2;
  const padded = tf.pad(x, [
    [0, 0],
    [half, half],
    [0, 0],
  ]);
  const windows =
    w === 1
      ? x
      : tf.concat(
          Array.from({ length: w }, (_, k) => tf.slice(padded, [0, k, 0], [N, C, E])),
          2,
        );
  const conv = tf.add(tf.matMul(tf.reshape(windows, [N * C, w * E]), tf.reshape(kernel, [w * E, F])), bias);
  const masked = tf.add(
    tf.reshape(conv, [N, C, F]),
    tf.mul(tf.sub(tf.tensor3d(valid, [N, C, 1]), 1), -MASKED),
  );
  return tf.max(masked, 1) as tf.Tensor2D;
}
