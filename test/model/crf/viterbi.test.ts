import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/core/random.js';
import { Crf } from '../../../src/model/crf/crf.js';
import { crfNllMean } from '../../../src/model/crf/crfLoss.js';
import { iob2Tags, isAllowedPath } from '../../../src/model/crf/tags.js';
import { decode, viterbiDecode } from '../../../src/model/crf/viterbi.js';
import * as bf from './bruteForce.js';
import { SHAPES } from './checks.js';

before(async () => {
  await tf.setBackend('cpu');
});

test('Viterbi equals the brute-force best allowed path, with padding and length 1', async () => {
  const rng = new Rng('viterbi');
  for (const shape of SHAPES) {
    const crf = new Crf({ ...shape });
    for (let round = 0; round < 4; round++) {
      // Large random scores, so unconstrained, the best path would often be invalid.
      crf.setWeights(bf.randomWeights(rng, crf.numTags, 3));
      const sv = await crf.scoreValues();
      for (let seqLen = 1; seqLen <= 5; seqLen++) {
        const c = bf.randomBatch(rng, 4, seqLen, crf.rules, 4);
        const got = viterbiDecode(c.emissions, [c.batch, seqLen, c.k], c.lengths, sv, crf.rules);
        c.lengths.forEach((len, b) => {
          const em = bf.sentence(c.emissions, b, seqLen, c.k, len);
          const want = bf.best(em, sv, crf.rules);
          assert.deepEqual(got.paths[b], want.path, `k=${c.k} T=${seqLen} b=${b} len=${len}`);
          assert.ok(Math.abs(got.scores[b]! - want.score) < 1e-9);
          assert.ok(isAllowedPath(got.paths[b]!, crf.rules));
        });
      }
    }
    crf.dispose();
  }
});

test('Viterbi never outputs invalid IOB2, even when emissions favour it', async () => {
  const crf = new Crf({ tags: iob2Tags(['PER']) }); // O, B-PER, I-PER
  // I-PER everywhere, by a margin far beyond the −1e4 penalty; O → I-PER must still not appear.
  const em = new Float32Array([0, 0, 1e6, 0, 0, 1e6, 5, 0, 0, 0, 0, 1e6]);
  const { paths } = viterbiDecode(em, [2, 2, 3], [2, 2], await crf.scoreValues(), crf.rules);
  for (const p of paths) assert.ok(isAllowedPath(p, crf.rules), `path ${p}`);
  assert.deepEqual(paths[0], [1, 2]);
  crf.dispose();
});

test('decode reads a tensor batch and leaves no tensors behind', async () => {
  const crf = new Crf({ tags: iob2Tags(['PER', 'LOC']) });
  const c = bf.randomBatch(new Rng('decode'), 3, 4, crf.rules);
  const em = tf.tensor3d(c.emissions, [c.batch, c.seqLen, c.k]);
  const before = tf.memory().numTensors;
  const got = await decode(em, c.lengths, crf);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(
    got,
    viterbiDecode(c.emissions, [3, 4, c.k], c.lengths, await crf.scoreValues(), crf.rules),
  );
  assert.deepEqual(
    got.paths.map((p) => p.length),
    c.lengths,
  );
  em.dispose();
  crf.dispose();
});

test('100 Adam steps on the NLL make Viterbi return the gold paths', async () => {
  const crf = new Crf({ tags: iob2Tags(['PER', 'LOC']), seed: 3 });
  const c = bf.randomBatch(new Rng('fit'), 4, 6, crf.rules);
  const emissions = tf.variable(tf.tensor3d(c.emissions, [c.batch, c.seqLen, c.k]));
  const tags = tf.tensor2d(c.tags, [c.batch, c.seqLen], 'int32');
  const gold = c.lengths.map((len, b) => Array.from(c.tags.subarray(b * c.seqLen, b * c.seqLen + len)));
  const before = await decode(emissions, c.lengths, crf);
  assert.notDeepEqual(before.paths, gold, 'the random start already decodes to gold');
  const optimizer = tf.train.adam(0.05);
  const losses: number[] = [];
  for (let step = 0; step < 100; step++) {
    const loss = optimizer.minimize(() => crfNllMean(emissions, tags, c.lengths, crf), true, [
      emissions,
      ...crf.trainableVariables,
    ]);
    losses.push(loss!.dataSync()[0]!);
    loss!.dispose();
  }
  assert.ok(losses.at(-1)! < losses[0]! / 4, `loss ${losses[0]} → ${losses.at(-1)}`);
  assert.deepEqual((await decode(emissions, c.lengths, crf)).paths, gold);
  optimizer.dispose();
  tf.dispose([emissions, tags]);
  crf.dispose();
});
