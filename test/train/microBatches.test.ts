import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { train } from '../../src/cli/commands/train.js';
import { memoryIO } from '../../src/cli/io.js';
import { trainRun } from '../../src/cli/runs.node.js';
import { isMmnerError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import type { StepEvent, TrainEvent } from '../../src/core/run/events.js';
import { RunDir } from '../../src/core/run/runDir.node.js';
import { generateSample } from '../../src/core/sample/generate.js';
import { writeSample } from '../../src/core/sample/write.node.js';
import type { Sentence } from '../../src/core/types.js';
import { makeBatch as modelBatch } from '../../src/model/batch.js';
import { buildModel } from '../../src/model/build.js';
import { presetConfig } from '../../src/model/config.js';
import type { ModelBatch } from '../../src/model/mmner.js';
import { TextVocab } from '../../src/model/text/vocab.js';
import { initBackend } from '../../src/train/backends.js';
import { latestValidCheckpoint } from '../../src/train/checkpoint.node.js';
import {
  splitMicroBatches,
  type TrainableModel,
  type TrainLoopOptions,
  trainLoop,
} from '../../src/train/loop.js';
import { AdamW } from '../../src/train/optimizer.js';
import { BatchSampler } from '../../src/train/sampler.js';
import { makeSchedule } from '../../src/train/schedule.js';

await initBackend('cpu');
const root = mkdtempSync(join(tmpdir(), 'mmner-micro-'));
after(() => rmSync(root, { recursive: true, force: true }));

// A small MLP regression (no dropout): y = sin(x₀) − x₁² + noise, 44 examples in three languages;
// batches of 8 (the epoch's last one has 4).
const rng = new Rng('micro-data');
const X = Array.from({ length: 44 }, () => [rng.range(-1, 1), rng.range(-1, 1)]);
const Y = X.map(([a, b]) => Math.sin(a!) - b! * b! + rng.range(-0.05, 0.05));
const LANGS = X.map((_, i) => ['en', 'fr', 'de'][i % 3]!);
interface Batch {
  x: number[][];
  y: number[];
}
const makeBatch = (idx: number[]): Batch => ({ x: idx.map((i) => X[i]!), y: idx.map((i) => Y[i]!) });

let uid = 0;
class Mlp implements TrainableModel<Batch> {
  readonly w1 = tf.variable(
    tf.tensor2d([0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0.1, 0.3], [2, 4]),
    true,
    `mb-w1-${uid++}`,
  );
  readonly b1 = tf.variable(tf.zeros([4]), true, `mb-b1-${uid++}`);
  readonly w2 = tf.variable(tf.tensor2d([0.2, -0.3, 0.4, 0.1], [4, 1]), true, `mb-w2-${uid++}`);
  readonly b2 = tf.variable(tf.zeros([1]), true, `mb-b2-${uid++}`);
  /** (step, chunk, batch size) of every training call. */
  readonly calls: [number, number | undefined, number][] = [];
  namedVariables() {
    return new Map<string, tf.Variable>([
      ['mlp.w1', this.w1],
      ['mlp.b1', this.b1],
      ['mlp.w2', this.w2],
      ['mlp.b2', this.b2],
    ]);
  }
  lossParts(batch: Batch, _training: boolean, step: number, chunk?: number) {
    this.calls.push([step, chunk, batch.y.length]);
    const h = tf.tanh(tf.add(tf.matMul(tf.tensor2d(batch.x), this.w1), this.b1));
    const pred = tf.add(tf.matMul(h, this.w2), this.b2).reshape([-1]);
    return {
      mse: tf.mean(tf.square(tf.sub(pred, tf.tensor1d(batch.y)))) as tf.Scalar,
      // A part that does not depend on the batch: weighted by chunk share, it sums to itself.
      l2: tf.mul(tf.sum(tf.square(this.w1)), 1e-3) as tf.Scalar,
    };
  }
  weights(): number[] {
    return [...this.namedVariables().values()].flatMap((v) => [...v.dataSync()]);
  }
  dispose() {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}

function options(m: Mlp, extra: Partial<TrainLoopOptions<Batch>> = {}): TrainLoopOptions<Batch> {
  const steps = extra.steps ?? 8;
  return {
    model: m,
    sampler: new BatchSampler(LANGS, { batchSize: 8, seed: 'micro' }),
    makeBatch,
    optimizer: new AdamW({ weightDecay: 0.01 }),
    schedule: makeSchedule({ kind: 'linear', lr: 0.05, warmupSteps: 1 }, steps),
    clipNorm: 5,
    steps,
    ...extra,
  };
}

const stepsOf = (events: TrainEvent[]) => events.filter((e): e is StepEvent => e.type === 'step');

/** Trains a fresh model; its weights, step events and calls. */
async function trained(extra: Partial<TrainLoopOptions<Batch>> = {}) {
  const m = new Mlp();
  const events: TrainEvent[] = [];
  const opts = options(m, { ...extra, onEvent: (e) => void events.push(e) });
  await trainLoop(opts);
  const out = { weights: m.weights(), steps: stepsOf(events), calls: m.calls };
  opts.optimizer.dispose();
  m.dispose();
  return out;
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

test('splitMicroBatches: consecutive runs whose sizes differ by at most 1, longer ones first', () => {
  const ids = [0, 1, 2, 3, 4, 5, 6, 7];
  assert.deepEqual(splitMicroBatches(ids, 1), [ids]);
  assert.deepEqual(splitMicroBatches(ids, 3), [
    [0, 1, 2],
    [3, 4, 5],
    [6, 7],
  ]);
  assert.deepEqual(splitMicroBatches(ids, 4), [
    [0, 1],
    [2, 3],
    [4, 5],
    [6, 7],
  ]);
  assert.deepEqual(splitMicroBatches([9, 8], 3), [[9], [8]], 'fewer examples than parts: one each');
});

test('microBatches 1 is bit-identical to no option; 2 and 3 give the same weights and losses up to rounding', async () => {
  const plain = await trained();
  const one = await trained({ microBatches: 1 });
  assert.deepEqual(one.weights, plain.weights);
  assert.deepEqual(
    one.steps.map((e) => [e.loss, e.gradNorm]),
    plain.steps.map((e) => [e.loss, e.gradNorm]),
  );
  assert.deepEqual(
    plain.calls.map(([step, chunk]) => [step, chunk]),
    plain.steps.map((_, i) => [i, 0]),
    'one call per step, chunk 0',
  );
  for (const n of [2, 3]) {
    const split = await trained({ microBatches: n });
    const diff = maxDiff(split.weights, plain.weights);
    assert.ok(diff < 1e-5, `microBatches ${n}: weights differ by ${diff}`);
    assert.ok(
      maxDiff(
        split.weights,
        plain.weights.map((w) => w + 1),
      ) > 0.5,
      'the comparison can fail',
    );
    assert.equal(split.steps.length, plain.steps.length, 'one optimizer step per batch');
    split.steps.forEach((e, i) => {
      const ref = plain.steps[i]!;
      assert.deepEqual(Object.keys(e.loss), Object.keys(ref.loss));
      for (const k of Object.keys(ref.loss)) {
        assert.ok(
          Math.abs(e.loss[k]! - ref.loss[k]!) < 1e-5,
          `step ${e.step} ${k}: ${e.loss[k]} vs ${ref.loss[k]}`,
        );
      }
      assert.ok(Math.abs(e.gradNorm - ref.gradNorm) < 1e-5);
      assert.equal(e.lr, ref.lr);
    });
    // Step 0 split into n chunks of the same step, sizes 8/n rounded (3+3+2 for n = 3).
    const first = split.calls.filter(([step]) => step === 0);
    assert.deepEqual(
      first,
      n === 2
        ? [
            [0, 0, 4],
            [0, 1, 4],
          ]
        : [
            [0, 0, 3],
            [0, 1, 3],
            [0, 2, 2],
          ],
    );
  }
  // The epoch's last batch holds 4 examples (44 = 5·8 + 4): 3 micro-batches of 2, 1, 1.
  const three = await trained({ microBatches: 3, steps: 6 });
  const sizes = new Map<number, number[]>();
  for (const [step, , size] of three.calls) sizes.set(step, [...(sizes.get(step) ?? []), size]);
  assert.ok(
    [...sizes.values()].some((s) => s.join() === '2,1,1'),
    JSON.stringify([...sizes]),
  );
});

test('the weight average updates once per optimizer step with micro-batches', async () => {
  const plain = await trained({ averageDecay: 0.9, evaluate: async () => ({ f1: 0.5 }), evalEvery: 4 });
  const split = await trained({
    averageDecay: 0.9,
    microBatches: 4,
    evaluate: async () => ({ f1: 0.5 }),
    evalEvery: 4,
  });
  assert.ok(maxDiff(split.weights, plain.weights) < 1e-5);
});

test('cancel and resume with micro-batches: the same losses and weights as one run', async () => {
  const common = { microBatches: 3, checkpointEvery: 4, steps: 10 } as const;
  const ref = await trained(common);
  const run = await RunDir.open(root, 'resume');
  const first = new Mlp();
  const controller = new AbortController();
  const firstOpts = options(first, {
    ...common,
    runDir: run,
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'step' && e.step === 5) controller.abort();
    },
  });
  assert.equal((await trainLoop(firstOpts)).reason, 'interrupted');
  const second = new Mlp();
  const secondOpts = options(second, {
    ...common,
    runDir: run,
    resumeFrom: (await latestValidCheckpoint(run.checkpointsDir))!,
  });
  assert.equal((await trainLoop(secondOpts)).step, 10);
  assert.deepEqual(second.weights(), ref.weights);
  const logged = stepsOf((await run.readEvents()).events);
  assert.deepEqual(
    logged.map((e) => [e.step, e.loss, e.gradNorm]),
    ref.steps.map((e) => [e.step, e.loss, e.gradNorm]),
  );
  for (const o of [firstOpts, secondOpts]) o.optimizer.dispose();
  first.dispose();
  second.dispose();
});

test('bad microBatches values are rejected before training', async () => {
  for (const [n, re] of [
    [0, /microBatches must be a positive integer, got 0/],
    [1.5, /microBatches must be a positive integer, got 1.5/],
    [9, /microBatches \(9\) is more than the batch size \(8\)/],
  ] as const) {
    const m = new Mlp();
    const opts = options(m, { microBatches: n });
    await assert.rejects(
      trainLoop(opts),
      (e: unknown) => isMmnerError(e) && e.code === 'E_CONFIG_TRAIN' && re.test(e.message),
    );
    assert.equal(m.calls.length, 0);
    opts.optimizer.dispose();
    m.dispose();
  }
});

// The real tiny model (dropout, images, contrastive loss), kept small.
const TYPES = ['PER', 'LOC', 'ORG', 'MISC'];
const SMALL_TEXT = { wordDim: 16, charDim: 8, charFilters: 8, casingDim: 4, hidden: 16 };

function tinyModel(sentences: Sentence[]) {
  const config = presetConfig('tiny', TYPES, { seed: 3 }).model;
  config.text = { kind: 'tiny', options: SMALL_TEXT };
  config.image.size = 16;
  config.contrastive = config.contrastive && { ...config.contrastive, projectionDim: 8 };
  return buildModel(config, { vocab: TextVocab.build(sentences) });
}

const images = (n: number, size = 16) =>
  new Float32Array(n * size * size * 3).map((_, i) => Math.sin(i * 0.37));

test('tiny model on wasm: micro-batches of a step draw their own dropout masks; chunk 0 is the undivided step', async () => {
  await initBackend('wasm');
  const sample = generateSample({ seed: 2, size: 'tiny' });
  const sentences = sample.items
    .filter((i) => i.split === 'train')
    .map((i) => i.sentence)
    .slice(0, 8);
  const model = tinyModel(sentences);
  try {
    const batch = modelBatch(model, sentences, images(sentences.length));
    const crf = (chunk?: number) => tf.tidy(() => model.lossParts(batch, true, 3, chunk).crf!.dataSync()[0]!);
    assert.equal(crf(0), crf(), 'chunk 0 = no chunk');
    assert.equal(crf(1), crf(1), 'deterministic');
    assert.notEqual(crf(1), crf(0), 'chunk 1 draws other masks');
    assert.notEqual(crf(2), crf(1));
  } finally {
    model.dispose();
    await initBackend('cpu');
  }
});

test('tiny model on wasm: training with microBatches 2 runs and tf.memory().numTensors stays flat', async () => {
  await initBackend('wasm');
  const sample = generateSample({ seed: 2, size: 'tiny' });
  const sentences = sample.items
    .filter((i) => i.split === 'train')
    .map((i) => i.sentence)
    .slice(0, 24);
  const model = tinyModel(sentences);
  const optimizer = new AdamW({ weightDecay: 1e-4 });
  const counts: number[] = [];
  const losses: number[] = [];
  try {
    const r = await trainLoop<ModelBatch>({
      model,
      sampler: new BatchSampler(
        sentences.map((s) => s.lang),
        { batchSize: 8, seed: 1 },
      ),
      makeBatch: (idx) => {
        const part = idx.map((i) => sentences[i]!);
        return modelBatch(model, part, images(part.length));
      },
      optimizer,
      schedule: () => 2e-3,
      clipNorm: 5,
      steps: 6,
      microBatches: 2,
      averageDecay: 0.9,
      onEvent: (e) => {
        if (e.type !== 'step') return;
        counts.push(tf.memory().numTensors);
        losses.push(e.loss.total!);
        assert.deepEqual(Object.keys(e.loss), ['crf', 'contrastive', 'total']);
      },
    });
    assert.equal(r.step, 6);
    assert.ok(losses.every(Number.isFinite), losses.join(' '));
    assert.ok(
      counts.slice(1).every((c) => c === counts[1]),
      `numTensors per step: ${counts.join(' ')}`,
    );
  } finally {
    optimizer.dispose();
    model.dispose();
    await initBackend('cpu');
  }
});

// The CLI option and trainRun: usage errors and the saved setting.
const data = join(root, 'data');
let written: Promise<unknown> | undefined;
const sampleData = async () => {
  written ??= writeSample(data, generateSample({ seed: 2, size: 'tiny' }));
  await written;
  return data;
};
const usage = (re: RegExp) => (e: unknown) => isMmnerError(e) && e.code === 'E_USAGE' && re.test(e.message);

test('mmner train --micro-batches: bad values are usage errors', async () => {
  const data = await sampleData();
  const out = join(root, 'cli-bad');
  for (const [args, re] of [
    [['--micro-batches', '0'], /--micro-batches must be at least 1/],
    [['--micro-batches', 'two'], /--micro-batches must be an integer/],
    [['--micro-batches', '9', '--batch-size', '8'], /--micro-batches 9 is more than --batch-size 8/],
  ] as const) {
    await assert.rejects(train.run(['--data', data, '--out', out, ...args], memoryIO()), usage(re));
  }
  // More than the preset's batch size (tiny: 32), known only once the config is resolved.
  await assert.rejects(
    trainRun({ data, out, microBatches: 33 }),
    usage(/33 micro-batches is more than the batch size \(32\)/),
  );
  assert.throws(() => readFileSync(join(out, 'config.json')), 'no half run is left');
});

test('trainRun saves microBatches in config.json and trains with it', async () => {
  const data = await sampleData();
  const out = join(root, 'cli-ok');
  const io = memoryIO();
  const code = await train.run(
    [
      '--data',
      data,
      '--out',
      out,
      '--epochs',
      '1',
      '--limit',
      '16',
      '--batch-size',
      '8',
      '--micro-batches',
      '3',
    ],
    io,
  );
  assert.equal(code, 0, io.stderr());
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.train.microBatches, 3);
  assert.match(io.stdout(), /^trained \d+ steps \(completed\)/);
});

test('a run leaves no tensors behind but the optimizer moments (nothing leaks from AdamW or the average)', async () => {
  const m = new Mlp();
  const vars = m.namedVariables().size;
  const before = tf.memory().numTensors;
  const opts = options(m, { microBatches: 2, averageDecay: 0.9 });
  await trainLoop(opts);
  assert.equal(tf.memory().numTensors, before + 2 * vars, 'AdamW m and v only');
  opts.optimizer.dispose();
  assert.equal(tf.memory().numTensors, before);
  m.dispose();
});
