/**
 * One token's attention over an image as a PNG: the region grid upsampled (bilinear or nearest)
 * to the picture's size, mapped through a colour ramp whose opacity grows with the weight, and
 * alpha-composited over the image by sharp. The image is cropped the way preprocessing crops it
 * (centre `cover` by default), so each region lands on the pixels the model saw.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { MmnerError } from '../../core/errors.js';

export interface HeatmapOptions {
  /** Side of the square output in pixels (default 160). */
  size?: number;
  /** How the grid is upsampled (default `bilinear`; `nearest` shows the regions as blocks). */
  interpolation?: 'bilinear' | 'nearest';
  /** Opacity of the hottest region (default 0.75); colder regions fade towards the image. */
  alpha?: number;
  /** How the image becomes square, as preprocessing did it (default `cover`: centre crop). */
  fit?: 'cover' | 'contain' | 'fill';
}

/**
 * The weights (row-major over `[rows, cols]`) resampled to `width × height`, each value divided by
 * the largest weight so the hottest region is 1. Cell centres sit at pixel ((c + ½)·W/cols).
 */
export function upsampleGrid(
  weights: readonly number[],
  grid: readonly [number, number],
  width: number,
  height: number,
  interpolation: 'bilinear' | 'nearest' = 'bilinear',
): Float32Array {
  const [rows, cols] = grid;
  if (!(rows > 0 && cols > 0) || weights.length !== rows * cols) {
    throw new MmnerError(
      'E_ATTENTION_GRID',
      `attention has ${weights.length} weights for a ${rows}×${cols} grid`,
      {
        hint: 'the attention view and its grid come from the same eval run; re-run mmner eval',
      },
    );
  }
  const max = Math.max(1e-12, ...weights.map((w) => (Number.isFinite(w) ? w : 0)));
  const at = (r: number, c: number) => {
    const w = weights[r * cols + c]!;
    return Number.isFinite(w) ? Math.max(0, w) / max : 0;
  };
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const v = ((y + 0.5) * rows) / height - 0.5;
    for (let x = 0; x < width; x++) {
      const u = ((x + 0.5) * cols) / width - 0.5;
      if (interpolation === 'nearest') {
        const r = Math.min(rows - 1, Math.max(0, Math.round(v)));
        const c = Math.min(cols - 1, Math.max(0, Math.round(u)));
        out[y * width + x] = at(r, c);
        continue;
      }
      const r0 = Math.min(rows - 1, Math.max(0, Math.floor(v)));
      const c0 = Math.min(cols - 1, Math.max(0, Math.floor(u)));
      const r1 = Math.min(rows - 1, r0 + 1);
      const c1 = Math.min(cols - 1, c0 + 1);
      const fy = Math.min(1, Math.max(0, v - r0));
      const fx = Math.min(1, Math.max(0, u - c0));
      const top = at(r0, c0) * (1 - fx) + at(r0, c1) * fx;
      const bottom = at(r1, c0) * (1 - fx) + at(r1, c1) * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/**
 * A purple → crimson → orange → gold ramp, as RGB for t in [0, 1]: saturated at the hot end so it
 * still shows on white parts of a picture.
 */
const RAMP: readonly [number, number, number, number][] = [
  [0, 60, 0, 90],
  [0.4, 200, 30, 60],
  [0.75, 255, 120, 0],
  [1, 255, 215, 0],
];

export function rampColor(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  for (let i = 1; i < RAMP.length; i++) {
    const [t1, r1, g1, b1] = RAMP[i]!;
    if (x <= t1) {
      const [t0, r0, g0, b0] = RAMP[i - 1]!;
      const f = (x - t0) / (t1 - t0);
      return [Math.round(r0 + (r1 - r0) * f), Math.round(g0 + (g1 - g0) * f), Math.round(b0 + (b1 - b0) * f)];
    }
  }
  const last = RAMP.at(-1)!;
  return [last[1], last[2], last[3]];
}

/** The RGBA overlay for upsampled weights: ramp colour, opacity `alpha·w^0.75` (mid weights stay visible). */
function overlayPixels(values: Float32Array, alpha: number): Buffer {
  const px = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const [r, g, b] = rampColor(v);
    px[4 * i] = r;
    px[4 * i + 1] = g;
    px[4 * i + 2] = b;
    px[4 * i + 3] = Math.round(255 * alpha * v ** 0.75);
  }
  return px;
}

/** The attention of one token, drawn over `image` (encoded bytes; a grey square when absent). */
export async function attentionHeatmapPng(
  image: Buffer | undefined,
  weights: readonly number[],
  grid: readonly [number, number],
  options: HeatmapOptions = {},
): Promise<Buffer> {
  const size = options.size ?? 160;
  const values = upsampleGrid(weights, grid, size, size, options.interpolation ?? 'bilinear');
  const base = image
    ? sharp(image)
        .rotate()
        .resize(size, size, { fit: options.fit ?? 'cover', background: '#d0d7de' })
        .removeAlpha()
    : sharp({ create: { width: size, height: size, channels: 3, background: '#d0d7de' } });
  return base
    .composite([
      {
        input: overlayPixels(values, options.alpha ?? 0.75),
        raw: { width: size, height: size, channels: 4 },
      },
    ])
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/**
 * The bytes of an image given as a base64 data URI or a file path (relative to `root`, default the
 * working folder). A missing file is an `E_REPORT_IMAGE` error naming it.
 */
export async function readImageSource(src: string, root = '.'): Promise<Buffer> {
  const data = /^data:image\/[a-z0-9.+-]+;base64,(.*)$/is.exec(src);
  if (data) return Buffer.from(data[1]!, 'base64');
  if (src.startsWith('data:')) {
    throw new MmnerError('E_REPORT_IMAGE', 'an image data URI is not a base64 image', {
      hint: 'use data:image/png;base64,…',
    });
  }
  const path = resolve(root, src);
  try {
    return await readFile(path);
  } catch (e) {
    throw new MmnerError(
      'E_REPORT_IMAGE',
      `cannot read the image (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        file: path,
        hint: 'images of a report are given relative to its image root; check the dataset image folder',
        cause: e,
      },
    );
  }
}
