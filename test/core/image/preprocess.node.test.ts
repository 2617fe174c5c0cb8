// Image decoding and preprocessing against hand-computed pixels on tiny images made with sharp:
// resize modes, grey, alpha, EXIF orientation, corrupt/oversize/missing files, batches, the cache.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { MmnerError } from '../../../src/core/errors.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../../src/core/image/options.js';
import {
  blankImage,
  decodeImage,
  ImageCache,
  loadImage,
  loadImages,
} from '../../../src/core/image/preprocess.node.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmner-img-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes raw 8-bit pixels as a PNG (or JPEG) and returns its path. */
async function image(
  name: string,
  pixels: number[],
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
): Promise<string> {
  const path = join(dir, name);
  await sharp(Buffer.from(pixels), { raw: { width, height, channels } }).png().toFile(path);
  return path;
}

const solid = (rgb: number[], n: number) => Array.from({ length: n }, () => rgb).flat();

/** The normalised value of 8-bit channel value v in channel c (ImageNet stats). */
const norm = (v: number, c: number) => (v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;

function assertPixel(img: Float32Array, size: number, y: number, x: number, rgb: number[], tol = 1e-5): void {
  for (let c = 0; c < 3; c++) {
    const got = img[(y * size + x) * 3 + c]!;
    const want = norm(rgb[c]!, c);
    assert.ok(Math.abs(got - want) <= tol, `pixel (${y},${x}) channel ${c}: ${got} vs ${want}`);
  }
}

async function rejectsWith(p: Promise<unknown>, code: string, file: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MmnerError, `expected MmnerError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.file, file);
    assert.ok(e.message.includes(file), 'the message names the file');
    return true;
  });
}

test('a solid colour gives exact normalised values everywhere', async () => {
  const path = await image('solid.png', solid([200, 100, 50], 5 * 3), 5, 3, 3);
  for (const resize of ['cover', 'contain', 'squash'] as const) {
    const img = await loadImage(path, { size: 4, resize: 'squash' });
    assert.equal(img.length, 4 * 4 * 3, resize);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) assertPixel(img, 4, y, x, [200, 100, 50]);
  }
});

test('squash with nearest: a 2×2 image upscaled to 4×4 is four 2×2 blocks', async () => {
  const colours = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 255],
  ];
  const path = await image('two.png', colours.flat(), 2, 2, 3);
  const img = await loadImage(path, { size: 4, resize: 'squash', kernel: 'nearest' });
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++)
      assertPixel(img, 4, y, x, colours[Math.floor(y / 2) * 2 + Math.floor(x / 2)]!);
  }
  // Custom mean/std: v/255 − 0.5 over 0.5.
  const custom = await loadImage(path, {
    size: 2,
    resize: 'squash',
    kernel: 'nearest',
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
  });
  assert.deepEqual([...custom.slice(0, 3)], [1, -1, -1]);
});

test('cover crops the centre; contain pads with the mean colour', async () => {
  // 4×2: columns red, red, green, blue.
  const row = [255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255];
  const path = await image('wide.png', [...row, ...row], 4, 2, 3);
  const cover = await loadImage(path, { size: 2, resize: 'cover', kernel: 'nearest' });
  assertPixel(cover, 2, 0, 0, [255, 0, 0]);
  assertPixel(cover, 2, 1, 1, [0, 255, 0]);
  const contain = await loadImage(path, { size: 4, resize: 'contain', kernel: 'nearest' });
  // Rows 0 and 3 are padding: the mean colour rounded to 8 bits, so within half a level of 0.
  for (const y of [0, 3]) {
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(contain[y * 12 + i]!) < 0.5 / 255 / 0.224 + 1e-6);
  }
  assertPixel(contain, 4, 1, 0, [255, 0, 0]);
  assertPixel(contain, 4, 2, 3, [0, 0, 255]);
});

test('grey images become three equal channels', async () => {
  const path = await image('grey.png', [10, 20, 30, 40], 2, 2, 1);
  const rgb = await decodeImage(path, { size: 2, kernel: 'nearest' });
  assert.deepEqual([...rgb], [10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40]);
  const img = await loadImage(path, { size: 2, kernel: 'nearest' });
  assertPixel(img, 2, 1, 1, [40, 40, 40]);
});

test('alpha is composited on white', async () => {
  // RGBA: opaque red, transparent black, half-transparent blue (128/255 opaque), opaque green.
  const path = await image(
    'alpha.png',
    [255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 128, 0, 255, 0, 255],
    2,
    2,
    4,
  );
  const rgb = await decodeImage(path, { size: 2, kernel: 'nearest' });
  assert.deepEqual([...rgb.slice(0, 6)], [255, 0, 0, 255, 255, 255]);
  // 0·a + 255·(1−a) = 127, 255·a + 255·(1−a) = 255 (±1 for rounding).
  assert.ok(Math.abs(rgb[6]! - 127) <= 1 && Math.abs(rgb[7]! - 127) <= 1 && rgb[8] === 255, `${[...rgb]}`);
  assert.deepEqual([...rgb.slice(9)], [0, 255, 0]);
  // Grey + alpha too.
  const ga = await image('ga.png', [10, 255, 20, 0], 2, 1, 2);
  assert.deepEqual(
    [...(await decodeImage(ga, { size: 2, resize: 'squash', kernel: 'nearest' })).slice(0, 6)],
    [10, 10, 10, 255, 255, 255],
  );
});

test('EXIF orientation 6 is applied (rotated 90° clockwise)', async () => {
  // 16×8: top half white, bottom half black; stored with orientation 6.
  const w = 16;
  const h = 8;
  const pixels = Array.from({ length: w * h }, (_, i) =>
    Math.floor(i / w) < h / 2 ? [255, 255, 255] : [0, 0, 0],
  ).flat();
  const path = join(dir, 'rot.jpg');
  await sharp(Buffer.from(pixels), { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
    .withMetadata({ orientation: 6 })
    .toFile(path);
  assert.equal((await sharp(path).metadata()).orientation, 6);
  // Displayed: 8 wide × 16 tall, the old top edge on the right. Contain into 16×16 pads columns
  // 0–3 and 12–15; content columns 4–7 are black, 8–11 white.
  const rgb = await decodeImage(path, { size: 16, resize: 'contain', kernel: 'nearest' });
  const at = (y: number, x: number) => rgb[(y * 16 + x) * 3]!;
  for (const y of [1, 8, 14]) {
    assert.ok(at(y, 5) < 20, `left content dark at row ${y}: ${at(y, 5)}`);
    assert.ok(at(y, 10) > 235, `right content white at row ${y}: ${at(y, 10)}`);
    assert.equal(at(y, 1), Math.round(IMAGENET_MEAN[0] * 255), 'padding on the left');
  }
});

test('corrupt, truncated, missing and oversize files are MmnerErrors naming the file', async () => {
  const junk = join(dir, 'junk.png');
  await writeFile(junk, 'this is not an image');
  await rejectsWith(loadImage(junk), 'E_IMAGE_CORRUPT', junk);

  const good = await sharp({
    create: { width: 32, height: 32, channels: 3, background: { r: 9, g: 99, b: 199 } },
  })
    .jpeg()
    .toBuffer();
  const cut = join(dir, 'cut.jpg');
  await writeFile(cut, good.subarray(0, good.length - 60));
  await rejectsWith(loadImage(cut), 'E_IMAGE_CORRUPT', cut);

  const gone = join(dir, 'gone.png');
  await rejectsWith(loadImage(gone), 'E_IMAGE_NOT_FOUND', gone);
  await rejectsWith(loadImage(dir), 'E_IMAGE_UNREADABLE', dir);

  const big = await image('big.png', solid([1, 2, 3], 10 * 10), 10, 10, 3);
  await rejectsWith(loadImage(big, { maxPixels: 99 }), 'E_IMAGE_TOO_LARGE', big);
  assert.equal((await loadImage(big, { maxPixels: 100, size: 2 })).length, 12);
  // A batch fails with the bad file's error.
  await rejectsWith(loadImages([big, junk, big], { size: 2 }, 2), 'E_IMAGE_CORRUPT', junk);
});

test('bad options are E_CONFIG errors', async () => {
  const path = await image('opt.png', solid([1, 2, 3], 4), 2, 2, 3);
  for (const bad of [
    { size: 0 },
    { size: 2.5 },
    { resize: 'stretch' as 'cover' },
    { std: [1, 0, 1] as const },
  ]) {
    await assert.rejects(
      loadImage(path, bad),
      (e: unknown) => e instanceof MmnerError && e.code === 'E_CONFIG',
    );
  }
});

test('batches keep order, use blank images for undefined, and go through the cache', async () => {
  const a = await image('a.png', solid([255, 0, 0], 9), 3, 3, 3);
  const b = await image('b.png', solid([0, 0, 255], 9), 3, 3, 3);
  const size = 3;
  const n = size * size * 3;
  const cache = new ImageCache();
  const paths = [b, undefined, a, b, undefined];
  const batch = await loadImages(paths, { size }, 3, cache);
  assert.equal(batch.length, paths.length * n);
  const imageAt = (i: number) => batch.subarray(i * n, (i + 1) * n);
  assertPixel(imageAt(0), size, 2, 2, [0, 0, 255]);
  assertPixel(imageAt(2), size, 0, 0, [255, 0, 0]);
  assertPixel(imageAt(3), size, 1, 1, [0, 0, 255]);
  assert.deepEqual(imageAt(1), blankImage(size));
  assert.ok(imageAt(4).every((v) => v === 0));
  // a and b decoded once each (b twice concurrently at most), then all hits.
  assert.equal(cache.stats().entries, 2);
  const missesBefore = cache.stats().misses;
  const again = await loadImages(paths, { size }, 3, cache);
  assert.deepEqual(again, batch);
  assert.equal(cache.stats().misses, missesBefore, 'second epoch decodes nothing');
  // Other decode options are other entries; other mean/std share the decoded pixels.
  await loadImages([a], { size: 2 }, 1, cache);
  assert.equal(cache.stats().entries, 3);
  const other = await loadImages([a], { size, mean: [0, 0, 0], std: [1, 1, 1] }, 1, cache);
  assert.equal(cache.stats().entries, 3);
  assert.equal(other[0], 1);
  assert.equal((await loadImages([], { size })).length, 0);
});

test('blankImage is zeros (the mean colour) of the right size', () => {
  const blank = blankImage(8);
  assert.equal(blank.length, 8 * 8 * 3);
  assert.ok(blank.every((v) => v === 0));
  assert.equal(blankImage().length, 64 * 64 * 3);
});
