/**
 * A real-data training step of the text-only `tiny` model: the trainer loop (variableGrads →
 * clip → AdamW) over the first batches of Twitter-2017's training split in the order training
 * takes them, with the host ops (CRF loss, BiLSTM recurrence, char CNN in JS; src/model/module.ts)
 * and with the tf-ops paths they replace, in alternating rounds of the same process: the ratio is
 * what the host ops buy on real sentences (longer, rarer words than the sample data).
 *   node --import tsx bench/real-step.bench.ts        # MMNER_BENCH_TWITTER=FILE for another file
 * Skips with a message when the Twitter-2017 file is absent (it lives in ../shared/data).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readData } from '../src/core/data/read.js';
import type { Sentence } from '../src/core/types.js';
import { makeBatch } from '../src/model/batch.js';
import { buildModel } from '../src/model/build.js';
import { presetConfig } from '../src/model/config.js';
import type { ModelBatch } from '../src/model/mmner.js';
import { setHostOps } from '../src/model/module.js';
import { TextVocab } from '../src/model/text/vocab.js';
import { initBackend } from '../src/train/backends.js';
import { trainLoop } from '../src/train/loop.js';
import { AdamW } from '../src/train/optimizer.js';
import { BatchSampler } from '../src/train/sampler.js';
import { envInt, median, round, wasmThreads } from './torchRunner.js';
import type { BenchRow } from './types.js';

const BATCH = 32;
/** Batches per round: the first ones of epoch 1 (MMNER_BENCH_STEPS, default 8). */
const STEPS = envInt('MMNER_BENCH_STEPS', 8);
/** Alternating rounds per variant (MMNER_BENCH_ROUNDS, default 3). */
const ROUNDS = envInt('MMNER_BENCH_ROUNDS', 3);
const DEFAULT_FILE = resolve(import.meta.dirname, '../../shared/data/twitter2017/train.txt');

interface Setup {
  model: ReturnType<typeof buildModel>;
  batches: ModelBatch[];
  langs: string[];
  tokens: number;
}

function setup(file: string): Setup {
  const sentences: Sentence[] = readData(readFileSync(file), { file, lang: 'en', mode: 'collect' }).sentences;
  const types = [
    ...new Set(sentences.flatMap((s) => s.tags.filter((t) => t !== 'O').map((t) => t.slice(2)))),
  ];
  const cfg = presetConfig('tiny', types.sort(), { seed: 1, ablation: 'text-only' });
  const model = buildModel(cfg.model, { vocab: TextVocab.build(sentences) });
  const langs = sentences.map((s) => s.lang);
  const sampler = new BatchSampler(langs, { batchSize: BATCH, seed: 1 });
  const batches: ModelBatch[] = [];
  let tokens = 0;
  for (let i = 0; i < STEPS; i++) {
    const part = sampler.next().indices.map((j) => sentences[j]!);
    tokens += part.reduce((n, s) => n + s.tokens.length, 0);
    batches.push(makeBatch(model, part));
  }
  return { model, batches, langs, tokens };
}

/** Median ms per trainer step over the batches (one warm-up pass first). */
async function stepMs(s: Setup, optimizer: AdamW): Promise<number> {
  const stamps: number[] = [];
  let next = 0;
  await trainLoop({
    model: s.model,
    sampler: new BatchSampler(s.langs, { batchSize: BATCH, seed: 1 }),
    makeBatch: () => s.batches[next++ % s.batches.length]!,
    optimizer,
    schedule: () => 2e-3,
    clipNorm: 5,
    steps: 2 * s.batches.length,
    onEvent: (e) => {
      if (e.type === 'runStart' || e.type === 'step') stamps.push(performance.now());
    },
  });
  return median(
    stamps
      .slice(1)
      .map((t, i) => t - stamps[i]!)
      .slice(s.batches.length),
  );
}

/** Median ms of `model.predict` over the batches. */
async function predictMs(s: Setup): Promise<number> {
  const ts: number[] = [];
  for (const b of s.batches) {
    const t0 = performance.now();
    await s.model.predict(b);
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

export async function benchRealStep(): Promise<BenchRow[]> {
  const file = process.env.MMNER_BENCH_TWITTER ?? DEFAULT_FILE;
  if (!existsSync(file)) {
    process.stderr.write(
      `real-step: skipped: no Twitter-2017 training file at ${file} (set MMNER_BENCH_TWITTER)\n`,
    );
    return [];
  }
  await initBackend('wasm');
  const s = setup(file);
  const optimizer = new AdamW({ weightDecay: 1e-4 });
  const host: { train: number; infer: number }[] = [];
  const ops: { train: number; infer: number }[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const [on, into] of [
        [true, host],
        [false, ops],
      ] as const) {
        setHostOps(on);
        into.push({ train: await stepMs(s, optimizer), infer: await predictMs(s) });
      }
    }
  } finally {
    setHostOps(true);
    optimizer.dispose();
    s.model.dispose();
  }
  const best = (xs: { train: number; infer: number }[], k: 'train' | 'infer') =>
    Math.min(...xs.map((x) => x[k]));
  const ex = (ms: number) => round((BATCH * 1000) / ms, 1);
  const perRound = (k: 'train' | 'infer') => ops.map((o, i) => round(o[k] / host[i]![k], 2)).join(', ');
  const where = `Twitter-2017 train, first ${STEPS} batches of ${BATCH} (${round(s.tokens / (STEPS * BATCH), 1)} tokens/sentence), ${wasmThreads()} wasm thread(s)`;
  return [
    {
      name: 'real step text-only wasm (host ops)',
      value: ex(best(host, 'train')),
      unit: 'examples/s',
      note: `${where}; ${round(best(host, 'train'), 0)} ms/step, fastest of ${ROUNDS} rounds`,
    },
    {
      name: 'real step text-only wasm (tf ops)',
      value: ex(best(ops, 'train')),
      unit: 'examples/s',
      note: `the same without the host ops; ${round(best(ops, 'train'), 0)} ms/step`,
    },
    {
      name: 'ratio real step host/tf ops',
      value: round(best(ops, 'train') / best(host, 'train'), 2),
      unit: '×',
      note: `fastest round of each; per round ${perRound('train')}; > 1: the host ops are faster`,
    },
    {
      name: 'ratio real predict host/tf ops',
      value: round(best(ops, 'infer') / best(host, 'infer'), 2),
      unit: '×',
      note: `model.predict, ${round(best(host, 'infer'), 0)} vs ${round(best(ops, 'infer'), 0)} ms/batch; per round ${perRound('infer')}`,
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await benchRealStep())
    console.log(`${r.name}: ${r.value} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
}
