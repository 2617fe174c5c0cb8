/**
 * Attention heatmaps over an image: grid upsampling (bilinear and nearest), the colour ramp, and
 * the composited PNG, whose hottest region must be the one the weights say.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { isMmnerError } from '../../src/core/errors.js';
import {
  attentionHeatmapPng,
  rampColor,
  readImageSource,
  upsampleGrid,
} from '../../src/viz/report/attention.node.js';
import { pngSize } from './helpers.js';

/** A uniform mid-grey image, so any colour in the output comes from the overlay. */
async function greyImage(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .png()
    .toBuffer();
}

/** Mean absolute difference from grey over a pixel rectangle of an RGB raw image. */
function deviation(raw: Buffer, width: number, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      for (let c = 0; c < 3; c++) sum += Math.abs(raw[(y * width + x) * 3 + c]! - 128);
      n += 3;
    }
  }
  return sum / n;
}

describe('upsampleGrid', () => {
  test('nearest: blocks of the grid, scaled so the top weight is 1', () => {
    const out = upsampleGrid([0.1, 0.4, 0.2, 0.3], [2, 2], 4, 4, 'nearest');
    assert.deepEqual(
      [...out].map((v) => Math.round(v * 100) / 100),
      [0.25, 0.25, 1, 1, 0.25, 0.25, 1, 1, 0.5, 0.5, 0.75, 0.75, 0.5, 0.5, 0.75, 0.75],
    );
  });

  test('bilinear: cell centres keep their value, between them it blends, edges clamp', () => {
    const out = upsampleGrid([0, 1], [1, 2], 4, 1, 'bilinear');
    // Pixel centres at u = -0.25, 0.25, 0.75, 1.25 in cell units.
    assert.deepEqual(
      [...out].map((v) => Math.round(v * 100) / 100),
      [0, 0.25, 0.75, 1],
    );
  });

  test('a weight count that does not fit the grid is an error', () => {
    assert.throws(
      () => upsampleGrid([1, 2, 3], [2, 2], 4, 4),
      (e) => isMmnerError(e) && e.code === 'E_ATTENTION_GRID',
    );
  });

  test('the ramp runs dark to light', () => {
    const lum = (t: number) => rampColor(t).reduce((a, b) => a + b, 0);
    assert.ok(lum(0) < lum(0.5) && lum(0.5) < lum(1));
    assert.deepEqual(rampColor(2), rampColor(1));
  });
});

describe('attentionHeatmapPng', () => {
  test('the hottest region is the most tinted part of the image', async () => {
    const size = 120;
    // 2×3 grid: all attention on row 1, column 2 (bottom right).
    const weights = [0, 0, 0, 0, 0, 1];
    const png = await attentionHeatmapPng(await greyImage(300, 200), weights, [2, 3], {
      size,
      interpolation: 'nearest',
    });
    assert.deepEqual(pngSize(png), { width: size, height: size });
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 3);
    const hot = deviation(data, size, 90, 70, 115, 115);
    const cold = deviation(data, size, 5, 5, 30, 50);
    assert.ok(hot > 40, `hot region tinted (${hot})`);
    assert.ok(cold < 2, `cold region untouched (${cold})`);
  });

  test('without an image the heatmap is drawn on a grey square', async () => {
    const png = await attentionHeatmapPng(undefined, [1, 0, 0, 0], [2, 2], { size: 64 });
    assert.deepEqual(pngSize(png), { width: 64, height: 64 });
  });
});

describe('readImageSource', () => {
  test('decodes base64 data URIs and names a missing file in its error', async () => {
    const bytes = await greyImage(4, 4);
    const back = await readImageSource(`data:image/png;base64,${bytes.toString('base64')}`);
    assert.ok(back.equals(bytes));
    await assert.rejects(readImageSource('no/such/file.png', '/nonexistent-root'), (e) => {
      return (
        isMmnerError(e) && e.code === 'E_REPORT_IMAGE' && e.file === '/nonexistent-root/no/such/file.png'
      );
    });
  });
});
