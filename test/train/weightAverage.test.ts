import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/random.js';
import type { EvalEvent, TrainEvent } from '../../src/core/run/events.js';
import { RunDir } from '../../src/core/run/runDir.node.js';
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from '../../src/train/checkpoint.js';
import { latestValidCheckpoint, readCheckpoint } from '../../src/train/checkpoint.node.js';
import { type TrainableModel, trainLoop } from '../../src/train/loop.js';
import { AdamW } from '../../src/train/optimizer.js';
import { BatchSampler } from '../../src/train/sampler.js';
import { makeSchedule } from '../../src/train/schedule.js';
import { averageDecay, WeightAverage } from '../../src/train/weightAverage.js';

await tf.setBackend('cpu');
const root = await mkdtemp(join(tmpdir(), 'mmner-avg-'));
after(() => rm(root, { recursive: true, force: true }));

test('the decay warms up as (1 + n) / (10 + n) and is capped at the configured value', () => {
  assert.equal(averageDecay(0.99, 0), 0.1);
  assert.equal(averageDecay(0.99, 10), 11 / 20);
  assert.equal(averageDecay(0.99, 1000), 0.99);
  assert.throws(() => new WeightAverage(new Map(), 1), /decay must be in \(0, 1\)/);
});

test('update, swap and export: the average is d·avg + (1 − d)·w, and swapping twice restores', async () => {
  const v = tf.variable(tf.tensor1d([1, 2]), true, 'avg-unit-v');
  const avg = new WeightAverage(new Map([['v', v]]), 0.5);
  v.assign(tf.tensor1d([3, 6]));
  avg.update(1); // d = min(0.5, 1/10) = 0.1 → 0.1·[1,2] + 0.9·[3,6]
  v.assign(tf.tensor1d([5, 10]));
  avg.update(2); // d = min(0.5, 2/11) → a·d + w·(1 − d)
  const d2 = Math.fround(2 / 11);
  const expected = [0.1 * 1 + 0.9 * 3, 0.1 * 2 + 0.9 * 6].map((a, i) => a * d2 + [5, 10][i]! * (1 - d2));
  const state = await avg.exportState();
  for (const [i, x] of state.get('v')!.data.entries()) {
    assert.ok(Math.abs(x - expected[i]!) < 1e-5, `${x} vs ${expected[i]}`);
  }
  const seen = await avg.withAverage(async () => [...v.dataSync()]);
  assert.deepEqual(seen, [...state.get('v')!.data]);
  assert.deepEqual([...v.dataSync()], [5, 10], 'the live weights are back');
  assert.throws(
    () => avg.importState(new Map(), 'ckpt.safetensors'),
    (e: Error) => /averaged weights do not fit \(missing: "v"\)/.test(e.message),
  );
  avg.dispose();
  v.dispose();
});

// A noisy linear fit (y = 2x − 1): the live weights jitter with the noise, the average less so.
const rng = new Rng('avg-data');
const X = Array.from({ length: 48 }, () => rng.range(-1, 1));
const Y = X.map((x) => 2 * x - 1 + rng.range(-0.5, 0.5));
const makeBatch = (idx: number[]) => idx;
let uid = 0;
class Line implements TrainableModel<number[]> {
  readonly w = tf.variable(tf.tensor1d([0, 0]), true, `avg-line-${uid++}`);
  namedVariables() {
    return new Map<string, tf.Variable>([['line', this.w]]);
  }
  lossParts(idx: number[]) {
    const [a, b] = tf.unstack(this.w);
    const pred = tf.add(tf.mul(tf.tensor1d(idx.map((i) => X[i]!)), a!), b!);
    return { mse: tf.mean(tf.square(tf.sub(pred, tf.tensor1d(idx.map((i) => Y[i]!))))) as tf.Scalar };
  }
  weights() {
    return [...this.w.dataSync()];
  }
}
const seenByDev: number[][] = [];
const options = (m: Line, extra: object = {}) => ({
  model: m,
  sampler: new BatchSampler(
    X.map(() => 'en'),
    { batchSize: 4, seed: 'avg' },
  ),
  makeBatch,
  optimizer: new AdamW({ weightDecay: 0 }),
  schedule: makeSchedule({ kind: 'linear', lr: 0.2, warmupSteps: 0 }, 24),
  steps: 24,
  evalEvery: 6,
  evaluate: async () => {
    const w = m.weights();
    seenByDev.push(w);
    return { f1: 1 / (1 + (w[0]! - 2) ** 2 + (w[1]! + 1) ** 2) };
  },
  averageDecay: 0.8,
  checkpointEvery: 4,
  ...extra,
});

test('training with an average: dev sees the average, inference loads it, and a resume continues it exactly', async () => {
  const ref = new Line();
  const refRun = await RunDir.open(root, 'ref');
  const refEvents: TrainEvent[] = [];
  seenByDev.length = 0;
  const r = await trainLoop(
    options(ref, { runDir: refRun, onEvent: (e: TrainEvent) => void refEvents.push(e) }),
  );
  assert.equal(r.reason, 'completed');
  const final = await readCheckpoint(r.lastCheckpoint!);
  const averaged = [...final.average!.get('line')!.data];
  assert.deepEqual(final.variables.get('line')!.data.length, 2);
  assert.deepEqual(ref.weights(), [...final.variables.get('line')!.data], 'the model keeps the live weights');
  assert.notDeepEqual(averaged, ref.weights(), 'the average differs from the live weights');
  assert.deepEqual(seenByDev.at(-1), averaged, 'the last dev evaluation scored the average');
  assert.ok(tf.memory().numTensors < 50, `tensors left: ${tf.memory().numTensors}`);

  // Inference (no optimizer) restores the average; resuming (with one) the live weights.
  const infer = new Line();
  restoreCheckpoint(final, infer.namedVariables());
  assert.deepEqual(infer.weights(), averaged);
  const roundTrip = await decodeCheckpoint(await encodeCheckpoint(final), 'x');
  assert.deepEqual([...roundTrip.average!.get('line')!.data], averaged);

  // Cancel at step 5, resume: the same dev scores and the same final average as one run.
  const run = await RunDir.open(root, 'cut');
  const controller = new AbortController();
  const first = new Line();
  await trainLoop(
    options(first, {
      runDir: run,
      signal: controller.signal,
      onEvent: (e: TrainEvent) => {
        if (e.type === 'step' && e.step === 5) controller.abort();
      },
    }),
  );
  const second = new Line();
  const resumed = await trainLoop(
    options(second, { runDir: run, resumeFrom: (await latestValidCheckpoint(run.checkpointsDir))! }),
  );
  assert.equal(resumed.step, 24);
  const after = await readCheckpoint(resumed.lastCheckpoint!);
  assert.deepEqual([...after.average!.get('line')!.data], averaged);
  const evals = (es: TrainEvent[]) =>
    es.filter((e): e is EvalEvent => e.type === 'eval').map((e) => [e.step, e.f1, e.best]);
  assert.deepEqual(evals((await run.readEvents()).events), evals(refEvents));
  const best = await readCheckpoint(resumed.bestCheckpoint!);
  assert.ok(best.average, 'the best checkpoint carries the average');
});
