import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmnerError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/random.js';
import { Crf } from '../../../src/model/crf/crf.js';
import {
  crfNll,
  crfNllMean,
  crfNllMeanOps,
  logPartition,
  pathScore,
} from '../../../src/model/crf/crfLoss.js';
import { iob2Tags } from '../../../src/model/crf/tags.js';
import * as bf from './bruteForce.js';
import { checkGradients, checkHostAgainstOps, checkLogPartitionAndNll } from './checks.js';

before(async () => {
  await tf.setBackend('cpu');
});

test('log Z and NLL equal brute force over all paths (k ≤ 5, T ≤ 5, padded batches)', async () => {
  await checkLogPartitionAndNll('crfLoss/logZ');
});

test('gradients equal marginals − gold and central finite differences', async () => {
  await checkGradients('crfLoss/grad');
});

test('the tf-ops loss (GPU backends) passes the same gradient checks', async () => {
  await checkGradients('crfLoss/grad-ops', crfNllMeanOps);
});

test('the host loss equals the tf-ops loss in value and in every gradient (k = 9, padded batch)', () => {
  checkHostAgainstOps('crfLoss/host-vs-ops');
});

test('a lengths array and the equivalent [batch, seqLen] mask give the same loss', () => {
  const crf = new Crf({ tags: iob2Tags(['PER']) });
  const c = bf.randomBatch(new Rng('mask'), 4, 5, crf.rules);
  const [fromLengths, fromMask] = tf.tidy(() => {
    const em = tf.tensor3d(c.emissions, [c.batch, c.seqLen, c.k]);
    const tags = tf.tensor2d(c.tags, [c.batch, c.seqLen], 'int32');
    const mask = tf.tensor2d(
      c.lengths.flatMap((len) => Array.from({ length: c.seqLen }, (_, t) => (t < len ? 1 : 0))),
      [c.batch, c.seqLen],
    );
    return [crfNll(em, tags, c.lengths, crf).arraySync(), crfNll(em, tags, mask, crf).arraySync()];
  });
  assert.deepEqual(fromLengths, fromMask);
  crf.dispose();
});

test('an invalid IOB2 gold path costs about 1e4 (the constraint applies in training)', () => {
  const crf = new Crf({ tags: iob2Tags(['PER']) }); // O, B-PER, I-PER
  const nll = tf.tidy(
    () =>
      crfNll(
        tf.zeros([1, 2, 3]) as tf.Tensor3D,
        tf.tensor2d([[0, 2]], [1, 2], 'int32'),
        [2],
        crf,
      ).dataSync()[0]!,
  );
  assert.ok(nll > 9990 && nll < 10010, `O → I-PER costs ${nll}`);
  crf.dispose();
});

test('bad shapes and lengths are MmnerErrors', () => {
  const crf = new Crf({ tags: iob2Tags(['PER']) });
  const em = tf.zeros([2, 3, 3]) as tf.Tensor3D;
  const wide = tf.zeros([2, 3, 4]) as tf.Tensor3D;
  const shortTags = tf.zeros([2, 2], 'int32') as tf.Tensor2D;
  const code = (f: () => unknown) => assert.throws(f, (e) => isMmnerError(e) && e.code === 'CRF_SHAPE');
  code(() => logPartition(em, [3, 0], crf));
  code(() => logPartition(em, [3, 4], crf));
  code(() => logPartition(em, [3], crf));
  code(() => logPartition(wide, [3, 3], crf));
  code(() => pathScore(em, shortTags, [3, 3], crf));
  // The training loss (the host path on this cpu backend) checks the same.
  const tags = tf.zeros([2, 3], 'int32') as tf.Tensor2D;
  code(() => crfNllMean(em, tags, [3, 0], crf));
  code(() => crfNllMean(em, tags, [3], crf));
  code(() => crfNllMean(wide, tags, [3, 3], crf));
  code(() => crfNllMean(em, shortTags, [3, 3], crf));
  const emptyRow = tf.tensor2d([
    [1, 1, 0],
    [0, 0, 0],
  ]);
  assert.throws(
    () => crfNllMean(em, tags, emptyRow, crf),
    /sentence 1 of the batch has no token in the CRF mask/,
  );
  emptyRow.dispose();
  tf.dispose([em, wide, shortTags, tags]);
  crf.dispose();
});

test('no tensors leak across repeated loss + gradient computations', async () => {
  const crf = new Crf({ tags: iob2Tags(['PER', 'LOC']) });
  const c = bf.randomBatch(new Rng('leak'), 3, 5, crf.rules);
  const em = tf.tensor3d(c.emissions, [c.batch, c.seqLen, c.k]);
  const tags = tf.tensor2d(c.tags, [c.batch, c.seqLen], 'int32');
  const step = async () => {
    const { value, grads } = tf.variableGrads(
      () => crfNllMean(em, tags, c.lengths, crf),
      crf.trainableVariables,
    );
    const g = tf.grad((e: tf.Tensor) => crfNllMean(e as tf.Tensor3D, tags, c.lengths, crf))(em);
    tf.dispose([value, g, ...Object.values(grads)]);
    await crf.scoreValues();
  };
  await step(); // warm-up
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) await step();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([em, tags]);
  crf.dispose();
  assert.equal(tf.memory().numTensors, before - 2 - 9);
});
