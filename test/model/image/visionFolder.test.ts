// Loading image encoders from Hugging Face folders: what each config.json becomes, prefixed and
// bare weight names, a CLIP vision-only folder, f16 and sharded copies, processor mean/std, and
// every user mistake as one MmnerError naming the path.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../../src/core/errors.js';
import { ResNetEncoder } from '../../../src/model/image/resnet.js';
import { inspectVisionFolder, loadVisionFolder } from '../../../src/model/image/visionFolder.node.js';
import { CLIP_NORM, IMAGENET_NORM, VIT_NORM, VitEncoder } from '../../../src/model/image/vit.js';
import { f16ToF32 } from '../../../src/model/weights/dtype.js';
import { initBackend } from '../../../src/train/backends.js';
import {
  assertClose,
  encodeToArrays,
  type FixtureName,
  f16Bits,
  fixtureDir,
  pipelineImages,
  readReference,
  rewriteFixture,
} from './hfFixtures.js';

await initBackend('cpu');

const temps: string[] = [];
after(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});
async function variant(name: FixtureName, o: Parameters<typeof rewriteFixture>[1]): Promise<string> {
  const dir = await rewriteFixture(name, o);
  temps.push(dir);
  return dir;
}

/** Encodes the fixture's reference pixels with the encoder of `folder`. */
async function outputsOf(name: FixtureName, folder: string) {
  const ref = await readReference(name);
  const enc = await loadVisionFolder(folder);
  const images = pipelineImages(ref.pixels);
  const out = encodeToArrays(enc, images);
  images.dispose();
  enc.dispose();
  return out;
}

const ALL: FixtureName[] = ['vit-tiny', 'clip-vision-tiny', 'resnet-tiny'];
const baseline = new Map<FixtureName, Awaited<ReturnType<typeof outputsOf>>>();
for (const name of ALL) baseline.set(name, await outputsOf(name, fixtureDir(name)));

test('config.json decides the encoder; preprocessor_config.json its mean/std', async () => {
  const vit = await inspectVisionFolder(fixtureDir('vit-tiny'));
  assert.equal(vit.kind, 'vit');
  assert.deepEqual(vit.modelNorm, { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  const clip = await inspectVisionFolder(fixtureDir('clip-vision-tiny'));
  assert.equal(clip.modelType, 'clip');
  assert.equal(clip.kind, 'clip');
  assert.deepEqual(clip.modelNorm, { mean: [...CLIP_NORM.mean], std: [...CLIP_NORM.std] });
  assert.equal(clip.kind === 'clip' && clip.config.activation, 'quick_gelu'); // CLIP's default: absent from the fixture
  const resnet = await inspectVisionFolder(fixtureDir('resnet-tiny'));
  assert.equal(resnet.kind, 'resnet');
  assert.deepEqual(resnet.modelNorm, { mean: [...IMAGENET_NORM.mean], std: [...IMAGENET_NORM.std] });

  for (const name of ALL) {
    // loading leaves exactly one tensor per variable (nothing stray), disposing none
    const before = tf.memory().numTensors;
    const enc = await loadVisionFolder(fixtureDir(name));
    assert.ok(name === 'resnet-tiny' ? enc instanceof ResNetEncoder : enc instanceof VitEncoder);
    assert.equal(tf.memory().numTensors - before, enc.namedVariables().size, name);
    enc.dispose();
    assert.equal(tf.memory().numTensors, before, name);
  }
  const r = await loadVisionFolder(fixtureDir('resnet-tiny'), { imageSize: 64 });
  assert.ok(r instanceof ResNetEncoder);
  assert.equal(r.numRegions, 64); // 64 → 32 → 16 → 16 → 8
  r.dispose();
});

test('no preprocessor_config.json: each kind’s own default; do_normalize false and rescale folded in', async () => {
  const dir = await variant('clip-vision-tiny', { processor: false });
  assert.deepEqual((await inspectVisionFolder(dir)).modelNorm, CLIP_NORM);
  const vit = await variant('vit-tiny', { processor: false });
  assert.deepEqual((await inspectVisionFolder(vit)).modelNorm, VIT_NORM);
  await writeFile(join(vit, 'preprocessor_config.json'), JSON.stringify({ do_normalize: false }));
  assert.deepEqual((await inspectVisionFolder(vit)).modelNorm, { mean: [0, 0, 0], std: [1, 1, 1] });
  // pixels 0–255 (no rescale), mean/std in those units: the same as 0–1 with mean/255, std/255
  await writeFile(
    join(vit, 'preprocessor_config.json'),
    JSON.stringify({
      do_rescale: false,
      image_mean: [127.5, 127.5, 127.5],
      image_std: [127.5, 127.5, 127.5],
    }),
  );
  const n = (await inspectVisionFolder(vit)).modelNorm;
  assertClose(n.mean, [0.5, 0.5, 0.5], 1e-12, 'mean');
  assertClose(n.std, [0.5, 0.5, 0.5], 1e-12, 'std');
  await writeFile(join(vit, 'preprocessor_config.json'), JSON.stringify({ image_std: [0.5, 0] }));
  await assert.rejects(
    inspectVisionFolder(vit),
    (e: unknown) => e instanceof MmnerError && /image_std/.test(e.message),
  );
});

test('weight names with or without the model prefix give the same encoder', async () => {
  const bare: Record<FixtureName, (n: string) => string | undefined> = {
    'vit-tiny': (n) => (n.startsWith('vit.') ? n.slice(4) : undefined),
    'clip-vision-tiny': (n) => (n.startsWith('vision_model.') ? n.slice('vision_model.'.length) : undefined),
    'resnet-tiny': (n) => (n.startsWith('resnet.') ? n.slice(7) : undefined),
  };
  for (const name of ALL) {
    const dir = await variant(name, { rename: bare[name] });
    const out = await outputsOf(name, dir);
    assert.deepEqual(out.regions, baseline.get(name)!.regions, name);
    assert.deepEqual(out.global, baseline.get(name)!.global, name);
  }
});

test('CLIP: a vision-only folder (clip_vision_model) loads like the full checkpoint, text tower ignored', async () => {
  const full = await inspectVisionFolder(fixtureDir('clip-vision-tiny'));
  const config = JSON.parse(await readFile(join(fixtureDir('clip-vision-tiny'), 'config.json'), 'utf8'));
  const dir = await variant('clip-vision-tiny', {
    config: { ...config.vision_config, model_type: 'clip_vision_model', architectures: ['CLIPVisionModel'] },
    rename: (n) => (n.startsWith('vision_model.') ? n : undefined),
  });
  const info = await inspectVisionFolder(dir);
  assert.equal(info.kind, 'clip');
  assert.deepEqual(info.config, full.config);
  const out = await outputsOf('clip-vision-tiny', dir);
  assert.deepEqual(out.global, baseline.get('clip-vision-tiny')!.global);
});

test('a missing and a mis-shaped weight: ONE MmnerError listing both', async () => {
  const missing = 'vit.encoder.layer.1.attention.attention.key.bias';
  const misShaped = 'vit.encoder.layer.0.intermediate.dense.weight';
  const dir = await variant('vit-tiny', {
    rename: (n) => (n === missing ? undefined : n),
    edit: (n, t) => (n === misShaped ? { ...t, shape: [32, 64], data: t.data } : t),
  });
  await assert.rejects(loadVisionFolder(dir), (e: unknown) => {
    assert.ok(e instanceof MmnerError);
    assert.equal(e.code, 'E_WEIGHTS_MAPPING');
    assert.equal(e.file, join(dir, 'model.safetensors'));
    assert.match(e.message, /1 missing, 1 mis-shaped/);
    assert.ok(e.message.includes(`"${missing}"`), e.message);
    assert.ok(
      e.message.includes(`"${misShaped}": expected [64, 32], stored transposed as [out, in], found [32, 64]`),
    );
    assert.match(e.message, /ViT/);
    return true;
  });
});

test('f16 weights agree with f32 within f16 precision', async () => {
  // the converter itself: ties to even, subnormals, overflow
  assert.equal(f16ToF32(new Uint16Array([f16Bits(1 / 3)]))[0], 0.333251953125);
  assert.equal(f16Bits(2 ** -24), 0x0001);
  assert.equal(f16Bits(1 + 2 ** -11), 0x3c00); // a tie rounds to the even mantissa
  assert.equal(f16Bits(-70000), 0xfc00);
  for (const name of ALL) {
    const dir = await variant(name, { f16: true });
    const out = await outputsOf(name, dir);
    const base = baseline.get(name)!;
    // f16 keeps 11 significant bits (relative error ≤ 2^-11 per weight); through a few layers that
    // stays well under 3e-2 relative to each output's scale
    const scale = Math.max(...base.regions.map(Math.abs));
    const worst = assertClose(out.regions, base.regions, 3e-2 * Math.max(1, scale), `${name} f16 regions`);
    assertClose(out.global, base.global, 3e-2 * Math.max(1, scale), `${name} f16 global`);
    assert.ok(worst > 0, `${name}: f16 must change something`);
  }
});

test('sharded checkpoints (model.safetensors.index.json) load like one file', async () => {
  const dir = await variant('resnet-tiny', { shards: 3 });
  const out = await outputsOf('resnet-tiny', dir);
  assert.deepEqual(out.regions, baseline.get('resnet-tiny')!.regions);
});

test('user mistakes: missing folder, config, weights; unsupported model_type; bad JSON', async () => {
  const tensors = tf.memory().numTensors;
  const nowhere = join(tmpdir(), 'mmner-no-such-model-folder');
  await assert.rejects(loadVisionFolder(nowhere), (e: unknown) => {
    assert.ok(e instanceof MmnerError);
    assert.equal(e.code, 'E_FILE_NOT_FOUND');
    assert.ok(e.message.includes(nowhere));
    assert.match(e.message, /config\.json and model\.safetensors/);
    return true;
  });
  const empty = await mkdtemp(join(tmpdir(), 'mmner-empty-'));
  temps.push(empty);
  await assert.rejects(
    loadVisionFolder(empty),
    (e: unknown) =>
      e instanceof MmnerError && e.code === 'E_FILE_NOT_FOUND' && e.file === join(empty, 'config.json'),
  );
  await writeFile(join(empty, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 768 }));
  await assert.rejects(loadVisionFolder(empty), (e: unknown) => {
    assert.ok(e instanceof MmnerError);
    assert.equal(e.code, 'E_MODEL_TYPE');
    assert.match(e.message, /model_type "bert" is not an image encoder/);
    assert.match(e.message, /vit, clip_vision_model, clip .* resnet/);
    return true;
  });
  await writeFile(join(empty, 'config.json'), JSON.stringify({ model_type: 'clip' }));
  await assert.rejects(loadVisionFolder(empty), /vision_config/);
  await writeFile(join(empty, 'config.json'), '{"model_type": "vit",');
  await assert.rejects(
    loadVisionFolder(empty),
    (e: unknown) => e instanceof MmnerError && e.code === 'E_MODEL_CONFIG',
  );
  await writeFile(join(empty, 'config.json'), JSON.stringify({ model_type: 'resnet' }));
  await assert.rejects(
    loadVisionFolder(empty),
    (e: unknown) =>
      e instanceof MmnerError &&
      e.code === 'E_WEIGHTS_NO_CHECKPOINT' &&
      e.message.includes(empty.split('/').pop()!),
  );
  const file = join(empty, 'config.json');
  await assert.rejects(
    loadVisionFolder(file),
    (e: unknown) => e instanceof MmnerError && /not a model folder/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, tensors);
});
