import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmnerError } from '../../../src/core/errors.js';
import { Crf, DISALLOWED_SCORE } from '../../../src/model/crf/crf.js';
import { iob2Tags } from '../../../src/model/crf/tags.js';

before(async () => {
  await tf.setBackend('cpu');
});

test('initialization is seeded, small, and the same for the same seed', () => {
  const tags = iob2Tags(['PER']);
  const [a, b, c] = [new Crf({ tags, seed: 1 }), new Crf({ tags, seed: 1 }), new Crf({ tags, seed: 2 })];
  assert.deepEqual(a.getWeights(), b.getWeights());
  assert.notDeepEqual(a.getWeights(), c.getWeights());
  const w = a.getWeights();
  assert.deepEqual(w.transitions!.shape, [3, 3]);
  assert.deepEqual(w.start!.shape, [3]);
  assert.ok([...w.transitions!.values].every((x) => Math.abs(x) <= 0.1));
  for (const crf of [a, b, c]) crf.dispose();
});

test('scores mask forbidden transitions [to, from] with DISALLOWED_SCORE', async () => {
  const crf = new Crf({ tags: iob2Tags(['PER']) }); // O, B-PER, I-PER
  const s = await crf.scoreValues();
  const raw = crf.getWeights();
  assert.equal(s.transitions[2 * 3 + 0], DISALLOWED_SCORE); // O → I-PER
  assert.equal(s.transitions[2 * 3 + 1], raw.transitions!.values[2 * 3 + 1]); // B-PER → I-PER
  assert.equal(s.start[2], DISALLOWED_SCORE);
  assert.deepEqual(s.end, raw.end!.values);
  const free = new Crf({ tags: iob2Tags(['PER']), constrain: false });
  assert.deepEqual((await free.scoreValues()).transitions, free.getWeights().transitions!.values);
  crf.dispose();
  free.dispose();
});

test('setWeights round-trips getWeights and rejects wrong keys or shapes', () => {
  const a = new Crf({ tags: iob2Tags(['PER']), seed: 1 });
  const b = new Crf({ tags: iob2Tags(['PER']), seed: 2 });
  b.setWeights(a.getWeights());
  assert.deepEqual(b.getWeights(), a.getWeights());
  const isWeightsError = (e: unknown) => isMmnerError(e) && e.code === 'CRF_WEIGHTS';
  const { start: _, ...noStart } = a.getWeights();
  assert.throws(() => b.setWeights(noStart), isWeightsError);
  const other = new Crf({ tags: iob2Tags(['PER', 'LOC']) });
  const before = b.getWeights();
  assert.throws(() => b.setWeights(other.getWeights()), isWeightsError);
  assert.deepEqual(b.getWeights(), before, 'a rejected load changes nothing');
  for (const crf of [a, b, other]) crf.dispose();
});

test('bad configs are MmnerErrors', () => {
  assert.throws(
    () => new Crf({ tags: [] }),
    (e) => isMmnerError(e) && e.code === 'CRF_CONFIG',
  );
  assert.throws(
    () => new Crf({ tags: ['O'], initScale: -1 }),
    (e) => isMmnerError(e) && e.code === 'CRF_CONFIG',
  );
});
