/**
 * The sharp re-implementation of Hugging Face image processors against PIL: the expected 8-bit
 * images were computed by scripts/fixtures/make_onnx_encoders.py with PIL as transformers does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import type { MmnerError } from '../../../src/core/errors.js';
import {
  cmykToRgb,
  decodeForProcessor,
  hfProcessorFromJson,
  loadPixelValues,
  pixelValuesInto,
  processorKey,
  readHfProcessor,
  shortestEdgeSize,
} from '../../../src/core/image/hfProcessor.node.js';

const HF = 'test/fixtures/hf';
const IMAGES = 'test/fixtures/onnx/images';
interface Case {
  image: string;
  processor: string;
  shape: number[];
  rgb_base64: string;
}
const reference = JSON.parse(readFileSync('test/fixtures/onnx/preprocess.json', 'utf8')) as {
  cases: Case[];
  pixel_values: { image: string; processor: string; shape: number[]; data: number[] };
};

test('preprocessor_config.json → steps, for the three processor families', async () => {
  const vit = await readHfProcessor(join(HF, 'vit-tiny'));
  assert.deepEqual(vit.resize, { mode: 'exact', width: 32, height: 32 });
  assert.equal(vit.crop, undefined);
  assert.equal(vit.kernel, 'linear');
  assert.deepEqual(vit.mean, [0.5, 0.5, 0.5]);
  const clip = await readHfProcessor(join(HF, 'clip-vision-tiny'));
  assert.deepEqual(clip.resize, { mode: 'shortest', edge: 32 });
  assert.deepEqual(clip.crop, { width: 32, height: 32 });
  assert.equal(clip.kernel, 'cubic');
  // ConvNext (microsoft/resnet-*): shortest edge 32/0.875 → 36, then crop 32.
  const resnet = await readHfProcessor(join(HF, 'resnet-tiny'));
  assert.deepEqual(resnet.resize, { mode: 'shortest', edge: 36 });
  assert.deepEqual(resnet.crop, { width: 32, height: 32 });
  // ConvNext at ≥ 384: a plain square resize, no crop.
  const big = hfProcessorFromJson({
    image_processor_type: 'ConvNextImageProcessor',
    size: { shortest_edge: 384 },
  });
  assert.deepEqual(big.resize, { mode: 'exact', width: 384, height: 384 });
  assert.notEqual(processorKey(vit), processorKey(clip));
  assert.throws(
    () => hfProcessorFromJson({ size: { height: 0, width: 3 } }, 'x/preprocessor_config.json'),
    (e: MmnerError) => e.code === 'E_MODEL_CONFIG' && e.file === 'x/preprocessor_config.json',
  );
  assert.throws(() => hfProcessorFromJson({ size: 32, resample: 9 }), /resample/);
  await assert.rejects(
    readHfProcessor('test/fixtures/onnx/images'),
    (e: MmnerError) => e.code === 'E_FILE_NOT_FOUND',
  );
});

test('shortest-edge geometry floors the long side as transformers does', () => {
  assert.deepEqual(shortestEdgeSize(120, 80, 32), { width: 48, height: 32 });
  assert.deepEqual(shortestEdgeSize(50, 70, 36), { width: 36, height: 50 });
  assert.deepEqual(shortestEdgeSize(40, 40, 36), { width: 36, height: 36 });
});

test('PIL cmyk2rgb', () => {
  assert.deepEqual(
    [...cmykToRgb(Uint8Array.from([0, 255, 255, 0, 0, 0, 0, 255, 128, 0, 64, 64]))],
    [255, 0, 0, 0, 0, 0, 95, 191, 143],
  );
});

// Measured against PIL on these fixtures: at most 7 levels on one value, at most 0.7 on average;
// libvips and PIL round their filters differently, so equality is not expected.
for (const c of reference.cases) {
  test(`${c.image} with the ${c.processor} processor matches PIL within a few 8-bit levels`, async () => {
    const p = await readHfProcessor(join(HF, c.processor));
    const got = await decodeForProcessor(join(IMAGES, c.image), p);
    assert.deepEqual([got.height, got.width, 3], c.shape);
    const want = Buffer.from(c.rgb_base64, 'base64');
    let max = 0;
    let sum = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(want[i]! - got.rgb[i]!);
      max = Math.max(max, d);
      sum += d;
    }
    assert.ok(max <= 8, `max difference ${max} levels`);
    assert.ok(sum / want.length <= 1, `mean difference ${(sum / want.length).toFixed(3)} levels`);
  });
}

test('rescale + normalise to CHW equals transformers’ float32 math', async () => {
  const ref = reference.pixel_values;
  const c = reference.cases.find((x) => x.image === ref.image && x.processor === ref.processor)!;
  const p = await readHfProcessor(join(HF, ref.processor));
  const out = new Float32Array(ref.data.length);
  pixelValuesInto(new Uint8Array(Buffer.from(c.rgb_base64, 'base64')), p, out);
  for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i]! - ref.data[i]!) < 1e-5, `value ${i}`);
  // And through files: the batch holds the same image as NCHW.
  const batch = await loadPixelValues([join(IMAGES, ref.image), join(IMAGES, ref.image)], p);
  assert.deepEqual(batch.dims, [2, 3, 32, 32]);
  let worst = 0;
  for (let i = 0; i < out.length; i++)
    worst = Math.max(
      worst,
      Math.abs(batch.data[i]! - out[i]!),
      Math.abs(batch.data[out.length + i]! - out[i]!),
    );
  assert.ok(worst < 2 / 255 / Math.min(...p.std), `worst ${worst}`);
});

test('EXIF orientation is applied: the red marker stays top-left', async () => {
  const p = await readHfProcessor(join(HF, 'vit-tiny'));
  for (const name of ['photo.jpg', 'exif-rotated.jpg']) {
    const { rgb } = await decodeForProcessor(join(IMAGES, name), p);
    assert.ok(
      rgb[0]! > 200 && rgb[1]! < 60 && rgb[2]! < 60,
      `${name}: top-left is ${rgb[0]},${rgb[1]},${rgb[2]}`,
    );
  }
});

test('alpha: dropped by default (as convert("RGB")), composited over white on request; CMYK through ICC on request', async () => {
  const json = JSON.parse(readFileSync(join(HF, 'vit-tiny', 'preprocessor_config.json'), 'utf8'));
  const drop = await decodeForProcessor(join(IMAGES, 'alpha.png'), hfProcessorFromJson(json));
  const flat = await decodeForProcessor(
    join(IMAGES, 'alpha.png'),
    hfProcessorFromJson(json, 'p', { alpha: 'flatten' }),
  );
  // The leftmost columns are transparent black.
  assert.ok(drop.rgb[0]! < 10, `dropped alpha: ${drop.rgb[0]}`);
  assert.ok(flat.rgb[0]! > 245, `flattened: ${flat.rgb[0]}`);
  const pil = await decodeForProcessor(join(IMAGES, 'cmyk.jpg'), hfProcessorFromJson(json));
  const icc = await decodeForProcessor(
    join(IMAGES, 'cmyk.jpg'),
    hfProcessorFromJson(json, 'p', { cmyk: 'icc' }),
  );
  let diff = 0;
  for (let i = 0; i < pil.rgb.length; i++) diff += Math.abs(pil.rgb[i]! - icc.rgb[i]!);
  assert.ok(diff / pil.rgb.length > 5, 'the ICC path gives other colours');
});

test('bad files are MmnerErrors naming the file', async () => {
  const p = await readHfProcessor(join(HF, 'clip-vision-tiny'));
  const expect = async (name: string, code: string, pattern: RegExp) => {
    const path = join(IMAGES, name);
    await assert.rejects(decodeForProcessor(path, p), (e: MmnerError) => {
      assert.equal(e.code, code, `${name}: ${e.message}`);
      assert.equal(e.file, path);
      assert.match(e.message, pattern);
      return true;
    });
  };
  await expect('bomb.png', 'E_IMAGE_TOO_LARGE', /larger than the limit/);
  await expect('truncated.jpg', 'E_IMAGE_CORRUPT', /cannot be decoded/);
  await expect('not-an-image.jpg', 'E_IMAGE_CORRUPT', /cannot be decoded/);
  await expect('missing.jpg', 'E_IMAGE_NOT_FOUND', /does not exist/);
  // A batch fails with the first bad file's error.
  await assert.rejects(
    loadPixelValues([join(IMAGES, 'photo.jpg'), join(IMAGES, 'bomb.png')], p),
    (e: MmnerError) => e.file === join(IMAGES, 'bomb.png'),
  );
});

test('without resize or crop, images of different sizes cannot share a batch', async () => {
  const p = hfProcessorFromJson({ do_resize: false, image_mean: [0, 0, 0], image_std: [1, 1, 1] });
  const one = await loadPixelValues([join(IMAGES, 'grey.png')], p);
  assert.deepEqual(one.dims, [1, 3, 96, 64]);
  await assert.rejects(
    loadPixelValues([join(IMAGES, 'grey.png'), join(IMAGES, 'photo.jpg')], p),
    (e: MmnerError) => e.code === 'E_IMAGE_SIZE',
  );
  const dir = mkdtempSync(join(tmpdir(), 'mmner-hf-'));
  try {
    await assert.rejects(decodeForProcessor(dir, p), (e: MmnerError) => e.code === 'E_IMAGE_UNREADABLE');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a large photo (12 MP) is processed; under a lower maxPixels it is refused by name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmner-hf-big-'));
  try {
    const path = join(dir, 'big.jpg');
    await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 40, g: 120, b: 200 } } })
      .jpeg()
      .toFile(path);
    const json = JSON.parse(readFileSync(join(HF, 'clip-vision-tiny', 'preprocessor_config.json'), 'utf8'));
    const got = await decodeForProcessor(path, hfProcessorFromJson(json));
    assert.deepEqual([got.width, got.height], [32, 32]);
    assert.ok(Math.abs(got.rgb[0]! - 40) <= 2 && Math.abs(got.rgb[2]! - 200) <= 2, 'the colour survives');
    await assert.rejects(
      decodeForProcessor(path, hfProcessorFromJson(json, 'p', { maxPixels: 10_000_000 })),
      (e: MmnerError) => e.code === 'E_IMAGE_TOO_LARGE' && e.file === path,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
