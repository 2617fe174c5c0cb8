/**
 * Training and inference speed of the real `tiny` 2M-NER model (src/model, preset `tiny`) through
 * the real trainer loop (src/train/loop.ts: variableGrads → clip → AdamW), on one fixed batch of 32
 * sample sentences with images, on wasm (and cpu for reference), and the same architecture and
 * batch in PyTorch (bench/torch/tiny.py) as a child process in the same run: ratios are ours ÷
 * PyTorch, measured back to back (absolute figures on this shared 2-core VM move by ±30 %).
 *   node --import tsx bench/train-speed.bench.ts            # wasm + PyTorch (if present)
 *   MMNER_BENCH_CPU=1 …                                     # also the pure-JS cpu backend (slow)
 *   MMNER_BENCH_PROFILE=1 …                                 # per-kernel time of one wasm step
 *   MMNER_BENCH_PROFILE=calls …                             # … and by kernel and input shapes
 *   MMNER_BENCH_PROFILE=1 MMNER_BENCH_TEXT_ONLY=1 …          # … of the text-only ablation's step
 *   … bench/train-speed.bench.ts --out docs/perf.json        # also save the rows (scripts/perf-chart.ts)
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { generateSample } from '../src/core/sample/generate.js';
import type { Sentence } from '../src/core/types.js';
import { makeBatch } from '../src/model/batch.js';
import { buildModel } from '../src/model/build.js';
import { presetConfig } from '../src/model/config.js';
import type { MmnerModel, ModelBatch } from '../src/model/mmner.js';
import type { TinyTextEncoder } from '../src/model/text/tinyEncoder.js';
import { CASING_CLASSES, encodeTextBatch, TextVocab } from '../src/model/text/vocab.js';
import { type BackendName, initBackend } from '../src/train/backends.js';
import { trainLoop } from '../src/train/loop.js';
import { AdamW } from '../src/train/optimizer.js';
import { BatchSampler } from '../src/train/sampler.js';
import {
  crfRulesJson,
  median,
  round,
  runTorchScript,
  torchMissing,
  wasmHeapBytes,
  wasmThreads,
} from './torchRunner.js';
import type { BenchRow } from './types.js';

const BATCH = 32;
/** Interleaved PyTorch/wasm rounds (MMNER_BENCH_ROUNDS, default 3). */
const ROUNDS = Math.max(1, Number(process.env.MMNER_BENCH_ROUNDS ?? 3) || 3);
interface Setup {
  model: MmnerModel;
  batch: ModelBatch;
  vocab: TextVocab;
  langs: string[];
}

/** Deterministic images in roughly the normalised range of real ones. */
function images(n: number, size: number): Float32Array {
  const out = new Float32Array(n * size * size * 3);
  let s = 12345;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    out[i] = ((s >>> 8) / 2 ** 24) * 4 - 2;
  }
  return out;
}

/** The model measured: the multimodal `tiny` preset, or its `text-only` ablation. */
export interface Variant {
  /** Row-name prefix: `tiny` or `tiny text-only`. */
  label: string;
  textOnly: boolean;
}
const MULTIMODAL: Variant = { label: 'tiny', textOnly: false };
const TEXT_ONLY: Variant = { label: 'tiny text-only', textOnly: true };

/** The tiny preset on the sample data's vocabulary; the batch = the sampler's first 32 sentences. */
export function setup(variant: Variant = MULTIMODAL): Setup {
  const data = generateSample({ seed: 1, size: 'small' });
  const train: Sentence[] = data.items.filter((i) => i.split === 'train').map((i) => i.sentence);
  const vocab = TextVocab.build(train);
  const ablation = variant.textOnly ? 'text-only' : 'none';
  const cfg = presetConfig('tiny', ['PER', 'LOC', 'ORG', 'MISC'], { seed: 1, ablation });
  const model = buildModel(cfg.model, { vocab });
  const langs = train.map((s) => s.lang);
  const first = new BatchSampler(langs, { batchSize: BATCH, seed: 1 }).next().indices;
  const part = first.map((i) => train[i]!);
  const pixels = variant.textOnly ? undefined : images(part.length, cfg.model.image.size);
  return { model, batch: makeBatch(model, part, pixels), vocab, langs };
}

const count = (m: MmnerModel) =>
  [...m.namedVariables().values()].filter((v) => v.trainable).reduce((p, v) => p + v.size, 0);

/** Median ms per step of the real trainer loop on the fixed batch (after `warm` steps). */
async function trainMs(s: Setup, warm: number, timed: number): Promise<number> {
  const cfg = presetConfig('tiny', s.model.config.entityTypes, { seed: 1 }).train;
  const optimizer = new AdamW({ weightDecay: cfg.weightDecay });
  const stamps: number[] = [];
  try {
    await trainLoop({
      model: s.model,
      sampler: new BatchSampler(s.langs, { batchSize: BATCH, seed: 1 }),
      makeBatch: () => s.batch,
      optimizer,
      schedule: () => cfg.lr,
      clipNorm: cfg.clipNorm,
      steps: warm + timed,
      onEvent: (e) => {
        if (e.type === 'runStart' || e.type === 'step') stamps.push(performance.now());
      },
    });
  } finally {
    optimizer.dispose();
  }
  const d = stamps.slice(1).map((t, i) => t - stamps[i]!);
  return median(d.slice(warm));
}

/** Median ms of `model.predict` (forward, emissions read back, Viterbi in JS) on the batch. */
async function inferMs(s: Setup, reps: number): Promise<number> {
  await s.model.predict(s.batch);
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await s.model.predict(s.batch);
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

/** A binary kernel whose two inputs differ in shape (profile key `Name [[a],[b]]`). */
function isBroadcast(key: string): boolean {
  const shapes = JSON.parse(key.slice(key.indexOf(' ') + 1)) as number[][];
  return (
    shapes.length === 2 &&
    shapes[0]!.length > 0 &&
    shapes[1]!.length > 0 &&
    JSON.stringify(shapes[0]) !== JSON.stringify(shapes[1])
  );
}

/** Kernel time of one training step by kernel name (tf.profile), largest first. */
async function profileStep(s: Setup): Promise<[string, number, number][]> {
  const vars = [...s.model.namedVariables().values()].filter((v) => v.trainable);
  const info = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => {
      const parts = Object.values(s.model.lossParts(s.batch, true, 0));
      return tf.addN(parts) as tf.Scalar;
    }, vars);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  });
  if (process.env.MMNER_BENCH_PROFILE === 'calls') {
    const agg = new Map<string, [number, number]>();
    for (const k of info.kernels) {
      const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
      const e = agg.get(key) ?? [0, 0];
      agg.set(key, [e[0] + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0), e[1] + 1]);
    }
    const calls = [...agg].sort((a, b) => b[1][0] - a[1][0]);
    const bcast = process.env.MMNER_BENCH_PROFILE_BCAST === '1';
    for (const [key, [ms, n]] of calls.filter(([k]) => !bcast || isBroadcast(k)).slice(0, 45))
      console.log(round(ms, 1), n, key);
  }
  const by = new Map<string, [number, number]>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = by.get(k.name) ?? [0, 0];
    by.set(k.name, [e[0] + ms, e[1] + 1]);
  }
  return [...by].map(([n, [ms, c]]) => [n, ms, c] as [string, number, number]).sort((a, b) => b[1] - a[1]);
}

/** The batch and the sizes PyTorch needs to build the same model (bench/torch/tiny.py). */
function torchBatch(s: Setup): object {
  const text = s.model.parts.text as TinyTextEncoder;
  const c = text.config;
  const enc = encodeTextBatch(s.vocab, s.batch.text, { maxWordLen: c.maxWordLen });
  const cfg = presetConfig('tiny', s.model.config.entityTypes, { seed: 1 });
  const rules = s.model.crf.rules;
  const m = s.model.config;
  return {
    B: enc.batchSize,
    T: enc.maxLen,
    C: enc.maxChars,
    lengths: s.batch.text.lengths,
    wordIds: [...enc.wordIds],
    charIds: [...enc.charIds],
    charLengths: [...enc.charLengths],
    casing: [...enc.casing],
    mask: [...enc.mask],
    tags: [...s.batch.tags!],
    imageSize: m.image.size,
    images: s.batch.images ? [...s.batch.images].map((x) => round(x, 4)) : [],
    config: {
      textOnly: m.contrastive === null && m.image.branches.length === 0,
      wordVocab: s.vocab.wordVocabSize,
      charVocab: s.vocab.charVocabSize,
      casingVocab: CASING_CLASSES.length,
      wordDim: c.wordDim,
      charDim: c.charDim,
      charFilters: c.charFilters,
      charWidth: c.charWidth,
      casingDim: c.casingDim,
      hidden: c.hidden,
      dropout: c.dropout,
      heads: m.collaboration.heads,
      collabDropout: m.collaboration.dropout,
      numTags: s.model.tags.length,
      projectionDim: m.contrastive?.projectionDim ?? 0,
      temperature: m.contrastive?.temperature ?? 0,
      crfWeight: m.lossWeights.crf,
      clWeight: m.lossWeights.contrastive,
      lr: cfg.train.lr,
      weightDecay: cfg.train.weightDecay,
      clipNorm: cfg.train.clipNorm,
      crf: crfRulesJson(rules),
    },
  };
}

interface TorchResult {
  trainMs: number;
  inferMs: number;
  params: number;
  threads: number;
  torch: string;
  blas: string;
  lstm: string;
  peakRssMb: number;
}

function runTorch(batchFile: string, lstm: 'loop' | 'nn', steps: number): TorchResult {
  return runTorchScript<TorchResult>('tiny.py', [
    '--batch',
    batchFile,
    '--threads',
    '2',
    '--steps',
    String(steps),
    '--lstm',
    lstm,
  ]);
}

interface EngineRun {
  backend: BackendName;
  trainMs: number;
  inferMs: number;
  heapMb?: number;
  rssMb: number;
}

async function runTfjs(backend: BackendName, warm: number, timed: number, reps: number): Promise<EngineRun> {
  await initBackend(backend);
  const s = setup();
  try {
    const train = await trainMs(s, warm, timed);
    const infer = await inferMs(s, reps);
    const heap = wasmHeapBytes();
    return {
      backend,
      trainMs: train,
      inferMs: infer,
      ...(heap ? { heapMb: heap / 2 ** 20 } : {}),
      rssMb: process.memoryUsage().rss / 2 ** 20,
    };
  } finally {
    s.model.dispose();
  }
}

/**
 * One variant against PyTorch: interleaved rounds (PyTorch, wasm, PyTorch, wasm, …, PyTorch) so
 * both see the same machine load. Each round's ratio uses the mean of the PyTorch runs either side
 * of its wasm run (in the note); the headline ratio compares each engine's fastest round, since
 * other processes only ever add time (2-thread OpenMP torch slows down 10–30× when the cores are
 * shared). Without PyTorch, the wasm rows alone.
 */
async function compareVariant(variant: Variant, torchAbsent: string | undefined): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const name = (what: string) => `${variant.label} ${what}`;
  await initBackend('wasm');
  const s = setup(variant);
  const params = count(s.model);
  let dir: string | undefined;
  let batchFile: string | undefined;
  if (!torchAbsent) {
    dir = mkdtempSync(join(tmpdir(), 'mmner-bench-'));
    batchFile = join(dir, 'batch.json');
    writeFileSync(batchFile, JSON.stringify(torchBatch(s)));
  }
  try {
    const threads = wasmThreads();
    const torch: TorchResult[] = [];
    const wasm: { trainMs: number; inferMs: number }[] = [];
    if (batchFile) torch.push(runTorch(batchFile, 'loop', 8));
    for (let r = 0; r < ROUNDS; r++) {
      wasm.push({ trainMs: await trainMs(s, r === 0 ? 2 : 1, 6), inferMs: await inferMs(s, 6) });
      if (batchFile) torch.push(runTorch(batchFile, 'loop', 8));
    }
    const heapMb = (wasmHeapBytes() ?? 0) / 2 ** 20;
    const rssMb = process.memoryUsage().rss / 2 ** 20;
    const torchNn = batchFile ? runTorch(batchFile, 'nn', 8) : undefined;
    const ex = (ms: number) => round((BATCH * 1000) / ms, 1);
    const wTrain = median(wasm.map((w) => w.trainMs));
    const wInfer = median(wasm.map((w) => w.inferMs));
    rows.push(
      {
        name: name('train wasm'),
        value: ex(wTrain),
        unit: 'examples/s',
        note: `batch ${BATCH}, ${threads} thread(s), ${round(wTrain, 0)} ms/step (median of ${ROUNDS} rounds × 6 steps, trainer loop)`,
      },
      {
        name: name('infer wasm'),
        value: ex(wInfer),
        unit: 'sentences/s',
        note: `model.predict incl. Viterbi, ${round(wInfer, 0)} ms/batch`,
      },
      {
        name: name('peak memory wasm'),
        value: round(heapMb, 0),
        unit: 'MB wasm heap',
        note: `RSS ${round(rssMb, 0)} MB${variant.textOnly ? ' (after the multimodal runs: the heap never shrinks)' : ''}`,
      },
    );
    if (torch.length > 1 && torchNn) {
      const around = (i: number, k: 'trainMs' | 'inferMs') => (torch[i]![k] + torch[i + 1]![k]) / 2;
      const trainRatios = wasm.map((w, i) => around(i, 'trainMs') / w.trainMs);
      const inferRatios = wasm.map((w, i) => around(i, 'inferMs') / w.inferMs);
      const nnRatio = torchNn.trainMs / wasm[wasm.length - 1]!.trainMs;
      const tTrain = median(torch.map((t) => t.trainMs));
      const tInfer = median(torch.map((t) => t.inferMs));
      const t0 = torch[0]!;
      const why = `torch ${t0.torch}, ${t0.blas}, ${t0.threads} threads`;
      const best = (xs: { trainMs: number; inferMs: number }[], k: 'trainMs' | 'inferMs') =>
        Math.min(...xs.map((x) => x[k]));
      const range = (xs: number[]) => `rounds ${xs.map((x) => round(x, 2)).join(', ')}`;
      rows.push(
        {
          name: name('train PyTorch (same ops)'),
          value: ex(tTrain),
          unit: 'examples/s',
          note: `${why}; ${torch.map((t) => round(t.trainMs, 0)).join('/')} ms/step; params ${t0.params} vs ours ${params}`,
        },
        {
          name: name('train PyTorch (nn.LSTM)'),
          value: ex(torchNn.trainMs),
          unit: 'examples/s',
          note: `${why}; fused LSTM over packed sequences, ${round(torchNn.trainMs, 0)} ms/step`,
        },
        {
          name: name('infer PyTorch (same ops)'),
          value: ex(tInfer),
          unit: 'sentences/s',
          note: `${why}; forward + Viterbi loop`,
        },
        { name: name('peak memory PyTorch'), value: round(t0.peakRssMb, 0), unit: 'MB RSS' },
        {
          name: `ratio ${name('train wasm/PyTorch (same ops)')}`,
          value: round(best(torch, 'trainMs') / best(wasm, 'trainMs'), 3),
          unit: '×',
          note: `fastest round of each (load only adds time); per round ${range(trainRatios)}; ≥ 1: mmner faster`,
        },
        {
          name: `ratio ${name('train wasm/PyTorch (nn.LSTM)')}`,
          value: round(torchNn.trainMs / best(wasm, 'trainMs'), 3),
          unit: '×',
          note: `one PyTorch run after the rounds; against the last wasm round ${round(nnRatio, 2)}`,
        },
        {
          name: `ratio ${name('infer wasm/PyTorch (same ops)')}`,
          value: round(best(torch, 'inferMs') / best(wasm, 'inferMs'), 3),
          unit: '×',
          note: `fastest round of each; per round ${range(inferRatios)}`,
        },
      );
    }
    if (!variant.textOnly && process.env.MMNER_BENCH_CPU === '1') {
      const cpu = await runTfjs('cpu', 1, 2, 2);
      rows.push({
        name: 'tiny train cpu (reference)',
        value: ex(cpu.trainMs),
        unit: 'examples/s',
        note: `pure-JS backend, ${round(cpu.trainMs, 0)} ms/step, wasm/cpu ${round(cpu.trainMs / wTrain, 1)}×`,
      });
      await initBackend('wasm');
    }
  } finally {
    s.model.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/**
 * The multimodal `tiny` model, then its `text-only` ablation (the model the real-data accuracy
 * runs train), each against the same model in PyTorch.
 */
export async function benchTrainSpeed(): Promise<BenchRow[]> {
  const missing = torchMissing();
  if (missing) process.stderr.write(`train-speed: PyTorch skipped: ${missing}\n`);
  return [...(await compareVariant(MULTIMODAL, missing)), ...(await compareVariant(TEXT_ONLY, missing))];
}

/** Per-kernel profile of one wasm training step (MMNER_BENCH_PROFILE=1; text-only with MMNER_BENCH_TEXT_ONLY=1). */
export async function profileTinyStep(): Promise<void> {
  await initBackend('wasm');
  const s = setup(process.env.MMNER_BENCH_TEXT_ONLY === '1' ? TEXT_ONLY : MULTIMODAL);
  await profileStep(s); // warm-up: kernels set up, heap grown
  const top = await profileStep(s);
  const total = top.reduce((p, [, ms]) => p + ms, 0);
  console.log(`kernel time ${round(total, 0)} ms (${top.reduce((p, [, , c]) => p + c, 0)} calls)`);
  for (const [name, ms, calls] of top.slice(0, 25)) {
    console.log(`${name.padEnd(28)} ${round(ms, 1).toString().padStart(8)} ms  ${calls} calls`);
  }
  s.model.dispose();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.env.MMNER_BENCH_PROFILE) await profileTinyStep();
  else {
    const rows = await benchTrainSpeed();
    for (const r of rows) console.log(`${r.name}: ${r.value} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
    // `--out file.json`: the rows for scripts/perf-chart.ts (temp file + rename).
    const at = process.argv.indexOf('--out');
    if (at > 0 && process.argv[at + 1]) {
      const out = resolve(process.argv[at + 1]!);
      const tmp = `${out}.tmp-${process.pid}`;
      const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' };
      writeFileSync(tmp, `${JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2)}\n`);
      renameSync(tmp, out);
      console.log(`wrote ${out}`);
    }
  }
}
