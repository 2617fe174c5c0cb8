/**
 * Frozen image features through the ONNX encoders, with and without the on-disk feature cache:
 * 48 JPEG photos (640×480) → ConvNext-style preprocessing (shortest edge 256, crop 224) → the tiny
 * ResNet export of test/fixtures/onnx → pooled features. The model is tiny, so the rows measure
 * decoding + preprocessing (what the cache saves besides the encoder itself) against hashing +
 * reading 16-byte-header float32 files.
 *   node --import tsx bench/onnx-encoders.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { FeatureCache } from '../src/core/image/featureCache.node.js';
import { hfProcessorFromJson } from '../src/core/image/hfProcessor.node.js';
import { OnnxImageEncoder } from '../src/onnx/encoders.js';
import type { BenchRow } from './types.js';

const IMAGES = 48;

async function writePhotos(dir: string): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const w = 640;
    const h = 480;
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        raw[o] = (x * (i + 3) + y) & 255;
        raw[o + 1] = (y * 2 + i * 7) & 255;
        raw[o + 2] = ((x ^ y) + i) & 255;
      }
    }
    const path = join(dir, `photo-${i}.jpg`);
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 85 })
      .toFile(path);
    paths.push(path);
  }
  return paths;
}

export async function benchOnnxEncoders(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mmner-bench-onnx-'));
  try {
    const paths = await writePhotos(dir);
    const processor = hfProcessorFromJson({
      image_processor_type: 'ConvNextImageProcessor',
      size: { shortest_edge: 224 },
      crop_pct: 0.875,
      resample: 3,
      image_mean: [0.485, 0.456, 0.406],
      image_std: [0.229, 0.224, 0.225],
    });
    const model = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'onnx', 'resnet-tiny');
    const enc = await OnnxImageEncoder.load(model, { processor, batchSize: 16, log: () => {} });
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return (performance.now() - t) / 1000;
    };
    await enc.encodeFiles(paths.slice(0, 4)); // warm-up (sharp, onnxruntime threads)
    const none = await time(() => enc.encodeFiles(paths));
    const cache = await FeatureCache.open(join(dir, 'cache'), await enc.cacheKey('pooled'));
    const cold = await time(() => enc.encodeFilesCached(paths, cache));
    const warm = await time(() => enc.encodeFilesCached(paths, cache));
    await enc.release();
    const note = `${IMAGES} JPEG 640×480 → 224×224, tiny ResNet on ${enc.provider}`;
    const rate = (s: number) => Math.round((IMAGES / s) * 10) / 10;
    return [
      { name: 'onnx image features, no cache', value: rate(none), unit: 'images/s', note },
      {
        name: 'onnx image features, cache cold (compute + write)',
        value: rate(cold),
        unit: 'images/s',
        note,
      },
      { name: 'onnx image features, cache warm (hash + read)', value: rate(warm), unit: 'images/s', note },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await benchOnnxEncoders()) {
    console.log(`${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}`);
  }
}
