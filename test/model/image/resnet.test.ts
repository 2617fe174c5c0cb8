// The frozen ResNet encoder against the float64 PyTorch reference of test/fixtures/hf/resnet-tiny
// (cpu and wasm): inference BatchNorm, symmetric padding on odd sizes, the stride placement of
// downsample_in_bottleneck, grid arithmetic, the size check, and no leaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../../src/core/errors.js';
import {
  RESNET_152,
  type ResNetConfig,
  ResNetEncoder,
  resnetConfigFromHf,
  resnetGrid,
  resnetWeightSpec,
} from '../../../src/model/image/resnet.js';
import { inspectVisionFolder } from '../../../src/model/image/visionFolder.node.js';
import { loadMapped } from '../../../src/model/weights/mapping.js';
import { openCheckpoint } from '../../../src/model/weights/safetensors.node.js';
import { initBackend } from '../../../src/train/backends.js';
import { assertClose, encodeToArrays, fixtureDir, pipelineImages, readReference } from './hfFixtures.js';

await initBackend('cpu');

const DIR = fixtureDir('resnet-tiny');
const ref = await readReference('resnet-tiny');

async function fixtureConfig(): Promise<ResNetConfig> {
  const info = await inspectVisionFolder(DIR);
  assert.equal(info.kind, 'resnet');
  return info.config as ResNetConfig;
}

/** The tiny ResNet on the fixture's weights, with its config changed by `edit`. */
async function encoder(
  edit: (c: ResNetConfig) => ResNetConfig = (c) => c,
  imageSize = 32,
): Promise<ResNetEncoder> {
  const config = edit(await fixtureConfig());
  await using cp = await openCheckpoint(DIR);
  const weights = await loadMapped(cp, resnetWeightSpec(config), { what: 'the tiny ResNet' });
  return new ResNetEncoder(config, { weights, imageSize });
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: matches the PyTorch reference within 1e-4 (32×32, odd 33×39, downsample_in_bottleneck)`, async () => {
    await initBackend(backend);
    const enc = await encoder();
    assert.equal(enc.outputDim, 32);
    assert.equal(enc.numRegions, 16); // 32 → 16 (stem) → 8 (pool) → 8 → 4
    const images = pipelineImages(ref.pixels);
    const out = encodeToArrays(enc, images);
    assert.deepEqual(out.regionShape, ref.regions.shape);
    assertClose(out.regions, ref.regions.data, 1e-4, `${backend} regions`);
    assertClose(out.global, ref.pooler_output.data, 1e-4, `${backend} global`);

    const odd = pipelineImages(ref.odd.pixels);
    const oddOut = encodeToArrays(enc, odd);
    assert.deepEqual(oddOut.regionShape, ref.odd.regions.shape); // [1, 25, 32]: 33×39 → 5×5
    assertClose(oddOut.regions, ref.odd.regions.data, 1e-4, `${backend} odd regions`);
    assertClose(oddOut.global, ref.odd.pooler_output.data, 1e-4, `${backend} odd global`);

    const early = await encoder((c) => ({ ...c, downsampleInBottleneck: true }));
    const earlyOut = encodeToArrays(early, images);
    assertClose(
      earlyOut.regions,
      ref.downsample_in_bottleneck.regions.data,
      1e-4,
      `${backend} early-stride regions`,
    );
    assertClose(
      earlyOut.global,
      ref.downsample_in_bottleneck.pooler_output.data,
      1e-4,
      `${backend} early-stride global`,
    );
    for (const t of [images, odd]) t.dispose();
    enc.dispose();
    early.dispose();
  });
}

test('frozen: no trainable variable, `training` changes nothing, no leaks', async () => {
  await initBackend('cpu');
  const enc = await encoder();
  assert.equal(enc.frozen, true);
  assert.ok([...enc.namedVariables().values()].every((v) => !v.trainable));
  const images = pipelineImages(ref.pixels);
  const a = encodeToArrays(enc, images, false);
  const count = tf.memory().numTensors;
  const b = encodeToArrays(enc, images, true);
  for (let i = 0; i < 3; i++) encodeToArrays(enc, images, i % 2 === 0);
  assert.equal(tf.memory().numTensors, count);
  assert.deepEqual(a.global, b.global);
  images.dispose();
  enc.dispose();
});

test('variables: BatchNorm folded into each conv, one kernel and bias per conv', async () => {
  const config = await fixtureConfig();
  const enc = new ResNetEncoder(config, { imageSize: 32, seed: 1 });
  const names = [...enc.namedVariables().keys()];
  const convs = resnetWeightSpec(config).filter((s) => s.ourName.endsWith('convolution.weight'));
  assert.equal(names.length, 2 * convs.length);
  assert.deepEqual(names.slice(0, 2), ['embedder.kernel', 'embedder.bias']);
  // stage 0 layer 0 changes width (8 → 16): shortcut; stage 1 layer 1 keeps it: none
  assert.ok(names.includes('stages.0.layers.0.shortcut.kernel'));
  assert.ok(!names.includes('stages.1.layers.1.shortcut.kernel'));
  assert.deepEqual(enc.namedVariables().get('stages.1.layers.0.conv2.kernel')!.shape, [3, 3, 8, 8]);
  enc.dispose();
});

test('grid: any size ≥ 32, rounding up at each halving; numRegions follows imageSize', async () => {
  await initBackend('cpu');
  assert.equal(resnetGrid(224, RESNET_152), 7);
  assert.equal(resnetGrid(33, RESNET_152), 2);
  const config = await fixtureConfig();
  const enc = new ResNetEncoder(config, { imageSize: 45, seed: 2 });
  assert.equal(enc.numRegions, 36); // 45 → 23 → 12 → 12 → 6
  for (const [h, w] of [
    [45, 45],
    [32, 57],
  ] as const) {
    const x = tf.zeros([1, h, w, 3]) as tf.Tensor4D;
    const out = encodeToArrays(enc, x);
    x.dispose();
    assert.deepEqual(out.regionShape, [1, resnetGrid(h, config) * resnetGrid(w, config), 32]);
  }
  const before = tf.memory().numTensors;
  assert.throws(
    () => tf.tidy(() => void enc.encode(tf.zeros([1, 31, 40, 3]), false)),
    (e: unknown) => e instanceof MmnerError && e.code === 'E_SHAPE' && /H, W ≥ 32/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => new ResNetEncoder(config, { imageSize: 16 }), MmnerError);
  enc.dispose();
});

test('basic layers: two 3×3 convs per layer, shortcut only where the shape changes', async () => {
  await initBackend('cpu');
  const config = resnetConfigFromHf({
    embedding_size: 4,
    hidden_sizes: [4, 8],
    depths: [2, 1],
    layer_type: 'basic',
  });
  const spec = resnetWeightSpec(config).map((s) => s.ourName);
  assert.ok(spec.includes('encoder.stages.0.layers.1.layer.1.convolution.weight'));
  assert.ok(!spec.some((n) => n.includes('layer.2')));
  assert.ok(!spec.some((n) => n.startsWith('encoder.stages.0.layers.0.shortcut')));
  assert.ok(spec.includes('encoder.stages.1.layers.0.shortcut.normalization.running_var'));
  const enc = new ResNetEncoder(config, { imageSize: 32 });
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
  const out = encodeToArrays(enc, x);
  x.dispose();
  assert.deepEqual(out.regionShape, [2, 16, 8]);
  assert.ok(out.global.some((v) => v > 0));
  enc.dispose();
});

test('config: HF defaults, bad and unsupported values named', () => {
  const c = resnetConfigFromHf({}, 'r/config.json');
  assert.deepEqual(c.depths, [3, 4, 6, 3]);
  assert.equal(c.downsampleInBottleneck, false);
  assert.throws(
    () => resnetConfigFromHf({ hidden_sizes: [8, 16], depths: [1] }, 'r/config.json'),
    (e: unknown) =>
      e instanceof MmnerError && e.file === 'r/config.json' && /2 stages|1 stages/.test(e.message),
  );
  assert.throws(() => resnetConfigFromHf({ hidden_act: 'gelu' }), /not supported/);
  assert.throws(() => resnetConfigFromHf({ layer_type: 'preactivation' }), /bottleneck/);
});
