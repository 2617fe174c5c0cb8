/**
 * Same weights, same batch, same optimizer, two engines: the BERT text model of
 * bertModel.ts (the `paper` preset, text only: BERT → first subwords → emissions → CRF)
 * trained for a few steps by mmner on one backend and by PyTorch (bench/torch/bert.py) on one
 * device, from ONE set of initial weights (ours, written as safetensors and loaded by bert.py),
 * dropout off. The losses of the first steps must agree in fp32; each side's step time is
 * measured too. This is the prepared check for the GPU machine (issue 8: webgpu against PyTorch
 * CUDA, losses agreeing over the first steps); on the CPU it runs wasm against PyTorch's CPU.
 *
 *   node --import tsx bench/parity.bench.ts [--out FILE.json]
 *   MMNER_BENCH_BACKEND=webgpu MMNER_TORCH_DEVICE=cuda MMNER_BENCH_BERT_BATCH=32 … (on the GPU)
 * Knobs: MMNER_BENCH_BACKEND (ours: wasm, default; webgpu, cpu, tensorflow), MMNER_TORCH_DEVICE
 * (cpu, default; cuda), MMNER_TORCH_PRECISIONS (comma list, default fp32; fp32 first, then e.g.
 * tf32,bf16 for reference), MMNER_BENCH_BERT_SIZE (base, default; small: 2 layers of 64),
 * MMNER_BENCH_BERT_BATCH (default 8), MMNER_BENCH_STEPS (default 5), MMNER_BENCH_BERT_WORDS,
 * MMNER_BENCH_LR (default: the preset's 5e-5, constant, no warm-up).
 * The losses are printed, not judged: without warm-up a random post-LN BERT-base swings from step
 * 3 on (148 → 194 → 89 → 292 → 330 at 5e-5), which amplifies rounding differences.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BertConfig } from '../src/model/text/bert.js';
import { encodeSafetensors } from '../src/model/weights/write.js';
import { type BackendName, initBackend } from '../src/train/backends.js';
import {
  BERT,
  buildBertModel,
  runConfig,
  sentences,
  stepRecorder,
  torchBatch,
  trainSteps,
} from './bertModel.js';
import { envInt, median, round, runTorchScript, torchMissing, writeOutFlag } from './torchRunner.js';

export type Precision = 'fp32' | 'tf32' | 'bf16';

export interface ParityOptions {
  backend: BackendName;
  /** PyTorch's device: `cpu` or `cuda`. */
  device: string;
  /** PyTorch runs, in order; the first is the one the losses are compared with (fp32). */
  precisions: Precision[];
  bert: Partial<BertConfig>;
  batch: number;
  steps: number;
  /** PyTorch's CPU threads. */
  threads: number;
  /** The learning rate instead of the preset's 5e-5 (a larger one makes every op's gradient matter sooner). */
  lr?: number;
}

export interface EngineSteps {
  losses: number[];
  stepMs: number[];
}

export interface ParityResult {
  options: ParityOptions;
  params: number;
  ours: EngineSteps & { backend: string };
  torch: (EngineSteps & { precision: Precision; device: string; name: string; version: string })[];
  /** Per step: |ours − PyTorch fp32| / |PyTorch fp32|. */
  relDiff: number[];
}

/** A small BERT for quick CPU checks (tests): 2 layers, hidden 64, 4 heads. */
export const SMALL_BERT: Partial<BertConfig> = {
  ...BERT,
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  intermediateSize: 128,
  maxPositions: 64,
};

interface TorchRecord {
  losses: number[];
  stepMs: number[];
  blas: string;
  device: string;
  torch: string;
  params: number;
}

/** Trains both engines `steps` steps from our initial weights; `dir` receives the two files. */
export async function bertParity(o: ParityOptions, dir: string): Promise<ParityResult> {
  const choice = await initBackend(o.backend);
  const cfg = runConfig();
  cfg.model.dropout = 0;
  if (o.lr !== undefined) cfg.train.lr = o.lr;
  const bert = { ...o.bert, hiddenDropout: 0, attentionDropout: 0 };
  const model = buildBertModel(cfg, bert);
  const data = sentences(o.batch);
  const weightsFile = join(dir, 'init.safetensors');
  const batchFile = join(dir, 'batch.json');
  let params = 0;
  const ours = stepRecorder();
  try {
    const vars = [...model.namedVariables()].filter(([, v]) => v.trainable);
    params = vars.reduce((p, [, v]) => p + v.size, 0);
    // Read asynchronously: webgpu cannot read synchronously in Node.
    const tensors = await Promise.all(
      vars.map(async ([name, v]) => ({
        name,
        dtype: 'F32' as const,
        shape: v.shape,
        data: (await v.data()) as Float32Array,
      })),
    );
    writeFileSync(weightsFile, encodeSafetensors(tensors));
    writeFileSync(batchFile, JSON.stringify(torchBatch(cfg, o.batch, bert)));
    await trainSteps(model, cfg, data, o.steps, ours.onEvent);
  } finally {
    model.dispose();
  }
  const torch = o.precisions.map((precision) => {
    const r = runTorchScript<TorchRecord>('bert.py', [
      ...['--batch', batchFile, '--init', weightsFile, '--record', String(o.steps)],
      ...['--steps', '0', '--infer', '0', '--threads', String(o.threads)],
      ...['--device', o.device, '--precision', precision],
    ]);
    if (r.params !== params) throw new Error(`parity: PyTorch has ${r.params} parameters, mmner ${params}`);
    return {
      losses: r.losses,
      stepMs: r.stepMs,
      precision,
      device: r.device,
      name: r.blas,
      version: r.torch,
    };
  });
  const ref = torch[0]!.losses;
  const relDiff = ours.losses.map((l, i) => Math.abs(l - ref[i]!) / Math.abs(ref[i]!));
  return {
    options: o,
    params,
    ours: { losses: ours.losses, stepMs: ours.stepMs, backend: choice.name },
    torch,
    relDiff,
  };
}

/** Median step time after the first (warm-up) step. */
const steady = (ms: number[]) => median(ms.length > 1 ? ms.slice(1) : ms);

function options(): ParityOptions {
  const precisions = (process.env.MMNER_TORCH_PRECISIONS ?? 'fp32').split(',').map((p) => p.trim());
  for (const p of precisions) {
    if (!['fp32', 'tf32', 'bf16'].includes(p)) throw new Error(`MMNER_TORCH_PRECISIONS: unknown ${p}`);
  }
  return {
    backend: (process.env.MMNER_BENCH_BACKEND ?? 'wasm') as BackendName,
    device: process.env.MMNER_TORCH_DEVICE ?? 'cpu',
    precisions: precisions as Precision[],
    bert: process.env.MMNER_BENCH_BERT_SIZE === 'small' ? SMALL_BERT : BERT,
    batch: envInt('MMNER_BENCH_BERT_BATCH', 8),
    steps: Math.max(2, envInt('MMNER_BENCH_STEPS', 5)),
    threads: envInt('MMNER_TORCH_THREADS', 2),
    ...(process.env.MMNER_BENCH_LR ? { lr: Number(process.env.MMNER_BENCH_LR) } : {}),
  };
}

/** The command line: prints the table, `--out FILE` also writes the result as JSON. */
export async function main(): Promise<void> {
  const missing = torchMissing();
  if (missing) {
    console.error(`parity: skipped: ${missing}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'mmner-parity-'));
  try {
    const r = await bertParity(options(), dir);
    const o = r.options;
    console.log(
      `BERT ${o.bert === SMALL_BERT ? 'small' : 'base'} (${(r.params / 1e6).toFixed(1)} M params), batch ${o.batch}, ${o.steps} steps, dropout off`,
    );
    console.log(
      [
        'step',
        `mmner ${r.ours.backend}`,
        ...r.torch.map((t) => `PyTorch ${t.device} ${t.precision}`),
        'rel. diff',
      ].join('\t'),
    );
    r.ours.losses.forEach((l, i) => {
      console.log(
        [
          i + 1,
          l.toFixed(6),
          ...r.torch.map((t) => t.losses[i]!.toFixed(6)),
          r.relDiff[i]!.toExponential(2),
        ].join('\t'),
      );
    });
    const oursMs = steady(r.ours.stepMs);
    console.log(`mmner ${r.ours.backend}: ${round(oursMs, 1)} ms/step (median after the first step)`);
    for (const t of r.torch) {
      const ms = steady(t.stepMs);
      console.log(
        `PyTorch ${t.device} ${t.precision} (${t.name}, torch ${t.version}): ${round(ms, 1)} ms/step; mmner/PyTorch speed ${round(ms / oursMs, 3)}×`,
      );
    }
    writeOutFlag(r);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run directly (tsx). The GPU bundle (scripts/gpu-pack.mjs) calls main() itself: in a bundle every
// module's import.meta.url is the bundle's, so an import.meta.url check would fire there too.
if (
  process.argv[1] &&
  fileURLToPath(import.meta.url) === process.argv[1] &&
  process.argv[1].endsWith('.ts')
) {
  await main();
}
