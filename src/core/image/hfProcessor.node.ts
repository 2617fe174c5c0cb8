/**
 * Hugging Face image processors (ViTImageProcessor, CLIPImageProcessor, ConvNextImageProcessor
 * and their kin) re-done with sharp, for ONNX exports that expect `pixel_values` exactly as
 * transformers would make them: decode as transformers' `load_image` does (EXIF orientation, then
 * RGB — alpha dropped, grey repeated, CMYK converted, first frame of an animation), resize in
 * 8 bits with the processor's `resample` filter to the processor's geometry (exact size, or
 * shortest edge then centre crop), rescale and normalise to float32 CHW.
 *
 * Known differences from PIL, measured by test/core/image/hfProcessor.node.test.ts: libvips'
 * filters round differently (a few 8-bit levels at most on the fixtures) and CMYK goes through an
 * ICC profile where PIL uses a naive formula (colours differ; libvips' is the truer one).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MmnerError } from '../errors.js';
import { DEFAULT_PREPROCESS, type ResizeKernel, toRgb } from './options.js';
import { decodeFailure, loadSharp, readImageBytes } from './preprocess.node.js';

export type Triple = readonly [number, number, number];

/** What a preprocessor_config.json says, resolved to the steps we run. */
export interface HfImageProcessor {
  /** `image_processor_type` (or `feature_extractor_type`), for messages and the cache key. */
  type: string;
  /** `exact`: to width × height; `shortest`: shortest edge to `edge`, the other in proportion (floored). */
  resize:
    | { mode: 'exact'; width: number; height: number }
    | { mode: 'shortest'; edge: number }
    | { mode: 'none' };
  /** Centre crop after resizing (transformers' offsets: ⌊(size − crop)/2⌋). */
  crop?: { width: number; height: number };
  /** PIL's `resample` as a sharp kernel: 0 nearest, 2 (and 4, 5) linear, 3 cubic, 1 lanczos3. */
  kernel: ResizeKernel;
  /** `rescale_factor`, or 1 when `do_rescale` is false. */
  rescale: number;
  mean: Triple;
  std: Triple;
  /** `drop` as transformers' convert('RGB'); `flatten` composites over white. Default `drop`. */
  alpha: 'drop' | 'flatten';
  /**
   * CMYK files: `pil` (default) as PIL's convert('RGB'), R = (255 − C)(255 − K)/255, which is
   * what checkpoints were trained on; `icc` through libvips' CMYK profile (truer colours).
   */
  cmyk: 'pil' | 'icc';
  /** Decompression-bomb guard, in pixels (sharp's limitInputPixels). */
  maxPixels: number;
}

const CODE = 'E_MODEL_CONFIG';
const PIL_KERNELS: Record<number, ResizeKernel> = {
  0: 'nearest',
  1: 'lanczos3',
  2: 'linear',
  3: 'cubic',
  4: 'linear',
  5: 'linear',
};

/**
 * A preprocessor config's per-channel field (`image_mean`, `image_std`): three numbers, or one
 * number for all three; `dflt` when absent. `bad` makes the error for anything else.
 */
export function configTriple(
  p: Record<string, unknown>,
  key: string,
  dflt: Triple,
  bad: (detail: string) => Error,
): [number, number, number] {
  const v = p[key] ?? dflt;
  const arr = typeof v === 'number' ? [v, v, v] : v;
  if (
    !Array.isArray(arr) ||
    arr.length !== 3 ||
    !arr.every((x) => typeof x === 'number' && Number.isFinite(x))
  ) {
    throw bad(`${key} must be three numbers, got ${JSON.stringify(v)}`);
  }
  return [arr[0], arr[1], arr[2]];
}

/** Parses a preprocessor_config.json object; every bad field is an `E_MODEL_CONFIG` naming `file`. */
export function hfProcessorFromJson(
  p: Record<string, unknown>,
  file = 'preprocessor_config.json',
  overrides: Partial<Pick<HfImageProcessor, 'alpha' | 'cmyk' | 'maxPixels'>> = {},
): HfImageProcessor {
  const bad = (detail: string) =>
    new MmnerError(CODE, detail, {
      file,
      hint: 'use the preprocessor_config.json of the model the ONNX file was exported from',
    });
  const type = String(p.image_processor_type ?? p.feature_extractor_type ?? 'unknown');
  const int = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 8192)
      throw bad(`${what} must be an integer in 1..8192, got ${JSON.stringify(v)}`);
    return v;
  };
  const triple = (key: string, dflt: Triple): Triple => configTriple(p, key, dflt, bad);
  // `size` is a dict in current configs, a number (square, or shortest edge for CLIP) in old ones.
  const size = p.size;
  const convnext = /ConvNext/i.test(type);
  let resize: HfImageProcessor['resize'] = { mode: 'none' };
  let crop: HfImageProcessor['crop'];
  if (p.do_resize !== false) {
    if (typeof size === 'number') {
      resize =
        /CLIP/i.test(type) || convnext
          ? { mode: 'shortest', edge: int(size, 'size') }
          : { mode: 'exact', width: int(size, 'size'), height: int(size, 'size') };
    } else if (size && typeof size === 'object') {
      const s = size as Record<string, unknown>;
      if (s.shortest_edge !== undefined)
        resize = { mode: 'shortest', edge: int(s.shortest_edge, 'size.shortest_edge') };
      else
        resize = { mode: 'exact', width: int(s.width, 'size.width'), height: int(s.height, 'size.height') };
    } else {
      throw bad(`size must be a number or {height, width} / {shortest_edge}, got ${JSON.stringify(size)}`);
    }
  }
  if (convnext && resize.mode === 'shortest') {
    // ConvNextImageProcessor: below 384, resize the short side to edge/crop_pct, crop edge×edge.
    const edge = resize.edge;
    if (edge < 384) {
      const pct = typeof p.crop_pct === 'number' ? p.crop_pct : 224 / 256;
      if (!(pct > 0 && pct <= 1)) throw bad(`crop_pct must be in (0, 1], got ${pct}`);
      resize = { mode: 'shortest', edge: Math.floor(edge / pct) };
      crop = { width: edge, height: edge };
    } else {
      resize = { mode: 'exact', width: edge, height: edge };
    }
  } else if (
    p.do_center_crop === true ||
    (p.do_center_crop === undefined && p.crop_size !== undefined && !convnext)
  ) {
    const c = p.crop_size;
    if (typeof c === 'number') crop = { width: int(c, 'crop_size'), height: int(c, 'crop_size') };
    else if (c && typeof c === 'object') {
      const cc = c as Record<string, unknown>;
      crop = { width: int(cc.width, 'crop_size.width'), height: int(cc.height, 'crop_size.height') };
    } else throw bad('do_center_crop is true but crop_size is missing');
  }
  const resample = p.resample ?? 2;
  const kernel = typeof resample === 'number' ? PIL_KERNELS[resample] : undefined;
  if (!kernel) throw bad(`resample must be a PIL filter number 0..5, got ${JSON.stringify(resample)}`);
  let rescale = 1;
  if (p.do_rescale !== false) {
    rescale = p.rescale_factor === undefined ? 1 / 255 : (p.rescale_factor as number);
    if (typeof rescale !== 'number' || !(rescale > 0))
      throw bad(`rescale_factor must be a positive number, got ${JSON.stringify(p.rescale_factor)}`);
  }
  const normalize = p.do_normalize !== false;
  const mean = normalize ? triple('image_mean', [0.5, 0.5, 0.5]) : ([0, 0, 0] as const);
  const std = normalize ? triple('image_std', [0.5, 0.5, 0.5]) : ([1, 1, 1] as const);
  if (std.some((x) => x <= 0)) throw bad('image_std must be positive');
  const out: HfImageProcessor = {
    type,
    resize,
    kernel,
    rescale,
    mean,
    std,
    alpha: overrides.alpha ?? 'drop',
    cmyk: overrides.cmyk ?? 'pil',
    maxPixels: overrides.maxPixels ?? DEFAULT_PREPROCESS.maxPixels,
  };
  if (crop) out.crop = crop;
  return out;
}

/** `folder/preprocessor_config.json` (or a path to such a file) → the processor. */
export async function readHfProcessor(
  folderOrFile: string,
  overrides: Partial<Pick<HfImageProcessor, 'alpha' | 'cmyk' | 'maxPixels'>> = {},
): Promise<HfImageProcessor> {
  const file = folderOrFile.endsWith('.json') ? folderOrFile : join(folderOrFile, 'preprocessor_config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new MmnerError(
      'E_FILE_NOT_FOUND',
      `cannot read the image processor config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      {
        file,
        hint: 'copy preprocessor_config.json from the Hugging Face model repository next to the ONNX file',
        cause: e,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MmnerError(CODE, `not valid JSON (${(e as Error).message})`, { file });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new MmnerError(CODE, 'expected a JSON object', { file });
  return hfProcessorFromJson(json as Record<string, unknown>, file, overrides);
}

/** A canonical string of everything that changes the processor's output (the feature cache key). */
export function processorKey(p: HfImageProcessor): string {
  return JSON.stringify([p.resize, p.crop ?? null, p.kernel, p.rescale, p.mean, p.std, p.alpha, p.cmyk]);
}

/** The output side of the processor, or undefined when it depends on the image (no resize, no crop). */
export function processorOutputSize(p: HfImageProcessor): { width: number; height: number } | undefined {
  if (p.crop) return p.crop;
  if (p.resize.mode === 'exact') return { width: p.resize.width, height: p.resize.height };
  return undefined;
}

/** transformers' get_resize_output_image_size(default_to_square=False): (width, height). */
export function shortestEdgeSize(
  width: number,
  height: number,
  edge: number,
): { width: number; height: number } {
  if (width <= height) return { width: edge, height: Math.floor((edge * height) / width) };
  return { width: Math.floor((edge * width) / height), height: edge };
}

export interface DecodedRgb {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/**
 * One file → 8-bit RGB HWC after the processor's resize and crop. Errors are MmnerErrors naming
 * the file: E_IMAGE_NOT_FOUND, E_IMAGE_UNREADABLE, E_IMAGE_TOO_LARGE, E_IMAGE_CORRUPT.
 */
export async function decodeForProcessor(path: string, p: HfImageProcessor): Promise<DecodedRgb> {
  const sharp = await loadSharp();
  const bytes = await readImageBytes(path);
  try {
    // Stage 1: upright sRGB at full size. A separate stage so the resize geometry is computed from
    // the oriented size, and alpha is gone before the filter runs (as PIL's convert('RGB') does).
    const input = { limitInputPixels: p.maxPixels, failOn: 'truncated', autoOrient: true } as const;
    const naiveCmyk = p.cmyk === 'pil' && (await sharp(bytes, input).metadata()).space === 'cmyk';
    // pipelineColourspace keeps libvips from a CMYK → sRGB → CMYK round trip through its profile.
    let first = naiveCmyk
      ? sharp(bytes, input).pipelineColourspace('cmyk').toColourspace('cmyk')
      : sharp(bytes, input).toColourspace('srgb');
    if (!naiveCmyk)
      first =
        p.alpha === 'drop' ? first.removeAlpha() : first.flatten({ background: { r: 255, g: 255, b: 255 } });
    const decoded = await first.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    let { width, height, channels } = decoded.info;
    let rgb: Uint8Array = new Uint8Array(
      decoded.data.buffer,
      decoded.data.byteOffset,
      decoded.data.byteLength,
    );
    if (naiveCmyk) {
      rgb = cmykToRgb(rgb, channels);
      channels = 3;
    } else if (channels !== 3) {
      rgb = toRgb(rgb, channels);
      channels = 3;
    }
    let target = { width, height };
    if (p.resize.mode === 'exact') target = { width: p.resize.width, height: p.resize.height };
    else if (p.resize.mode === 'shortest') target = shortestEdgeSize(width, height, p.resize.edge);
    const crop = p.crop;
    if (target.width === width && target.height === height && !crop)
      return { rgb: new Uint8Array(rgb), width, height };
    let second = sharp(rgb, { raw: { width, height, channels: 3 } });
    if (target.width !== width || target.height !== height) {
      second = second.resize(target.width, target.height, {
        fit: 'fill',
        kernel: p.kernel,
        fastShrinkOnLoad: false,
      });
    }
    width = target.width;
    height = target.height;
    if (crop) {
      if (crop.width > width || crop.height > height) {
        // transformers pads with zeros here; a resized image smaller than the crop only happens with odd configs.
        throw new Error(
          `the resized image (${width}×${height}) is smaller than crop_size ${crop.width}×${crop.height}`,
        );
      }
      second = second.extract({
        left: Math.floor((width - crop.width) / 2),
        top: Math.floor((height - crop.height) / 2),
        width: crop.width,
        height: crop.height,
      });
      width = crop.width;
      height = crop.height;
    }
    const out = await second.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return {
      rgb: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength),
      width: out.info.width,
      height: out.info.height,
    };
  } catch (e) {
    throw decodeFailure(path, e, p.maxPixels);
  }
}

/** PIL's cmyk2rgb: R = (255 − C)(255 − K)/255 rounded, likewise G from M and B from Y. */
export function cmykToRgb(cmyk: Uint8Array, channels = 4): Uint8Array {
  const n = cmyk.length / channels;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const nk = 255 - cmyk[i * channels + 3]!;
    for (let c = 0; c < 3; c++) {
      // PIL's MULDIV255(a, b) = ((a·b + 128) + ((a·b + 128) >> 8)) >> 8, then nk − that.
      const t = cmyk[i * channels + c]! * nk + 128;
      out[i * 3 + c] = nk - ((t + (t >> 8)) >> 8);
    }
  }
  return out;
}

/** 8-bit RGB HWC → float32 CHW `(v·rescale − mean)/std`, written into `out` at `offset`. */
export function pixelValuesInto(rgb: Uint8Array, p: HfImageProcessor, out: Float32Array, offset = 0): void {
  const n = rgb.length / 3;
  if (!Number.isInteger(n) || offset + rgb.length > out.length) throw new Error('pixelValuesInto: bad sizes');
  for (let c = 0; c < 3; c++) {
    const scale = p.rescale / p.std[c]!;
    const bias = -p.mean[c]! / p.std[c]!;
    const base = offset + c * n;
    for (let i = 0; i < n; i++) out[base + i] = rgb[i * 3 + c]! * scale + bias;
  }
}

export interface PixelBatch {
  data: Float32Array;
  /** [batch, 3, height, width] */
  dims: [number, number, number, number];
}

/**
 * Files → one `pixel_values` batch, decoding up to `concurrency` at once. Every image must come
 * out the same size (always true with a crop or an exact resize); the first failure rejects.
 */
export async function loadPixelValues(
  paths: readonly string[],
  p: HfImageProcessor,
  concurrency = 4,
): Promise<PixelBatch> {
  const decoded: DecodedRgb[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      decoded[i] = await decodeForProcessor(paths[i]!, p);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, paths.length)) }, worker));
  const first = decoded[0];
  const width = first?.width ?? processorOutputSize(p)?.width ?? 0;
  const height = first?.height ?? processorOutputSize(p)?.height ?? 0;
  const per = 3 * width * height;
  const data = new Float32Array(paths.length * per);
  decoded.forEach((d, i) => {
    if (d.width !== width || d.height !== height) {
      throw new MmnerError(
        'E_IMAGE_SIZE',
        `image is ${d.width}×${d.height} after preprocessing, but the batch is ${width}×${height}`,
        {
          file: paths[i]!,
          hint: 'this processor config keeps image sizes; give it a crop_size or batch images one at a time',
        },
      );
    }
    pixelValuesInto(d.rgb, p, data, i * per);
  });
  return { data, dims: [paths.length, 3, height, width] };
}
