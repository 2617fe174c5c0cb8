/**
 * Image preprocessing settings and the browser-safe arithmetic on decoded pixels: option
 * defaults and checks, normalisation of 8-bit RGB into float32 HWC, blank images. The sharp
 * decoding lives in preprocess.node.ts; both halves agree through these functions.
 */
import { MmnerError } from '../errors.js';

/** ImageNet channel statistics (on 0–1 values), as torchvision and most ViT/ResNet checkpoints use. */
export const IMAGENET_MEAN: readonly [number, number, number] = Object.freeze([0.485, 0.456, 0.406]);
export const IMAGENET_STD: readonly [number, number, number] = Object.freeze([0.229, 0.224, 0.225]);

/**
 * How a non-square image becomes `size × size`:
 * - `cover`: scale so the short side fits, crop the centre (CLIP's processor; default);
 * - `contain`: scale so the long side fits, pad with the mean colour (zeros after normalising);
 * - `squash`: scale each axis on its own (the authors' ResNet preprocessing for small images).
 */
export type ResizeMode = 'cover' | 'contain' | 'squash';
export const RESIZE_MODES: readonly ResizeMode[] = Object.freeze(['cover', 'contain', 'squash']);

/** sharp's resampling kernels that we allow (`nearest` is for tests and pixel art). */
export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';
export const RESIZE_KERNELS: readonly ResizeKernel[] = Object.freeze([
  'nearest',
  'linear',
  'cubic',
  'lanczos3',
]);

export interface PreprocessOptions {
  /** Output side in pixels (default 64, the tiny CNN's input). */
  size: number;
  /** Per-channel mean on 0–1 values, RGB (default ImageNet's). */
  mean: readonly [number, number, number];
  /** Per-channel standard deviation on 0–1 values, RGB (default ImageNet's). */
  std: readonly [number, number, number];
  resize: ResizeMode;
  /** Resampling kernel (default `lanczos3`, sharp's own default). */
  kernel: ResizeKernel;
  /**
   * Largest accepted input, in pixels (width × height; default 2^28 ≈ 268 M, sharp's default):
   * a guard against decompression bombs.
   */
  maxPixels: number;
}

export const DEFAULT_PREPROCESS: Readonly<PreprocessOptions> = Object.freeze({
  size: 64,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
  resize: 'cover',
  kernel: 'lanczos3',
  maxPixels: 268_402_689,
});

/** Fills defaults and checks every field; a bad value is an `E_CONFIG` MmnerError naming it. */
export function resolvePreprocess(options: Partial<PreprocessOptions> = {}): PreprocessOptions {
  const o: PreprocessOptions = { ...DEFAULT_PREPROCESS, ...options };
  const bad = (field: string, why: string) =>
    new MmnerError('E_CONFIG', `image preprocessing: ${field} ${why}`, {
      hint: `defaults: size ${DEFAULT_PREPROCESS.size}, ImageNet mean/std, resize '${DEFAULT_PREPROCESS.resize}'`,
    });
  if (!Number.isInteger(o.size) || o.size < 1 || o.size > 4096) {
    throw bad('size', `must be an integer in 1..4096, got ${o.size}`);
  }
  if (!RESIZE_MODES.includes(o.resize)) throw bad('resize', `must be one of ${RESIZE_MODES.join(', ')}`);
  if (!RESIZE_KERNELS.includes(o.kernel)) throw bad('kernel', `must be one of ${RESIZE_KERNELS.join(', ')}`);
  if (!(o.maxPixels >= 1)) throw bad('maxPixels', `must be ≥ 1, got ${o.maxPixels}`);
  for (const [name, v] of [
    ['mean', o.mean],
    ['std', o.std],
  ] as const) {
    if (v.length !== 3 || v.some((x) => !Number.isFinite(x))) throw bad(name, 'must be three finite numbers');
  }
  if (o.std.some((x) => x <= 0)) throw bad('std', 'must be positive');
  return o;
}

/** Floats in one preprocessed image: `size·size·3`. */
export const imageLength = (size: number): number => size * size * 3;

/** The mean colour as 8-bit RGB (rounded): the padding colour of `contain`. */
export function meanColour(mean: readonly [number, number, number]): { r: number; g: number; b: number } {
  const c = (x: number) => Math.min(255, Math.max(0, Math.round(x * 255)));
  return { r: c(mean[0]), g: c(mean[1]), b: c(mean[2]) };
}

/**
 * 8-bit RGB HWC → normalised float32 HWC: `(v/255 − mean[c]) / std[c]`, written into `out` at
 * `offset` (so a batch is filled in place). `rgb.length` must be a multiple of 3.
 */
export function normalizeInto(
  rgb: Uint8Array,
  mean: readonly [number, number, number],
  std: readonly [number, number, number],
  out: Float32Array,
  offset = 0,
): void {
  if (rgb.length % 3 !== 0) throw new Error(`normalizeInto: ${rgb.length} bytes is not RGB`);
  if (offset + rgb.length > out.length) throw new Error('normalizeInto: output too small');
  // One multiply-add per value: v·(1/(255·std)) − mean/std.
  const s0 = 1 / (255 * std[0]);
  const s1 = 1 / (255 * std[1]);
  const s2 = 1 / (255 * std[2]);
  const b0 = -mean[0] / std[0];
  const b1 = -mean[1] / std[1];
  const b2 = -mean[2] / std[2];
  for (let i = 0, j = offset; i < rgb.length; i += 3, j += 3) {
    out[j] = rgb[i]! * s0 + b0;
    out[j + 1] = rgb[i + 1]! * s1 + b1;
    out[j + 2] = rgb[i + 2]! * s2 + b2;
  }
}

/** `normalizeInto` into a fresh array. */
export function normalize(
  rgb: Uint8Array,
  mean: readonly [number, number, number] = IMAGENET_MEAN,
  std: readonly [number, number, number] = IMAGENET_STD,
): Float32Array {
  const out = new Float32Array(rgb.length);
  normalizeInto(rgb, mean, std, out, 0);
  return out;
}

/**
 * The image used for a sentence whose image is missing (policy `blank`): all zeros after
 * normalisation, i.e. every pixel is the dataset mean colour — a "no information" input that does
 * not shift the encoder's activations toward black or white. `[size, size, 3]` HWC.
 */
export function blankImage(size: number = DEFAULT_PREPROCESS.size): Float32Array {
  return new Float32Array(imageLength(size));
}

/**
 * Any decoded 8-bit layout → RGB: 1 channel (grey) repeated, 2 (grey + alpha) and 4 (RGBA)
 * composited over `background` (white by default), 3 returned as is.
 */
export function toRgb(
  pixels: Uint8Array,
  channels: number,
  background: { r: number; g: number; b: number } = { r: 255, g: 255, b: 255 },
): Uint8Array {
  if (channels === 3) return pixels;
  if (channels < 1 || channels > 4 || pixels.length % channels !== 0) {
    throw new Error(`toRgb: ${pixels.length} bytes with ${channels} channels`);
  }
  const n = pixels.length / channels;
  const out = new Uint8Array(n * 3);
  const bg = [background.r, background.g, background.b];
  for (let p = 0; p < n; p++) {
    const src = p * channels;
    const grey = channels <= 2;
    const alpha = channels === 2 || channels === 4 ? pixels[src + channels - 1]! / 255 : 1;
    for (let c = 0; c < 3; c++) {
      const v = pixels[src + (grey ? 0 : c)]!;
      out[p * 3 + c] = Math.round(v * alpha + bg[c]! * (1 - alpha));
    }
  }
  return out;
}
