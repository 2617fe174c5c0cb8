import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../src/core/errors.js';
import type { Sentence } from '../../src/core/types.js';
import { predictAll } from '../../src/eval/evaluate.js';
import { makeBatch } from '../../src/model/batch.js';
import { buildModel } from '../../src/model/build.js';
import { type Ablation, presetConfig, withoutOnnxBranches } from '../../src/model/config.js';
import { PrecomputedImageEncoder } from '../../src/model/image/precomputed.js';
import { TextVocab } from '../../src/model/text/vocab.js';
import { initBackend } from '../../src/train/backends.js';

before(async () => {
  await initBackend('cpu');
});

const values = (t: tf.Tensor) => Array.from(t.dataSync(), (v) => Math.round(v * 1e4) / 1e4);

test('pooled features: one region that is also the global vector; no variables', () => {
  const enc = new PrecomputedImageEncoder({ dim: 3, rows: 1 });
  assert.equal(enc.outputDim, 3);
  assert.equal(enc.numRegions, 1);
  assert.deepEqual(enc.featureShape, [1, 3]);
  assert.equal(enc.namedVariables().size, 0);
  tf.tidy(() => {
    const out = enc.encodeFeatures(tf.tensor3d([1, 2, 3, 4, 5, 6], [2, 1, 3]));
    assert.deepEqual(out.regions.shape, [2, 1, 3]);
    assert.deepEqual(out.global.shape, [2, 3]);
    assert.deepEqual(values(out.global), [1, 2, 3, 4, 5, 6]);
  });
});

test('grid regions (ResNet cells): R = rows, global = their mean, grid kept when it fits', () => {
  const enc = new PrecomputedImageEncoder({ dim: 2, rows: 6, grid: [2, 3] });
  assert.equal(enc.numRegions, 6);
  assert.deepEqual(enc.regionGrid, [2, 3]);
  assert.equal(new PrecomputedImageEncoder({ dim: 2, rows: 6, grid: [2, 2] }).regionGrid, undefined);
  tf.tidy(() => {
    const x = tf.tensor3d(
      Array.from({ length: 12 }, (_, i) => i),
      [1, 6, 2],
    );
    const out = enc.encodeFeatures(x);
    assert.deepEqual(out.regions.shape, [1, 6, 2]);
    assert.deepEqual(values(out.global), [5, 6]);
  });
});

test('a CLS row (ViT tokens): global = row 0, regions = the patches', () => {
  const enc = new PrecomputedImageEncoder({ dim: 2, rows: 5, cls: true, grid: [2, 2] });
  assert.equal(enc.numRegions, 4);
  assert.deepEqual(enc.regionGrid, [2, 2]);
  tf.tidy(() => {
    const out = enc.encodeFeatures(tf.tensor3d([9, 8, 1, 1, 2, 2, 3, 3, 4, 4], [1, 5, 2]));
    assert.deepEqual(values(out.global), [9, 8]);
    assert.deepEqual(out.regions.shape, [1, 4, 2]);
    assert.deepEqual(values(out.regions), [1, 1, 2, 2, 3, 3, 4, 4]);
  });
});

test('pixels or features of the wrong shape are errors that say what to pass', () => {
  const enc = new PrecomputedImageEncoder({ dim: 4, rows: 1, name: 'resnet' });
  assert.throws(
    () => enc.encode(),
    (e: unknown) => e instanceof MmnerError && /resnet branch reads precomputed features/.test(e.message),
  );
  assert.throws(
    () =>
      tf.tidy(() => {
        enc.encodeFeatures(tf.zeros([2, 1, 3]) as tf.Tensor3D);
      }),
    (e: unknown) => e instanceof MmnerError && e.code === 'E_SHAPE',
  );
  assert.throws(
    () => new PrecomputedImageEncoder({ dim: 0, rows: 1 }),
    (e: unknown) => e instanceof MmnerError,
  );
});

const TYPES = ['PER', 'LOC'];
const data: Sentence[] = [
  {
    id: 'a',
    lang: 'en',
    tokens: ['Anna', 'lives', 'in', 'Berlin'],
    tags: ['B-PER', 'O', 'O', 'B-LOC'],
    image: 'a',
  },
  { id: 'b', lang: 'de', tokens: ['Berlin', '!'], tags: ['B-LOC', 'O'], image: 'b' },
];

function onnxModel(ablation: Ablation, settled = true) {
  const config = presetConfig('tiny', TYPES, {
    seed: 2,
    ablation,
    onnx: { resnet: { path: '/exports/resnet', features: 'pooled' } },
  }).model;
  config.text = {
    kind: 'tiny',
    options: { wordDim: 8, charDim: 4, charFilters: 4, casingDim: 2, hidden: 8 },
  };
  config.image.size = 16;
  config.contrastive = config.contrastive && { ...config.contrastive, projectionDim: 8 };
  if (settled) Object.assign(config.image.onnx!.resnet!, { dim: 6, rows: 1 });
  return { config, model: () => buildModel(config, { vocab: TextVocab.build(data) }) };
}

test('an ONNX resnet branch is added to the tiny preset and built weightless from its settled sizes', () => {
  const { config, model } = onnxModel('none');
  assert.deepEqual(config.image.branches, ['cnn', 'resnet']);
  assert.deepEqual(withoutOnnxBranches(config).image.branches, ['cnn']);
  const m = model();
  try {
    assert.ok(m.parts.images[1] instanceof PrecomputedImageEncoder);
    assert.equal(m.parts.images[1]!.outputDim, 6);
    assert.ok(m.needsPixels, 'the cnn branch still reads pixels');
    assert.ok(![...m.namedVariables().keys()].some((k) => k.startsWith('image.resnet.')));
    // Both pixels and features: the loss has both parts and they are finite.
    const batch = makeBatch(m, data, new Float32Array(2 * 16 * 16 * 3));
    batch.imageFeatures = [undefined, new Float32Array(12).fill(0.5)];
    const parts = tf.tidy(() =>
      Object.fromEntries(Object.entries(m.lossParts(batch, true)).map(([k, v]) => [k, v.dataSync()[0]!])),
    );
    assert.ok(Number.isFinite(parts.crf) && Number.isFinite(parts.contrastive), JSON.stringify(parts));
  } finally {
    m.dispose();
  }
  assert.throws(
    () => onnxModel('none', false).model(),
    (e: unknown) => e instanceof MmnerError && e.code === 'E_CONFIG' && /settled size/.test(e.message),
  );
});

test('resnet-only on ONNX features needs no pixels; features reach predict through the image array', async () => {
  const m = onnxModel('resnet-only').model();
  try {
    assert.equal(m.needsPixels, false);
    const features = new Float32Array(12).map((_, i) => Math.cos(i));
    const direct = makeBatch(m, data, undefined, false);
    direct.imageFeatures = [features];
    const a = await m.predict(direct, true);
    // Evaluation's loader path sets the same field.
    assert.deepEqual(await predictAll(m, data, { loadFeatures: () => [features] }), a.paths);
    assert.deepEqual(a.attention?.[0]?.shape, [2, 4, 4, 1]); // [B, heads, T, R = 1 region]
    // Different features change the image embedding: they are used, not ignored.
    const other = makeBatch(m, data, undefined, false);
    other.imageFeatures = [new Float32Array(12).fill(3)];
    const c = await m.predict(other, true);
    assert.notDeepEqual(Array.from(c.imageEmbeddings![0]!), Array.from(a.imageEmbeddings![0]!));
    await assert.rejects(
      () => m.predict(makeBatch(m, data, undefined, false)),
      (e: unknown) => e instanceof MmnerError && /needs imageFeatures\[0\]/.test(e.message),
    );
    const short = makeBatch(m, data, undefined, false);
    short.imageFeatures = [new Float32Array(5)];
    await assert.rejects(
      () => m.predict(short),
      (e: unknown) => e instanceof MmnerError && e.code === 'E_SHAPE',
    );
  } finally {
    m.dispose();
  }
});
