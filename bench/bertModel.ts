/**
 * The BERT text model the PyTorch comparisons train (bert-speed.bench.ts for speed,
 * parity.bench.ts for loss agreement): the `paper` preset's text-only model with a random-weight
 * BERT (BERT-base by default), a synthetic vocabulary `w0 … w30516` and synthetic sentences, and
 * the batch file bench/torch/bert.py reads. No side effects on import.
 */

import type { TrainEvent } from '../src/core/run/events.js';
import { WordPieceTokenizer } from '../src/core/tokenize/wordpiece.js';
import type { Sentence } from '../src/core/types.js';
import { makeBatch } from '../src/model/batch.js';
import { buildModel } from '../src/model/build.js';
import { presetConfig, type RunConfig } from '../src/model/config.js';
import { allowedTransitions, iob2Tags } from '../src/model/crf/tags.js';
import type { MmnerModel, ModelBatch } from '../src/model/mmner.js';
import type { PretrainedEncoders } from '../src/model/pretrained.node.js';
import { type BertConfig, BertEncoder, layoutBatch, resolveBertConfig } from '../src/model/text/bert.js';
import { trainLoop } from '../src/train/loop.js';
import { AdamW } from '../src/train/optimizer.js';
import { BatchSampler } from '../src/train/sampler.js';
import { crfRulesJson, envInt } from './torchRunner.js';

export const TYPES = ['PER', 'LOC', 'ORG', 'MISC'];
/** bert-base-uncased's vocabulary size. */
const VOCAB = 30_522;
/** BERT-base, random weights (seeded). */
export const BERT: Partial<BertConfig> = {
  vocabSize: VOCAB,
  hiddenSize: 768,
  numLayers: 12,
  numHeads: 12,
  intermediateSize: 3072,
  maxPositions: 512,
  seed: 1,
};
export const WORDS = envInt('MMNER_BENCH_BERT_WORDS', 30);

/** The run config both engines follow: the paper preset, text-only, AdamW 0.01 and clipping at 5. */
export function runConfig(): RunConfig {
  const cfg = presetConfig('paper', TYPES, { seed: 1, ablation: 'text-only' });
  // The paper trains with Adam and no clipping; the comparison uses the trainer's usual AdamW
  // (no decay on biases and norms) and clipping, as `mmner train` does for tiny.
  cfg.train.weightDecay = 0.01;
  cfg.train.clipNorm = 5;
  return cfg;
}

/** [PAD] [UNK] [CLS] [SEP] [MASK] then `w0`, `w1`, … up to VOCAB entries. */
function tokenizer(): WordPieceTokenizer {
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  return new WordPieceTokenizer([
    ...special,
    ...Array.from({ length: VOCAB - special.length }, (_, i) => `w${i}`),
  ]);
}

/** `n` sentences of WORDS single-token words with a few one- and two-word entities, deterministic. */
export function sentences(n: number): Sentence[] {
  return Array.from({ length: n }, (_, b) => {
    const tokens = Array.from({ length: WORDS }, (_, j) => `w${(1009 + 7919 * (b * WORDS + j)) % 30_000}`);
    const tags = tokens.map((_, j) => {
      const type = TYPES[(b + Math.floor(j / 6)) % TYPES.length]!;
      if (j % 6 === 1) return `B-${type}`;
      if (j % 6 === 2 && (b + j) % 2 === 0) return `I-${type}`;
      return 'O';
    });
    return { id: `s${b}`, lang: 'en', tokens, tags };
  });
}

/** The run config's model with a random-weight BERT of the given size (and the given image encoders). */
export function buildBertModel(
  cfg: RunConfig,
  bert: Partial<BertConfig> = BERT,
  images: PretrainedEncoders['images'] = {},
): MmnerModel {
  const text = new BertEncoder(tokenizer(), bert);
  return buildModel(cfg.model, { pretrained: { text, images } });
}

/** The batch and sizes bench/torch/bert.py needs (laid out as BertEncoder lays it out). */
export function torchBatch(cfg: RunConfig, n: number, bertConfig: Partial<BertConfig> = BERT): object {
  const data = sentences(n);
  const tags = iob2Tags(TYPES);
  const index = new Map(tags.map((t, i) => [t, i]));
  const text = {
    lengths: data.map((s) => s.tokens.length),
    maxLen: WORDS,
    tokens: data.map((s) => s.tokens),
  };
  const bert = resolveBertConfig(bertConfig);
  const layout = layoutBatch(tokenizer(), text, bert.maxPositions);
  if (layout.rows !== n) throw new Error('bert-speed: a sentence needed two windows');
  const rules = allowedTransitions(tags);
  return {
    B: n,
    S: layout.seqLen,
    T: WORDS,
    inputIds: [...layout.inputIds],
    attentionMask: [...layout.attentionMask],
    wordIndex: [...layout.wordIndex],
    wordMask: [...layout.wordMask],
    tags: data.flatMap((s) => s.tags.map((t) => index.get(t)!)),
    lengths: text.lengths,
    config: {
      vocabSize: bert.vocabSize,
      hiddenSize: bert.hiddenSize,
      numLayers: bert.numLayers,
      numHeads: bert.numHeads,
      intermediateSize: bert.intermediateSize,
      maxPositions: bert.maxPositions,
      typeVocabSize: bert.typeVocabSize,
      layerNormEps: bert.layerNormEps,
      hiddenDropout: bert.hiddenDropout,
      attentionDropout: bert.attentionDropout,
      dropout: cfg.model.dropout,
      numTags: tags.length,
      crfWeight: cfg.model.lossWeights.crf,
      lr: cfg.train.lr,
      weightDecay: cfg.train.weightDecay,
      clipNorm: cfg.train.clipNorm,
      crf: crfRulesJson(rules),
    },
  };
}

/**
 * A trainer-event observer that records each step's total loss and its time since the previous
 * step (the first from `runStart`); `onStep` sees each step as it is recorded.
 */
export function stepRecorder(onStep?: (step: number, loss: number, ms: number) => void): {
  losses: number[];
  stepMs: number[];
  onEvent: (e: TrainEvent) => void;
} {
  const losses: number[] = [];
  const stepMs: number[] = [];
  let last = performance.now();
  const onEvent = (e: TrainEvent) => {
    if (e.type === 'runStart') last = performance.now();
    if (e.type !== 'step') return;
    const now = performance.now();
    losses.push(e.loss.total!);
    stepMs.push(now - last);
    last = now;
    onStep?.(e.step, e.loss.total!, stepMs.at(-1)!);
  };
  return { losses, stepMs, onEvent };
}

/**
 * `steps` trainer-loop steps of `model` on `data` (one batch of all of it), AdamW as `cfg` says,
 * the constant learning rate `cfg.train.lr` (no warm-up), clipping at `cfg.train.clipNorm`.
 */
export async function trainSteps(
  model: MmnerModel,
  cfg: RunConfig,
  data: Sentence[],
  steps: number,
  onEvent: (e: TrainEvent) => void,
  microBatches = 1,
  /** `[data.length, S, S, 3]`, for a model with image branches (every step trains on all of `data`). */
  images?: Float32Array,
): Promise<void> {
  const optimizer = new AdamW({ weightDecay: cfg.train.weightDecay });
  try {
    await trainLoop<ModelBatch>({
      model,
      sampler: new BatchSampler(
        data.map((s) => s.lang),
        { batchSize: data.length, seed: 1 },
      ),
      makeBatch: (idx) =>
        makeBatch(
          model,
          idx.map((i) => data[i]!),
          images,
        ),
      optimizer,
      schedule: () => cfg.train.lr,
      clipNorm: cfg.train.clipNorm,
      steps,
      ...(microBatches > 1 ? { microBatches } : {}),
      onEvent,
    });
  } finally {
    optimizer.dispose();
  }
}
