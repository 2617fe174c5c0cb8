/**
 * The generic training loop: sampler → batch → loss parts → gradients → clip → AdamW, with dev
 * evaluation and best-by-dev checkpoints, early stopping, periodic/final checkpoints, cancel via
 * AbortSignal (finish the step, save, return) and exact resume. It announces typed events;
 * observers (events.jsonl, progress bar, the kernel's messages) act on them.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../core/errors.js';
import type { EndReason, TrainEvent, TrainEventBody } from '../core/run/events.js';
import type { RunDir } from '../core/run/runDir.node.js';
import { checkBackendErrors } from './backends.js';
import { type Checkpoint, captureCheckpoint, type LoopState, restoreCheckpoint } from './checkpoint.js';
import { BEST_CHECKPOINT, saveCheckpoint, stepCheckpointName } from './checkpoint.node.js';
import { clipByGlobalNorm } from './clip.js';
import { fanOut, type Observer, runDirLogger } from './events.js';
import type { AdamW } from './optimizer.js';
import type { BatchSampler } from './sampler.js';
import type { Schedule } from './schedule.js';
import { WeightAverage } from './weightAverage.js';

/** What the loop needs of a model. */
export interface TrainableModel<B> {
  /** Stable names = checkpoint keys; only `trainable` variables get gradients. */
  namedVariables(): Map<string, tf.Variable>;
  /**
   * The loss parts of one batch as scalars (summed for the gradient), e.g. `{ crf, clVit }` —
   * weights already applied. Called inside the gradient tape (synchronous); `step` (0-based, the
   * step being taken) lets dropout derive its seed so a resumed run draws the same masks.
   * `chunk` (0-based, 0 when the batch is not split) is the micro-batch of that step
   * (`microBatches`): a model should draw other masks for each chunk of a step, and chunk 0
   * the masks of the undivided step.
   */
  lossParts(batch: B, training: boolean, step: number, chunk?: number): Record<string, tf.Scalar>;
}

export interface EvalResult {
  f1: number;
  perLanguage?: Record<string, number>;
}

export interface TrainLoopOptions<B> {
  model: TrainableModel<B>;
  sampler: BatchSampler;
  /** Builds a batch from example indices (plain data; the model uploads it). */
  makeBatch: (indices: number[]) => B;
  optimizer: AdamW;
  /** Base lr of the step taken after `step` steps (see schedule.ts). */
  schedule: Schedule;
  /** Max global gradient norm (default 1; Infinity: no clipping). */
  clipNorm?: number;
  /**
   * Split each sampled batch of B examples into this many consecutive micro-batches (sizes differ
   * by at most 1; a batch with fewer examples gets one per example), each with its own forward
   * and backward pass, so only one micro-batch's activations are alive at a time (peak memory).
   * Gradients and reported loss parts are summed weighted by micro-batch size ÷ B, then ONE clip
   * and optimizer step follow. For losses that are means over the batch this is the undivided
   * step up to float rounding, except for what looks across the batch: in-batch contrastive
   * negatives then come from the micro-batch only, and dropout draws other masks (lossParts'
   * `chunk`). Default 1: the undivided step, bit for bit. At most the sampler's batch size.
   */
  microBatches?: number;
  /** Total optimizer steps; or give `epochs` (× sampler.batchesPerEpoch). */
  steps?: number;
  epochs?: number;
  /** Evaluate on dev every N steps, or at each epoch end. Needs `evaluate`. */
  evalEvery?: number | 'epoch';
  /** Scores the current weights on **dev** (never test: it selects the best checkpoint). */
  evaluate?: (ctx: { step: number; epoch: number }) => Promise<EvalResult>;
  /** Stop after this many evaluations without a better dev F1 (default: never). */
  earlyStopPatience?: number;
  /** Save a checkpoint every N steps (default: only at the end, on cancel, and best). */
  checkpointEvery?: number;
  /** Step checkpoints kept (default 3). */
  keepCheckpoints?: number;
  /** Where checkpoints and events.jsonl go; without it nothing is written. */
  runDir?: RunDir;
  /** Cancel: the current step finishes, a checkpoint is saved, `interrupted` is emitted, the loop returns. */
  signal?: AbortSignal;
  onEvent?: Observer | Observer[];
  /** A checkpoint from `latestValidCheckpoint` (or `readCheckpoint`): continue exactly from it. */
  resumeFrom?: { path: string; checkpoint: Checkpoint };
  /**
   * Keep an exponential moving average of the weights with this decay (weightAverage.ts): dev
   * evaluation, the best checkpoint and inference then use it. Omitted: no average.
   */
  averageDecay?: number;
  /** JSON saved in every checkpoint (model config, seed…). */
  extra?: Record<string, unknown>;
  /** Clock in ms (tests). */
  now?: () => number;
}

export interface TrainResult {
  reason: EndReason;
  /** Optimizer steps done. */
  step: number;
  bestF1?: number;
  bestStep?: number;
  /** Paths of the best-by-dev and the last checkpoint, when a run folder was given. */
  bestCheckpoint?: string;
  lastCheckpoint?: string;
}

/** Mean of the last steps' durations, for examples/s and ETA. */
const PACE_WINDOW = 20;

function positiveInt(name: string, x: number | undefined): void {
  if (x !== undefined && !(Number.isInteger(x) && x > 0)) {
    throw new MmnerError('E_CONFIG_TRAIN', `${name} must be a positive integer, got ${x}`);
  }
}

/**
 * `indices` cut into `parts` consecutive runs whose lengths differ by at most 1 (the longer
 * ones first); fewer runs when there are fewer indices than `parts`.
 * @example splitMicroBatches([1, 2, 3, 4, 5], 2) // → [[1, 2, 3], [4, 5]]
 */
export function splitMicroBatches(indices: readonly number[], parts: number): number[][] {
  const k = Math.max(1, Math.min(parts, indices.length));
  const base = Math.floor(indices.length / k);
  const longer = indices.length % k;
  const out: number[][] = [];
  let at = 0;
  for (let i = 0; i < k; i++) {
    const n = base + (i < longer ? 1 : 0);
    out.push(indices.slice(at, at + n));
    at += n;
  }
  return out;
}

/** What one forward and backward pass leaves: loss parts, their sum and gradients by checkpoint name. */
interface Pass {
  parts: Record<string, tf.Scalar>;
  value: tf.Scalar;
  grads: Map<string, tf.Tensor>;
}

/** `into += w·from` per key (new keys added); `from` and the old sums are disposed. */
function accumulate<T extends tf.Tensor>(
  into: Map<string, T>,
  from: ReadonlyMap<string, T>,
  w: number,
): void {
  for (const [name, t] of from) {
    const prev = into.get(name);
    into.set(
      name,
      tf.tidy(() => {
        const scaled = tf.mul(t, w) as T;
        return prev ? (tf.add(prev, scaled) as T) : scaled;
      }),
    );
    tf.dispose(prev ? [prev, t] : t);
  }
}

/**
 * Trains until `steps`, early stop or cancel.
 * @example const r = await trainLoop({ model, sampler, makeBatch, optimizer, schedule, epochs: 8, runDir }) // r.reason → 'completed'
 */
export async function trainLoop<B>(o: TrainLoopOptions<B>): Promise<TrainResult> {
  if (o.averageDecay === undefined) return trainWith(o, undefined);
  const trainable = [...o.model.namedVariables()].filter(([, v]) => v.trainable);
  const average = new WeightAverage(new Map(trainable), o.averageDecay);
  try {
    return await trainWith(o, average);
  } finally {
    average.dispose();
  }
}

async function trainWith<B>(
  o: TrainLoopOptions<B>,
  average: WeightAverage | undefined,
): Promise<TrainResult> {
  const now = o.now ?? (() => performance.now());
  const started = now();
  const totalSteps = o.steps ?? (o.epochs ?? 1) * o.sampler.batchesPerEpoch;
  positiveInt('steps', totalSteps);
  positiveInt('microBatches', o.microBatches);
  const microBatches = o.microBatches ?? 1;
  if (microBatches > o.sampler.batchSize) {
    throw new MmnerError(
      'E_CONFIG_TRAIN',
      `microBatches (${microBatches}) is more than the batch size (${o.sampler.batchSize})`,
      { hint: 'use at most as many micro-batches as there are examples in a batch' },
    );
  }
  positiveInt('checkpointEvery', o.checkpointEvery);
  positiveInt('earlyStopPatience', o.earlyStopPatience);
  if (typeof o.evalEvery === 'number') positiveInt('evalEvery', o.evalEvery);
  const clipNorm = o.clipNorm ?? 1;
  const keep = o.keepCheckpoints ?? 3;
  const run = o.runDir;

  const observers: Observer[] = [];
  if (run) observers.push(runDirLogger(run));
  if (o.onEvent) observers.push(...(Array.isArray(o.onEvent) ? o.onEvent : [o.onEvent]));
  const notify = fanOut(observers);
  const emit = (body: TrainEventBody) => notify({ ...body, time: Date.now() } as TrainEvent);

  const variables = o.model.namedVariables();
  const trainable = [...variables].filter(([, v]) => v.trainable);
  const nameOf = new Map(trainable.map(([name, v]) => [v.name, name]));
  const varList = trainable.map(([, v]) => v);

  let step = 0;
  let loop: LoopState = { evalsSinceBest: 0 };
  if (o.resumeFrom) {
    const { checkpoint, path } = o.resumeFrom;
    restoreCheckpoint(checkpoint, variables, o.optimizer, path);
    average?.importState(checkpoint.average, path);
    o.sampler.restore(checkpoint.state.sampler);
    step = checkpoint.state.step;
    loop = { ...checkpoint.state.loop };
  }

  let lastCheckpoint: string | undefined;
  let bestCheckpoint: string | undefined =
    run && loop.bestStep !== undefined ? run.file('checkpoints', BEST_CHECKPOINT) : undefined;
  const rel = (p: string) => (run ? run.relative(p) : p);

  await emit({
    type: 'runStart',
    startStep: step,
    totalSteps,
    batchesPerEpoch: o.sampler.batchesPerEpoch,
    ...(o.resumeFrom ? { resumedFrom: rel(o.resumeFrom.path) } : {}),
  });

  const checkpoint = async (
    reason: 'periodic' | 'final' | 'best' | 'interrupt',
  ): Promise<string | undefined> => {
    if (!run) return undefined;
    const ckpt = await captureCheckpoint({
      variables,
      optimizer: o.optimizer,
      step,
      sampler: o.sampler.state(),
      loop,
      ...(o.extra ? { extra: o.extra } : {}),
      ...(average ? { average: await average.exportState() } : {}),
    });
    const path = await saveCheckpoint(run.checkpointsDir, ckpt, {
      keep,
      ...(reason === 'best' ? { name: BEST_CHECKPOINT } : {}),
    });
    if (reason === 'best') bestCheckpoint = path;
    else lastCheckpoint = path;
    await emit({ type: 'checkpoint', step, path: rel(path), reason });
    return path;
  };

  const durations: number[] = [];
  let epoch = o.sampler.state().epoch;
  let reason: EndReason = 'completed';

  while (step < totalSteps) {
    if (o.signal?.aborted) {
      reason = 'interrupted';
      break;
    }
    const t0 = now();
    const sampled = o.sampler.next();
    epoch = sampled.epoch;
    const lr = o.schedule(step);

    // One forward + backward pass over a micro-batch; its activations are gone when it returns.
    const pass = (indices: number[], chunk: number): Pass => {
      const batch = o.makeBatch(indices);
      let parts: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        parts = o.model.lossParts(batch, true, step, chunk);
        const list = Object.values(parts);
        if (list.length === 0) throw new Error('trainLoop: lossParts returned no parts');
        for (const p of list) tf.keep(p);
        return list.length === 1 ? tf.clone(list[0]!) : (tf.addN(list) as tf.Scalar);
      }, varList);
      const named = new Map<string, tf.Tensor>();
      for (const [tfName, g] of Object.entries(grads)) named.set(nameOf.get(tfName)!, g);
      return { parts, value, grads: named };
    };
    const chunks = splitMicroBatches(sampled.indices, microBatches);
    let result: Pass;
    if (chunks.length === 1) result = pass(chunks[0]!, 0);
    else {
      // Σ (micro-batch size ÷ batch size) · its gradients and loss parts.
      const total = sampled.indices.length;
      const grads = new Map<string, tf.Tensor>();
      const partSums = new Map<string, tf.Scalar>();
      const valueSum = new Map<string, tf.Scalar>();
      chunks.forEach((indices, chunk) => {
        const r = pass(indices, chunk);
        const w = indices.length / total;
        accumulate(grads, r.grads, w);
        accumulate(partSums, new Map(Object.entries(r.parts)), w);
        accumulate(valueSum, new Map([['total', r.value]]), w);
      });
      result = { parts: Object.fromEntries(partSums), value: valueSum.get('total')!, grads };
    }
    const { parts, value, grads: named } = result;
    const clipped = clipByGlobalNorm(named, clipNorm);
    tf.dispose([...named.values()]);
    o.optimizer.step(variables, clipped.grads, lr);
    tf.dispose([...clipped.grads.values()]);
    average?.update(step + 1);

    const names = Object.keys(parts);
    const read = await Promise.all([
      ...names.map((n) => parts[n]!.data()),
      value.data(),
      clipped.norm.data(),
    ]);
    tf.dispose([...Object.values(parts), value, clipped.norm]);
    checkBackendErrors();
    const loss: Record<string, number> = {};
    names.forEach((n, i) => {
      loss[n] = read[i]![0]!;
    });
    loss.total = read[names.length]![0]!;
    const gradNorm = read[names.length + 1]![0]!;
    if (!Number.isFinite(loss.total)) {
      throw new MmnerError('E_TRAIN_DIVERGED', `the loss is ${loss.total} at step ${step + 1}`, {
        hint: 'lower the learning rate or clip gradients harder; resume from the last checkpoint',
      });
    }
    step++;

    durations.push(now() - t0);
    if (durations.length > PACE_WINDOW) durations.shift();
    const secPerStep = durations.reduce((a, b) => a + b, 0) / durations.length / 1000;
    await emit({
      type: 'step',
      step,
      epoch,
      loss,
      lr,
      gradNorm,
      examplesPerSec: secPerStep > 0 ? sampled.indices.length / secPerStep : 0,
      etaSec: secPerStep * (totalSteps - step),
    });

    const evalDue =
      o.evaluate !== undefined &&
      (o.evalEvery === 'epoch' ? sampled.epochEnd : o.evalEvery !== undefined && step % o.evalEvery === 0);
    if (evalDue && (await evaluate())) {
      reason = 'earlyStop';
      break;
    }
    if (o.checkpointEvery !== undefined && step % o.checkpointEvery === 0 && step < totalSteps) {
      await checkpoint('periodic');
    }
  }

  async function evaluate(): Promise<boolean> {
    const ctx = { step, epoch };
    const r = average ? await average.withAverage(() => o.evaluate!(ctx)) : await o.evaluate!(ctx);
    loop.lastEvalStep = step;
    const best = loop.bestF1 === undefined || r.f1 > loop.bestF1;
    if (best) {
      loop.bestF1 = r.f1;
      loop.bestStep = step;
      loop.evalsSinceBest = 0;
    } else loop.evalsSinceBest++;
    await emit({
      type: 'eval',
      step,
      epoch,
      split: 'dev',
      f1: r.f1,
      ...(r.perLanguage ? { perLanguage: r.perLanguage } : {}),
      best,
    });
    if (best) await checkpoint('best');
    if (o.earlyStopPatience !== undefined && loop.evalsSinceBest >= o.earlyStopPatience) {
      await emit({
        type: 'earlyStop',
        step,
        bestStep: loop.bestStep!,
        bestF1: loop.bestF1!,
        patience: o.earlyStopPatience,
      });
      return true;
    }
    return false;
  }

  if (reason === 'completed' && o.evaluate && loop.lastEvalStep !== step) await evaluate();
  if (reason === 'interrupted') {
    const path = lastCheckpoint?.endsWith(stepCheckpointName(step))
      ? lastCheckpoint
      : await checkpoint('interrupt');
    await emit({ type: 'interrupted', step, checkpoint: path ? rel(path) : '' });
  } else {
    await checkpoint('final');
  }
  await emit({
    type: 'runEnd',
    step,
    reason,
    ...(loop.bestStep !== undefined ? { bestStep: loop.bestStep, bestF1: loop.bestF1! } : {}),
    elapsedSec: (now() - started) / 1000,
  });
  const result: TrainResult = { reason, step };
  if (loop.bestStep !== undefined) {
    result.bestStep = loop.bestStep;
    result.bestF1 = loop.bestF1!;
  }
  if (bestCheckpoint) result.bestCheckpoint = bestCheckpoint;
  if (lastCheckpoint) result.lastCheckpoint = lastCheckpoint;
  return result;
}
