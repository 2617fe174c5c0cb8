/**
 * Image files → model input: sharp decodes (EXIF orientation applied, alpha flattened on white,
 * grey/CMYK → sRGB, pixel limit against decompression bombs), resizes to `size × size`, and we
 * normalise to float32 HWC `[size, size, 3]`. Batches load concurrently through an 8-bit LRU cache.
 */
import { readFile } from 'node:fs/promises';
import { MmnerError } from '../errors.js';
import { ImageCache } from './cache.js';
import {
  blankImage,
  imageLength,
  meanColour,
  normalizeInto,
  type PreprocessOptions,
  resolvePreprocess,
  toRgb,
} from './options.js';

export { blankImage, ImageCache };

type Sharp = typeof import('sharp').default;
let sharpModule: Promise<Sharp> | undefined;

/** sharp, loaded on first use (most commands never decode an image). */
export function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then(
    (m) => m.default,
    (e: Error) => {
      sharpModule = undefined;
      throw new MmnerError('E_IMAGE_DECODER', `cannot load the image decoder (sharp): ${e.message}`, {
        hint: 'reinstall dependencies with npm install; sharp ships prebuilt binaries for common platforms',
      });
    },
  );
  return sharpModule;
}

/**
 * The cache key of a decoded image: everything that changes its 8-bit pixels. Not mean/std,
 * which are applied on the way out, except that `contain` pads with the mean colour.
 */
export function decodeKey(path: string, o: PreprocessOptions): string {
  const key = `${path}\0${o.size}\0${o.resize}\0${o.kernel}\0${o.maxPixels}`;
  if (o.resize !== 'contain') return key;
  const pad = meanColour(o.mean);
  return `${key}\0${pad.r},${pad.g},${pad.b}`;
}

const FIT = { cover: 'cover', contain: 'contain', squash: 'fill' } as const;

/**
 * Decodes and resizes one file to 8-bit RGB HWC `[size, size, 3]` (no normalisation).
 * Errors (MmnerError, `file` = path): `E_IMAGE_NOT_FOUND`, `E_IMAGE_UNREADABLE` (a folder, no
 * permission), `E_IMAGE_TOO_LARGE` (over `maxPixels`), `E_IMAGE_CORRUPT` (not an image, truncated).
 */
export async function decodeImage(
  path: string,
  options: Partial<PreprocessOptions> = {},
): Promise<Uint8Array> {
  const o = resolvePreprocess(options);
  const sharp = await loadSharp();
  const bytes = await readImageBytes(path);
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: o.maxPixels,
      failOn: 'truncated',
      autoOrient: true,
    })
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .resize(o.size, o.size, {
        fit: FIT[o.resize],
        kernel: o.kernel,
        position: 'centre',
        background: { ...meanColour(o.mean), alpha: 1 },
      })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.width !== o.size || info.height !== o.size) {
      throw new Error(`decoded to ${info.width}×${info.height}, expected ${o.size}×${o.size}`);
    }
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    // sharp gives 3 channels after flatten + sRGB; toRgb is the safety net for odd inputs.
    return info.channels === 3 ? new Uint8Array(pixels) : toRgb(pixels, info.channels);
  } catch (e) {
    throw decodeFailure(path, e, o.maxPixels);
  }
}

/** The bytes of an image file; a missing or unreadable file is an MmnerError naming it. */
export async function readImageBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new MmnerError('E_IMAGE_NOT_FOUND', 'image file does not exist', {
        file: path,
        hint: 'fix the image folder, or set "missing": "blank" to go on without this image',
      });
    }
    throw new MmnerError(
      'E_IMAGE_UNREADABLE',
      `image file cannot be read (${code ?? (e as Error).message})`,
      {
        file: path,
        hint: code === 'EISDIR' ? 'the path is a folder, not an image' : 'check its permissions',
        cause: e,
      },
    );
  }
}

/** A sharp failure on `path` as an MmnerError: `E_IMAGE_TOO_LARGE` past `maxPixels`, else `E_IMAGE_CORRUPT`. */
export function decodeFailure(path: string, e: unknown, maxPixels: number): MmnerError {
  const message = ((e as Error).message ?? String(e)).split('\n')[0] ?? '';
  if (/pixel limit/i.test(message)) {
    return new MmnerError('E_IMAGE_TOO_LARGE', `image is larger than the limit of ${maxPixels} pixels`, {
      file: path,
      hint: 'shrink the file, or raise maxPixels if you trust it (a tiny file that decodes to a huge image is a decompression bomb)',
      cause: e,
    });
  }
  return new MmnerError('E_IMAGE_CORRUPT', `image cannot be decoded: ${message}`, {
    file: path,
    hint: 'replace it with a valid JPEG/PNG/WebP/GIF/TIFF image, or delete it to use the missing-image policy',
    cause: e,
  });
}

/** 8-bit RGB of one file through `cache` (decoded on a miss). */
async function cachedRgb(
  path: string,
  o: PreprocessOptions,
  cache: ImageCache | undefined,
): Promise<Uint8Array> {
  if (!cache) return decodeImage(path, o);
  const key = decodeKey(path, o);
  const hit = cache.get(key);
  if (hit) return hit;
  const rgb = await decodeImage(path, o);
  cache.set(key, rgb);
  return rgb;
}

/**
 * One image file → normalised float32 HWC `[size, size, 3]` (`(v/255 − mean)/std` per channel).
 * Errors as `decodeImage`.
 */
export async function loadImage(
  path: string,
  options: Partial<PreprocessOptions> = {},
  cache?: ImageCache,
): Promise<Float32Array> {
  const o = resolvePreprocess(options);
  const out = new Float32Array(imageLength(o.size));
  normalizeInto(await cachedRgb(path, o, cache), o.mean, o.std, out, 0);
  return out;
}

/**
 * A batch: `paths[i]` → image i of one float32 `[B, size, size, 3]` (row-major, HWC), in order;
 * `undefined` → the blank image (zeros = the mean colour; the `blank` missing-image policy).
 * Decodes up to `concurrency` files at once; the first failure rejects with its MmnerError.
 */
export async function loadImages(
  paths: readonly (string | undefined)[],
  options: Partial<PreprocessOptions> = {},
  concurrency = 4,
  cache?: ImageCache,
): Promise<Float32Array> {
  const o = resolvePreprocess(options);
  const n = imageLength(o.size);
  const out = new Float32Array(paths.length * n);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < paths.length && !failed) {
      const i = next++;
      const path = paths[i];
      if (path === undefined) continue; // already zeros
      try {
        normalizeInto(await cachedRgb(path, o, cache), o.mean, o.std, out, i * n);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(concurrency) || 1, paths.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return out;
}
