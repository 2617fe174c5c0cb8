/**
 * Training and inference speed and peak memory of a BERT-base-sized 2M-NER (issue 8): the
 * `paper` preset's text-only model as `mmner train --preset paper --ablation text-only` builds it
 * (BERT → first-subword word vectors → dropout → emission layer → CRF), with a BERT-base body
 * (12 layers, hidden 768, 12 heads, FFN 3072, 512 positions) and random weights, and
 * bert-base-uncased's vocabulary size (30,522 rows; mBERT's 119,547 would add 69 M parameters of
 * embedding and their AdamW state). Trained through the real trainer loop (src/train/loop.ts:
 * variableGrads → clip 5 → AdamW), on one fixed batch of synthetic sentences whose every word is
 * one vocabulary token (so `words + 2` subwords per row). PyTorch (bench/torch/bert.py) runs the
 * same architecture, batch, loss, AdamW groups and clipping in the same run, interleaved with ours
 * (PyTorch, ours, PyTorch, ours, …, PyTorch); ratios are ours ÷ PyTorch.
 *
 * Every measurement of ours runs in a child process of its own, so each peak (the wasm heap,
 * which never shrinks, and the peak RSS) belongs to one configuration. A last pair trains the
 * batch as micro-batches with gradient accumulation (`trainLoop`'s `microBatches`) beside the
 * batch at once, to show what splitting buys in peak memory and costs in speed. A child that runs
 * out of the 4 GB wasm32 heap is reported as such (batch 16 at once does: MMNER_BENCH_BERT_MICRO=16x4).
 *   node --import tsx bench/bert-speed.bench.ts          # ~3 min on the 2-vCPU dev VM
 *   MMNER_WASM_THREADS=2 node --import tsx bench/bert-speed.bench.ts
 * Knobs: MMNER_BENCH_ROUNDS (interleaved rounds, default 2), MMNER_BENCH_STEPS (timed steps per
 * run after 1 warm-up, default 1), MMNER_BENCH_BERT_BATCH (sentences, default 8),
 * MMNER_BENCH_BERT_WORDS (words per sentence, default 30), MMNER_BENCH_BERT_MICRO (the memory
 * comparison as BATCHxPARTS, default 8x4; 0 skips it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBatch } from '../src/model/batch.js';
import { initBackend } from '../src/train/backends.js';
import { buildBertModel, runConfig, sentences, torchBatch, trainSteps, WORDS } from './bertModel.js';
import {
  envInt,
  median,
  peakRssMb,
  round,
  runTorchScript,
  torchMissing,
  wasmHeapBytes,
  wasmThreads,
} from './torchRunner.js';
import type { BenchRow } from './types.js';

const ROUNDS = envInt('MMNER_BENCH_ROUNDS', 2);
const STEPS = envInt('MMNER_BENCH_STEPS', 1);
const BATCH = envInt('MMNER_BENCH_BERT_BATCH', 8);
/** `BATCHxPARTS` of the micro-batch comparison, or undefined to skip it. */
function microSetting(): { batch: number; parts: number } | undefined {
  const m = /^(\d+)x(\d+)$/.exec(process.env.MMNER_BENCH_BERT_MICRO ?? '8x4');
  if (!m) return undefined;
  const batch = Number(m[1]);
  const parts = Number(m[2]);
  return batch > 0 && parts > 0 && parts <= batch ? { batch, parts } : undefined;
}

/** What one of our child runs measures. */
interface OursResult {
  trainMs: number;
  inferMs?: number;
  heapMb?: number;
  peakRssMb: number;
  params: number;
  threads: number;
  buildSec: number;
}

interface ChildSpec {
  batch: number;
  micro: number;
  warm: number;
  steps: number;
  infer: number;
}

/** The child side: build, train `warm + steps` steps through trainLoop, time inference, print JSON. */
async function child(spec: ChildSpec): Promise<void> {
  await initBackend('wasm');
  const cfg = runConfig();
  const t0 = performance.now();
  const model = buildBertModel(cfg);
  const buildSec = (performance.now() - t0) / 1000;
  const data = sentences(spec.batch);
  const params = [...model.namedVariables().values()]
    .filter((v) => v.trainable)
    .reduce((p, v) => p + v.size, 0);
  const stamps: number[] = [];
  await trainSteps(
    model,
    cfg,
    data,
    spec.warm + spec.steps,
    (e) => {
      if (e.type === 'runStart' || e.type === 'step') stamps.push(performance.now());
    },
    spec.micro,
  );
  const d = stamps.slice(1).map((t, i) => t - stamps[i]!);
  const result: OursResult = {
    trainMs: median(d.slice(spec.warm)),
    peakRssMb: 0,
    params,
    threads: wasmThreads(),
    buildSec,
  };
  if (spec.infer > 0) {
    const batch = makeBatch(model, data, undefined, false);
    await model.predict(batch);
    const ts: number[] = [];
    for (let i = 0; i < spec.infer; i++) {
      const s = performance.now();
      await model.predict(batch);
      ts.push(performance.now() - s);
    }
    result.inferMs = median(ts);
  }
  const heap = wasmHeapBytes();
  if (heap) result.heapMb = heap / 2 ** 20;
  result.peakRssMb = peakRssMb();
  model.dispose();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * Exit code of a child whose threaded wasm backend never came up: with MMNER_WASM_THREADS > 1,
 * about one start in three here ends in Node's "unsettled top-level await" within 2 s (the
 * pthread workers never report ready; threads.node.ts notes the same in tests). Such a run is
 * started again, at most twice.
 */
const UNSETTLED = 13;

/** Runs our side in a child process; a failure (e.g. out of wasm memory) comes back as its reason. */
function runOurs(spec: ChildSpec, tries = 3): OursResult | { error: string } {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify(spec)],
    { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 15 * 60_000 },
  );
  const last = r.stdout?.trim().split('\n').at(-1);
  if (r.status === 0 && last?.startsWith('{')) return JSON.parse(last) as OursResult;
  if (r.status === UNSETTLED && tries > 1) {
    process.stderr.write('bert-speed: the threaded wasm backend did not start (exit 13); starting again\n');
    return runOurs(spec, tries - 1);
  }
  const text = `${r.stderr ?? ''}`;
  // The wasm module turns any uncaught error into `Aborted(<error>)`; out of heap it is `Aborted()`.
  const oom =
    /out of memory|memory access out of bounds|Aborted\(\)|Aborted\(OOM|Cannot enlarge memory|Array buffer allocation failed/i.exec(
      text,
    );
  return {
    error: oom
      ? `out of memory ("${oom[0]}" in wasm; the wasm32 heap stops at 4 GB)`
      : `exit ${r.status ?? r.signal}: ${text.trim().split('\n').slice(-3).join(' ').slice(0, 300)}`,
  };
}

interface TorchResult {
  trainMs: number;
  inferMs?: number;
  params: number;
  threads: number;
  torch: string;
  blas: string;
  peakRssMb: number;
}

function runTorch(file: string, steps: number, infer: number, micro = 1): TorchResult {
  return runTorchScript<TorchResult>('bert.py', [
    '--batch',
    file,
    '--threads',
    '2',
    '--warmup',
    '1',
    '--steps',
    String(steps),
    '--infer',
    String(infer),
    '--micro',
    String(micro),
  ]);
}

const isError = (r: OursResult | { error: string }): r is { error: string } => 'error' in r;

export async function benchBertSpeed(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const cfg = runConfig();
  const missing = torchMissing();
  if (missing) process.stderr.write(`bert-speed: PyTorch skipped: ${missing}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'mmner-bert-bench-'));
  const log = (line: string) => process.stderr.write(`bert-speed: ${line}\n`);
  const started = performance.now();
  const subwords = WORDS + 2;
  const ex = (ms: number, n: number) => round((n * 1000) / ms, 2);
  const mb = (x: number | undefined) => round(x ?? 0, 0);
  try {
    const file = join(dir, 'batch.json');
    writeFileSync(file, JSON.stringify(torchBatch(cfg, BATCH)));
    const torch: TorchResult[] = [];
    const ours: OursResult[] = [];
    // Interleaved: PyTorch, ours, PyTorch, …, PyTorch (see train-speed.bench.ts for why).
    if (!missing) torch.push(runTorch(file, STEPS, 2));
    for (let r = 0; r < ROUNDS; r++) {
      const o = runOurs({ batch: BATCH, micro: 1, warm: 1, steps: STEPS, infer: 2 });
      if (isError(o)) {
        rows.push({
          name: `BERT-base train wasm, batch ${BATCH}`,
          value: 0,
          unit: 'examples/s',
          note: `failed: ${o.error}`,
        });
        return rows;
      }
      ours.push(o);
      log(
        `round ${r + 1}: ours ${round(o.trainMs, 0)} ms/step, heap ${mb(o.heapMb)} MB (built in ${round(o.buildSec, 1)} s)${torch.length ? `; PyTorch ${round(torch.at(-1)!.trainMs, 0)} ms/step` : ''}`,
      );
      if (!missing) torch.push(runTorch(file, STEPS, 2));
    }
    const shape = `batch ${BATCH} × ${subwords} subwords`;
    const o0 = ours[0]!;
    const oTrain = median(ours.map((o) => o.trainMs));
    const oInfer = median(ours.map((o) => o.inferMs!));
    const oursHeap = Math.max(...ours.map((o) => o.heapMb ?? 0));
    const oursRss = Math.max(...ours.map((o) => o.peakRssMb));
    rows.push(
      {
        name: 'BERT-base train wasm',
        value: ex(oTrain, BATCH),
        unit: 'examples/s',
        note: `${shape}, ${o0.threads} thread(s), ${round(oTrain, 0)} ms/step (median of ${ROUNDS} rounds × ${STEPS} step(s) after 1 warm-up; trainer loop, AdamW, clip 5); ${(o0.params / 1e6).toFixed(1)} M params`,
      },
      {
        name: 'BERT-base infer wasm',
        value: ex(oInfer, BATCH),
        unit: 'sentences/s',
        note: `model.predict incl. Viterbi, ${round(oInfer, 0)} ms/batch of ${BATCH}`,
      },
      {
        name: 'BERT-base peak memory wasm',
        value: mb(oursHeap),
        unit: 'MB wasm heap',
        note: `peak RSS ${mb(oursRss)} MB (training + inference, ${shape}; the wasm32 heap stops at 4,096)`,
      },
    );
    if (torch.length > 1) {
      const t0 = torch[0]!;
      const around = (i: number, k: 'trainMs' | 'inferMs') => (torch[i]![k]! + torch[i + 1]![k]!) / 2;
      const trainRatios = ours.map((o, i) => around(i, 'trainMs') / o.trainMs);
      const inferRatios = ours.map((o, i) => around(i, 'inferMs') / o.inferMs!);
      const best = (xs: { trainMs: number; inferMs?: number }[], k: 'trainMs' | 'inferMs') =>
        Math.min(...xs.map((x) => x[k]!));
      const perRound = (xs: number[]) => `rounds ${xs.map((x) => round(x, 2)).join(', ')}`;
      const why = `torch ${t0.torch}, ${t0.blas}, ${t0.threads} threads`;
      rows.push(
        {
          name: 'BERT-base train PyTorch',
          value: ex(median(torch.map((t) => t.trainMs)), BATCH),
          unit: 'examples/s',
          note: `${why}; ${torch.map((t) => round(t.trainMs, 0)).join('/')} ms/step; params ${t0.params} vs ours ${o0.params}`,
        },
        {
          name: 'BERT-base infer PyTorch',
          value: ex(median(torch.map((t) => t.inferMs!)), BATCH),
          unit: 'sentences/s',
          note: `${why}; no_grad forward + Viterbi loop; ${torch.map((t) => round(t.inferMs!, 0)).join('/')} ms/batch`,
        },
        {
          name: 'BERT-base peak memory PyTorch',
          value: mb(Math.max(...torch.map((t) => t.peakRssMb))),
          unit: 'MB RSS',
        },
        {
          name: 'ratio BERT-base train wasm/PyTorch',
          value: round(best(torch, 'trainMs') / best(ours, 'trainMs'), 3),
          unit: '×',
          note: `fastest round of each (load only adds time); per round ${perRound(trainRatios)}; ≥ 1: mmner faster`,
        },
        {
          name: 'ratio BERT-base infer wasm/PyTorch',
          value: round(best(torch, 'inferMs') / best(ours, 'inferMs'), 3),
          unit: '×',
          note: `fastest round of each; per round ${perRound(inferRatios)}`,
        },
      );
    }

    const micro = microSetting();
    if (micro) {
      const { batch, parts } = micro;
      const split = `${parts} micro-batches of ${batch / parts}`;
      const microFile = join(dir, `batch-${batch}.json`);
      if (batch !== BATCH) writeFileSync(microFile, JSON.stringify(torchBatch(cfg, batch)));
      // The batch at once: the rounds above when it is theirs, else one run of its own.
      const whole =
        batch === BATCH ? ours.at(-1)! : runOurs({ batch, micro: 1, warm: 1, steps: STEPS, infer: 0 });
      const parted = runOurs({ batch, micro: parts, warm: 1, steps: STEPS, infer: 0 });
      const tWhole = missing ? undefined : batch === BATCH ? torch.at(-1) : runTorch(microFile, STEPS, 0, 1);
      const tParted = missing ? undefined : runTorch(batch === BATCH ? file : microFile, STEPS, 0, parts);
      const mem = (r: OursResult | { error: string }) =>
        isError(r) ? r.error : `${mb(r.heapMb)} MB wasm heap, peak RSS ${mb(r.peakRssMb)} MB`;
      const torchNote = (t: TorchResult | undefined) =>
        t ? `; PyTorch ${ex(t.trainMs, batch)} examples/s, peak RSS ${mb(t.peakRssMb)} MB` : '';
      rows.push(
        {
          name: `BERT-base train wasm, batch ${batch} at once`,
          value: isError(whole) ? 0 : ex(whole.trainMs, batch),
          unit: 'examples/s',
          note: `${batch} × ${subwords} subwords; ${mem(whole)}${torchNote(tWhole)}`,
        },
        {
          name: `BERT-base train wasm, batch ${batch} as ${split}`,
          value: isError(parted) ? 0 : ex(parted.trainMs, batch),
          unit: 'examples/s',
          note: `gradients accumulated, one AdamW step; ${mem(parted)}${torchNote(tParted)}`,
        },
      );
      if (!isError(whole) && !isError(parted)) {
        rows.push({
          name: `BERT-base peak wasm heap, ${parts} micro-batches ÷ at once`,
          value: round((parted.heapMb ?? 0) / (whole.heapMb ?? 1), 2),
          unit: '×',
          note: `peak RSS ${round(parted.peakRssMb / whole.peakRssMb, 2)}×; examples/s ${round(whole.trainMs / parted.trainMs, 2)}×${tWhole && tParted ? `; PyTorch: peak RSS ${round(tParted.peakRssMb / tWhole.peakRssMb, 2)}×, examples/s ${round(tWhole.trainMs / tParted.trainMs, 2)}×` : ''}`,
        });
      }
    }
    log(`took ${round((performance.now() - started) / 1000, 0)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--child');
  if (at > 0) await child(JSON.parse(process.argv[at + 1]!) as ChildSpec);
  else {
    for (const r of await benchBertSpeed())
      console.log(`${r.name}: ${r.value} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
  }
}
