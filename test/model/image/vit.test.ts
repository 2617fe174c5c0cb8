// The ViT / CLIP vision encoders against the float64 PyTorch references of test/fixtures/hf (cpu and
// wasm), input re-normalisation, the image-size check, dropout, training vs frozen, and no leaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../../src/core/errors.js';
import { inspectVisionFolder, loadVisionFolder } from '../../../src/model/image/visionFolder.node.js';
import {
  CLIP_NORM,
  IMAGENET_NORM,
  renormalization,
  VIT_NORM,
  type VitConfig,
  VitEncoder,
  vitConfigFromHf,
  vitWeightSpec,
} from '../../../src/model/image/vit.js';
import { startDropoutStream } from '../../../src/model/module.js';
import { loadMapped } from '../../../src/model/weights/mapping.js';
import { openCheckpoint } from '../../../src/model/weights/safetensors.node.js';
import { initBackend } from '../../../src/train/backends.js';
import {
  assertClose,
  encodeToArrays,
  type FixtureName,
  fixtureDir,
  pipelineImages,
  readReference,
  splitCls,
} from './hfFixtures.js';

await initBackend('cpu');

/** An encoder on the fixture's weights with a config changed by `edit` (e.g. dropout on). */
async function withConfig(name: FixtureName, edit: (c: VitConfig) => VitConfig, frozen = false) {
  const info = await inspectVisionFolder(fixtureDir(name));
  assert.ok(info.kind !== 'resnet');
  const config = edit(info.config);
  await using cp = await openCheckpoint(fixtureDir(name));
  const weights = await loadMapped(cp, vitWeightSpec(config));
  return new VitEncoder(config, { weights, modelNorm: info.modelNorm, frozen });
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: ViT and CLIP match the PyTorch reference within 1e-4`, async () => {
    await initBackend(backend);
    for (const name of ['vit-tiny', 'clip-vision-tiny'] as const) {
      const ref = await readReference(name);
      const enc = await loadVisionFolder(fixtureDir(name), { imageSize: 32 });
      assert.equal(enc.outputDim, 32);
      assert.equal(enc.numRegions, 16);
      const images = pipelineImages(ref.pixels); // ImageNet-normalised, as the pipeline gives them
      const out = encodeToArrays(enc, images);
      images.dispose();
      assert.deepEqual(out.regionShape, [2, 16, 32]);
      assert.deepEqual(out.globalShape, [2, 32]);
      const { cls, patches } = splitCls(ref.last_hidden_state);
      const global = name === 'clip-vision-tiny' ? ref.pooler_output.data : cls;
      assertClose(out.regions, patches, 1e-4, `${backend} ${name} regions`);
      assertClose(out.global, global, 1e-4, `${backend} ${name} global`);
      enc.dispose();
    }
  });
}

test('re-normalisation: ImageNet-normalised input gives what the checkpoint’s own normalisation gives', async () => {
  await initBackend('cpu');
  const ref = await readReference('vit-tiny');
  const fromPipeline = await loadVisionFolder(fixtureDir('vit-tiny'));
  assert.deepEqual(fromPipeline.modelNorm, VIT_NORM);
  const own = await loadVisionFolder(fixtureDir('vit-tiny'), { inputNorm: VIT_NORM });
  const imagenet = pipelineImages(ref.pixels);
  const half = pipelineImages(ref.pixels, VIT_NORM.mean, VIT_NORM.std);
  const a = encodeToArrays(fromPipeline, imagenet);
  const b = encodeToArrays(own, half);
  assertClose(a.regions, b.regions, 1e-5, 'regions');
  assertClose(a.global, b.global, 1e-5, 'global');
  // …and the re-normalisation matters: the same ImageNet input read as 0.5/0.5 input differs.
  const c = encodeToArrays(own, imagenet);
  assert.ok(c.global.some((v, i) => Math.abs(v - a.global[i]!) > 1e-2));
  for (const t of [imagenet, half]) t.dispose();
  fromPipeline.dispose();
  own.dispose();

  assert.equal(renormalization(CLIP_NORM, CLIP_NORM), undefined);
  const r = renormalization(IMAGENET_NORM, VIT_NORM)!;
  // v = 0.485 + 0.229·x; (v − 0.5)/0.5 at x = 1: (0.714 − 0.5)/0.5 = 0.428
  assert.ok(Math.abs(r.scale[0]! + r.shift[0]! - 0.428) < 1e-6);
});

test('wrong image size: one clear error, at load and at encode', async () => {
  await initBackend('cpu');
  await assert.rejects(loadVisionFolder(fixtureDir('clip-vision-tiny'), { imageSize: 64 }), (e: unknown) => {
    assert.ok(e instanceof MmnerError);
    assert.equal(e.code, 'E_CONFIG');
    assert.match(e.message, /64×64.*takes 32×32/);
    assert.match(e.message, /set the image size to 32/);
    return true;
  });
  const enc = await loadVisionFolder(fixtureDir('vit-tiny'));
  const before = tf.memory().numTensors;
  assert.throws(
    () => tf.tidy(() => void enc.encode(tf.zeros([1, 64, 64, 3]), false)),
    (e: unknown) =>
      e instanceof MmnerError &&
      e.code === 'E_SHAPE' &&
      /\[B, 32, 32, 3\].*got \[1, 64, 64, 3\]/.test(e.message),
  );
  assert.throws(() => tf.tidy(() => void enc.encode(tf.zeros([1, 32, 32, 1]), false)), MmnerError);
  assert.equal(tf.memory().numTensors, before);
  enc.dispose();
});

test('config: HF defaults per layout, bad values named', () => {
  const clip = vitConfigFromHf({ hidden_size: 64, num_attention_heads: 4 }, 'clip', 'x/config.json');
  assert.equal(clip.activation, 'quick_gelu');
  assert.equal(clip.layerNormEps, 1e-5);
  assert.equal(clip.patchSize, 32);
  const vit = vitConfigFromHf({ hidden_act: 'gelu_new', hidden_dropout_prob: 0.1 }, 'vit');
  assert.equal(vit.activation, 'gelu_tanh');
  assert.equal(vit.layerNormEps, 1e-12);
  assert.equal(vit.hiddenDropout, 0.1);
  assert.throws(
    () => vitConfigFromHf({ hidden_act: 'swish' }, 'vit', 'm/config.json'),
    (e: unknown) =>
      e instanceof MmnerError &&
      e.code === 'E_MODEL_CONFIG' &&
      e.file === 'm/config.json' &&
      /hidden_act "swish"/.test(e.message),
  );
  assert.throws(() => vitConfigFromHf({ hidden_size: 30, num_attention_heads: 4 }, 'vit'), /multiple of/);
  assert.throws(() => vitConfigFromHf({ image_size: 0 }, 'vit'), MmnerError);
});

test('variables: names match the weight spec in both layouts; random init without weights', () => {
  for (const layout of ['vit', 'clip'] as const) {
    const config = vitConfigFromHf(
      {
        hidden_size: 16,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        intermediate_size: 24,
        image_size: 16,
        patch_size: 4,
      },
      layout,
    );
    const enc = new VitEncoder(config, { seed: 3 });
    const names = [...enc.namedVariables().keys()];
    assert.deepEqual(new Set(names), new Set(vitWeightSpec(config).map((s) => s.ourName)));
    assert.equal(names.includes('patch.bias'), layout === 'vit');
    assert.equal(names.includes('preNorm.gamma'), layout === 'clip');
    assert.deepEqual(enc.namedVariables().get('patch.kernel')!.shape, [4, 4, 3, 16]);
    assert.deepEqual(enc.namedVariables().get('position')!.shape, [17, 16]);
    const again = new VitEncoder(config, { seed: 3 });
    const w = (e: VitEncoder) => e.namedVariables().get('layers.1.mlp.fc1.kernel')!.dataSync();
    assert.deepEqual(w(enc), w(again));
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const out = encodeToArrays(enc, x);
    x.dispose();
    assert.deepEqual(out.regionShape, [2, 16, 16]);
    assert.ok(out.global.every(Number.isFinite));
    enc.dispose();
    again.dispose();
  }
});

test('dropout: training varies with the step’s stream, eval and frozen encoders do not', async () => {
  await initBackend('cpu');
  const ref = await readReference('vit-tiny');
  const images = pipelineImages(ref.pixels);
  const drop = (c: VitConfig) => ({ ...c, hiddenDropout: 0.2, attentionDropout: 0.2 });
  const enc = await withConfig('vit-tiny', drop);
  const evalOut = encodeToArrays(enc, images, false);
  const { cls } = splitCls(ref.last_hidden_state);
  assertClose(evalOut.global, cls, 1e-4, 'eval ignores dropout');
  startDropoutStream(1, 0);
  const t1 = encodeToArrays(enc, images, true);
  startDropoutStream(1, 0);
  const t1again = encodeToArrays(enc, images, true);
  startDropoutStream(1, 1);
  const t2 = encodeToArrays(enc, images, true);
  assert.deepEqual(t1.global, t1again.global);
  assert.ok(t1.global.some((v, i) => Math.abs(v - evalOut.global[i]!) > 1e-3));
  assert.ok(t1.global.some((v, i) => Math.abs(v - t2.global[i]!) > 1e-3));
  const frozen = await withConfig('vit-tiny', drop, true);
  assertClose(encodeToArrays(frozen, images, true).global, cls, 1e-4, 'frozen ignores training');
  images.dispose();
  enc.dispose();
  frozen.dispose();
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: a training step moves every ViT weight; a frozen CLIP keeps its weights; no leaks`, async () => {
    await initBackend(backend);
    for (const [name, frozen] of [
      ['vit-tiny', false],
      ['clip-vision-tiny', true],
    ] as const) {
      const ref = await readReference(name);
      const enc = await loadVisionFolder(fixtureDir(name), { frozen });
      const images = pipelineImages(ref.pixels);
      const head = tf.variable(tf.randomNormal([32, 3], 0, 0.3, 'float32', 7));
      const vars = [...enc.namedVariables()];
      assert.equal(
        vars.every(([, v]) => v.trainable === !frozen),
        true,
      );
      const trainable = [...vars.map(([, v]) => v).filter((v) => v.trainable), head];
      const before = new Map(vars.map(([n, v]) => [n, v.dataSync().slice()]));
      const headBefore = head.dataSync().slice();
      const opt = tf.train.sgd(0.05);
      const step = () =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const { regions, global } = enc.encode(images, true);
            const logits = tf.matMul(global, head);
            return tf.add(tf.sum(tf.square(logits)), tf.mul(tf.mean(tf.square(regions)), 0.1)) as tf.Scalar;
          }, trainable);
          opt.applyGradients(grads);
        });
      step();
      const count = tf.memory().numTensors;
      step();
      for (let i = 0; i < 3; i++) encodeToArrays(enc, images, i % 2 === 0);
      assert.equal(tf.memory().numTensors, count, 'tensors after more steps and encodes');
      for (const [n, v] of vars) {
        const moved = v.dataSync().some((x, i) => x !== before.get(n)![i]);
        assert.equal(moved, !frozen, `${name} ${n} ${frozen ? 'must stay' : 'must move'}`);
      }
      assert.ok(head.dataSync().some((x, i) => x !== headBefore[i]));
      images.dispose();
      head.dispose();
      opt.dispose();
      enc.dispose();
    }
  });
}
