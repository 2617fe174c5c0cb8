import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/random.js';
import type { EvalEvent, StepEvent, TrainEvent } from '../../src/core/run/events.js';
import { RunDir } from '../../src/core/run/runDir.node.js';
import { latestValidCheckpoint, readCheckpoint } from '../../src/train/checkpoint.node.js';
import { type TrainableModel, type TrainLoopOptions, trainLoop } from '../../src/train/loop.js';
import { AdamW } from '../../src/train/optimizer.js';
import { BatchSampler } from '../../src/train/sampler.js';
import { makeSchedule } from '../../src/train/schedule.js';

await tf.setBackend('cpu');
const root = await mkdtemp(join(tmpdir(), 'mmner-loop-'));
after(() => rm(root, { recursive: true, force: true }));

// y = 2·x₀ − 3·x₁ + 0.5 + noise, 40 examples in three languages.
const rng = new Rng('loop-data');
const X = Array.from({ length: 40 }, () => [rng.range(-1, 1), rng.range(-1, 1)]);
const Y = X.map(([a, b]) => 2 * a! - 3 * b! + 0.5 + rng.range(-0.05, 0.05));
const LANGS = X.map((_, i) => ['en', 'fr', 'de'][i % 3]!);
interface Batch {
  x: number[][];
  y: number[];
}
const makeBatch = (idx: number[]): Batch => ({ x: idx.map((i) => X[i]!), y: idx.map((i) => Y[i]!) });

let uid = 0;
class Linear implements TrainableModel<Batch> {
  readonly w = tf.variable(tf.tensor2d([[0.1], [-0.2]]), true, `loop-w-${uid++}`);
  readonly b = tf.variable(tf.tensor1d([0]), true, `loop-b-${uid++}`);
  namedVariables() {
    return new Map<string, tf.Variable>([
      ['linear.kernel', this.w],
      ['linear.bias', this.b],
    ]);
  }
  lossParts(batch: Batch) {
    const pred = tf.add(tf.matMul(tf.tensor2d(batch.x), this.w), this.b).reshape([-1]);
    return {
      mse: tf.mean(tf.square(tf.sub(pred, tf.tensor1d(batch.y)))) as tf.Scalar,
      l2: tf.mul(tf.sum(tf.square(this.w)), 1e-3) as tf.Scalar,
    };
  }
  weights() {
    return [...this.w.dataSync(), ...this.b.dataSync()];
  }
  dispose() {
    this.w.dispose();
    this.b.dispose();
  }
}

/** Dev "F1" from the weights: deterministic, better as the fit improves. */
const devScore = (m: Linear) => async () => {
  const [w0, w1, b] = m.weights();
  return { f1: 1 / (1 + (w0! - 2) ** 2 + (w1! + 3) ** 2 + (b! - 0.5) ** 2), perLanguage: { en: 0.5 } };
};

function options(m: Linear, extra: Partial<TrainLoopOptions<Batch>> = {}): TrainLoopOptions<Batch> {
  const steps = extra.steps ?? 12;
  return {
    model: m,
    sampler: new BatchSampler(LANGS, { batchSize: 8, seed: 'loop' }),
    makeBatch,
    optimizer: new AdamW({ weightDecay: 0.01 }),
    schedule: makeSchedule({ kind: 'linear', lr: 0.1, warmupSteps: 2 }, steps),
    clipNorm: 5,
    steps,
    ...extra,
  };
}

const stepsOf = (events: TrainEvent[]) => events.filter((e): e is StepEvent => e.type === 'step');

test('the loss decreases on a toy regression, and tensors do not leak across steps', async () => {
  const m = new Linear();
  const events: TrainEvent[] = [];
  const counts: number[] = [];
  const opts = options(m, {
    steps: 40,
    schedule: makeSchedule({ kind: 'linear', lr: 0.3, warmupSteps: 2 }, 40),
  });
  const r = await trainLoop({
    ...opts,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'step') counts.push(tf.memory().numTensors);
    },
  });
  assert.equal(r.reason, 'completed');
  assert.equal(r.step, 40);
  const totals = stepsOf(events).map((e) => e.loss.total!);
  assert.ok(totals.at(-1)! < totals[0]! / 4, `loss ${totals[0]} → ${totals.at(-1)}`);
  assert.deepEqual(Object.keys(stepsOf(events)[0]!.loss), ['mse', 'l2', 'total']);
  assert.ok(
    counts.slice(1).every((c) => c === counts[1]),
    `numTensors per step: ${counts.join(' ')}`,
  );
  assert.deepEqual(
    events.map((e) => e.type).filter((t) => t !== 'step'),
    ['runStart', 'runEnd'],
    'no run folder: no checkpoint events',
  );
  opts.optimizer.dispose();
  m.dispose();
});

test('cancel after step k, then resume: same per-step losses, evals and final weights as one run', async () => {
  const common = { checkpointEvery: 4, evalEvery: 3 } as const;
  const ref = new Linear();
  const refEvents: TrainEvent[] = [];
  const refRun = await RunDir.open(root, 'reference');
  const refOpts = options(ref, {
    ...common,
    evaluate: devScore(ref),
    runDir: refRun,
    onEvent: (e) => void refEvents.push(e),
  });
  await trainLoop(refOpts);

  const run = await RunDir.open(root, 'interrupted');
  const first = new Linear();
  const controller = new AbortController();
  const firstOpts = options(first, {
    ...common,
    evaluate: devScore(first),
    runDir: run,
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'step' && e.step === 5) controller.abort();
    },
  });
  const r1 = await trainLoop(firstOpts);
  assert.equal(r1.reason, 'interrupted');
  assert.equal(r1.step, 5);
  assert.equal(r1.lastCheckpoint, join(run.checkpointsDir, 'step-00000005.safetensors'));

  const second = new Linear(); // fresh initial weights: everything must come from the checkpoint
  const resume = await latestValidCheckpoint(run.checkpointsDir);
  assert.equal(resume?.checkpoint.state.step, 5);
  const secondOpts = options(second, {
    ...common,
    evaluate: devScore(second),
    runDir: run,
    resumeFrom: resume!,
  });
  const r2 = await trainLoop(secondOpts);
  assert.equal(r2.reason, 'completed');
  assert.equal(r2.step, 12);

  const logged = (await run.readEvents()).events;
  assert.deepEqual(
    stepsOf(logged).map((e) => [e.step, e.loss, e.lr, e.gradNorm]),
    stepsOf(refEvents).map((e) => [e.step, e.loss, e.lr, e.gradNorm]),
  );
  const evals = (es: TrainEvent[]) =>
    es.filter((e): e is EvalEvent => e.type === 'eval').map((e) => [e.step, e.f1, e.best]);
  assert.deepEqual(evals(logged), evals(refEvents));
  assert.deepEqual(second.weights(), ref.weights());
  assert.deepEqual(
    r2.bestStep,
    (await refRun.readEvents()).events.findLast((e) => e.type === 'runEnd')!.bestStep,
  );

  const marks = logged.flatMap((e) =>
    e.type === 'checkpoint'
      ? [`${e.reason}@${e.step}`]
      : e.type === 'step' || e.type === 'eval'
        ? []
        : [e.type],
  );
  // Evals at 3, 6, 9, 12 (each better on this fit), periodic at 4 and 8, cancel at 5, final at 12.
  assert.deepEqual(marks, [
    'runStart',
    'best@3',
    'periodic@4',
    'interrupt@5',
    'interrupted',
    'runEnd',
    'runStart',
    'best@6',
    'periodic@8',
    'best@9',
    'best@12',
    'final@12',
    'runEnd',
  ]);
  assert.equal(
    logged.find((e) => e.type === 'interrupted')?.checkpoint,
    'checkpoints/step-00000005.safetensors',
  );
  assert.equal(
    logged.filter((e) => e.type === 'runStart')[1]?.resumedFrom,
    'checkpoints/step-00000005.safetensors',
  );
  for (const o of [refOpts, firstOpts, secondOpts]) o.optimizer.dispose();
  for (const m of [ref, first, second]) m.dispose();
});

test('the best checkpoint is chosen by dev F1; patience stops the run early', async () => {
  const run = await RunDir.open(root, 'best');
  const m = new Linear();
  const scores = [0.3, 0.5, 0.4, 0.45, 0.49, 0.9];
  let calls = 0;
  const atEval = new Map<number, number[]>();
  const opts = options(m, {
    steps: 40,
    evalEvery: 2,
    earlyStopPatience: 3,
    runDir: run,
    keepCheckpoints: 2,
    checkpointEvery: 3,
    evaluate: async ({ step }) => {
      atEval.set(step, m.weights());
      return { f1: scores[calls++]! };
    },
  });
  const r = await trainLoop(opts);
  assert.equal(r.reason, 'earlyStop');
  assert.equal(r.step, 10, 'evals at 2,4,6,8,10: best at 4, then three without improvement');
  assert.equal(r.bestStep, 4);
  assert.equal(r.bestF1, 0.5);
  assert.equal(r.bestCheckpoint, join(run.checkpointsDir, 'best.safetensors'));
  const best = await readCheckpoint(r.bestCheckpoint!);
  assert.equal(best.state.step, 4);
  assert.deepEqual(
    [...best.variables.get('linear.kernel')!.data, ...best.variables.get('linear.bias')!.data],
    atEval.get(4),
  );
  const events = (await run.readEvents()).events;
  assert.deepEqual(
    events.find((e) => e.type === 'earlyStop'),
    {
      ...events.find((e) => e.type === 'earlyStop')!,
      step: 10,
      bestStep: 4,
      bestF1: 0.5,
      patience: 3,
    },
  );
  assert.equal(events.at(-1)?.type, 'runEnd');
  assert.deepEqual((await readdir(run.checkpointsDir)).sort(), [
    'best.safetensors',
    'step-00000009.safetensors',
    'step-00000010.safetensors',
  ]);
  opts.optimizer.dispose();
  m.dispose();
});
