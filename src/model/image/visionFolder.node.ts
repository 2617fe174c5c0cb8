/**
 * Loads a pretrained image encoder from a local Hugging Face model folder: config.json says what
 * it is (`vit`, `clip_vision_model`, `clip` — whose `vision_config` is used and whose text tower is
 * ignored — or `resnet`), preprocessor_config.json (optional) says which mean/std the checkpoint
 * expects, and model.safetensors (or a sharded index) holds the weights, with or without a
 * `vit.` / `vision_model.` / `resnet.` prefix. Every problem is one MmnerError naming the path.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MmnerError } from '../../core/errors.js';
import { configTriple } from '../../core/image/hfProcessor.node.js';
import { loadMapped } from '../weights/mapping.js';
import { WeightsCode } from '../weights/safetensors.js';
import { openCheckpoint } from '../weights/safetensors.node.js';
import { type ResNetConfig, ResNetEncoder, resnetConfigFromHf, resnetWeightSpec } from './resnet.js';
import {
  CLIP_NORM,
  IMAGENET_NORM,
  type ImageNorm,
  VIT_NORM,
  type VitConfig,
  VitEncoder,
  vitConfigFromHf,
  vitWeightSpec,
} from './vit.js';

export type VisionKind = 'vit' | 'clip' | 'resnet';

/** What a folder holds, read from its JSON files only (no weights). */
export type VisionFolderInfo = { folder: string; modelType: string; modelNorm: ImageNorm } & (
  | { kind: 'vit' | 'clip'; config: VitConfig }
  | { kind: 'resnet'; config: ResNetConfig }
);

export interface VisionFolderOptions {
  /** ViT/CLIP only: no gradients, no dropout (default false). The ResNet is always frozen. */
  frozen?: boolean;
  /** How the pipeline normalises images (default ImageNet's); the encoder re-normalises to the checkpoint's. */
  inputNorm?: ImageNorm;
  /**
   * The pipeline's image side. ViT/CLIP: must equal the checkpoint's image_size (checked here);
   * ResNet: sets `numRegions` (default 224).
   */
  imageSize?: number;
}

export type VisionEncoder = VitEncoder | ResNetEncoder;

const SUPPORTED = 'vit, clip_vision_model, clip (its vision tower) and resnet';
const DOWNLOAD_HINT =
  'point it at a Hugging Face model folder holding config.json and model.safetensors, e.g. ' +
  '`huggingface-cli download google/vit-base-patch16-224 --local-dir <folder>`';

async function readJson(path: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return undefined;
    throw new MmnerError(
      code === 'ENOENT' ? WeightsCode.fileNotFound : WeightsCode.fileUnreadable,
      code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${(e as Error).message}`,
      { file: path, hint: DOWNLOAD_HINT, cause: e },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new MmnerError('E_MODEL_CONFIG', `not valid JSON (${(e as Error).message})`, {
      file: path,
      hint: 're-download the file from the model repository',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MmnerError('E_MODEL_CONFIG', 'expected a JSON object', { file: path });
  }
  return parsed as Record<string, unknown>;
}

/**
 * The processor's normalisation as 0–1 mean/std. `do_normalize: false` means none (0 / 1);
 * `do_rescale: false` or another `rescale_factor` means the model sees other units, folded in
 * here: (p·r − m)/s = (v − m/(255r)) / (s/(255r)) for v = p/255.
 */
function normFromProcessor(p: Record<string, unknown>, fallback: ImageNorm, file: string): ImageNorm {
  const bad = (detail: string) => new MmnerError('E_MODEL_CONFIG', detail, { file });
  const triple = (key: string, dflt: readonly [number, number, number]) => configTriple(p, key, dflt, bad);
  const normalize = p.do_normalize !== false;
  const mean = normalize ? triple('image_mean', fallback.mean) : ([0, 0, 0] as [number, number, number]);
  const std = normalize ? triple('image_std', fallback.std) : ([1, 1, 1] as [number, number, number]);
  if (std.some((s) => s <= 0)) throw new MmnerError('E_MODEL_CONFIG', 'image_std must be positive', { file });
  const r = p.do_rescale === false ? 1 : typeof p.rescale_factor === 'number' ? p.rescale_factor : 1 / 255;
  const units = 255 * r;
  if (!(units > 0)) throw new MmnerError('E_MODEL_CONFIG', 'rescale_factor must be positive', { file });
  if (Math.abs(units - 1) < 1e-9) return { mean, std };
  const scaled = (t: [number, number, number]) => t.map((x) => x / units) as [number, number, number];
  return { mean: scaled(mean), std: scaled(std) };
}

/** Reads config.json and preprocessor_config.json of `folder`: what it is and its settings, no weights. */
export async function inspectVisionFolder(folder: string): Promise<VisionFolderInfo> {
  let isDir = false;
  try {
    isDir = (await stat(folder)).isDirectory();
  } catch (e) {
    throw new MmnerError(WeightsCode.fileNotFound, 'no such model folder', {
      file: folder,
      hint: DOWNLOAD_HINT,
      cause: e,
    });
  }
  if (!isDir) {
    throw new MmnerError(WeightsCode.fileUnreadable, 'this is a file, not a model folder', {
      file: folder,
      hint: DOWNLOAD_HINT,
    });
  }
  const configPath = join(folder, 'config.json');
  const config = (await readJson(configPath, true))!;
  const modelType = config.model_type;
  const processorPath = join(folder, 'preprocessor_config.json');
  const processor = await readJson(processorPath, false);
  const normOf = (fallback: ImageNorm) =>
    processor ? normFromProcessor(processor, fallback, processorPath) : fallback;
  switch (modelType) {
    case 'vit':
      return {
        folder,
        modelType,
        kind: 'vit',
        config: vitConfigFromHf(config, 'vit', configPath),
        modelNorm: normOf(VIT_NORM),
      };
    case 'clip_vision_model':
    case 'clip': {
      const vision = modelType === 'clip' ? config.vision_config : config;
      if (typeof vision !== 'object' || vision === null || Array.isArray(vision)) {
        throw new MmnerError('E_MODEL_CONFIG', 'a CLIP config.json needs a "vision_config" object', {
          file: configPath,
          hint: 'use the config.json that came with the checkpoint',
        });
      }
      return {
        folder,
        modelType,
        kind: 'clip',
        config: vitConfigFromHf(vision as Record<string, unknown>, 'clip', configPath),
        modelNorm: normOf(CLIP_NORM),
      };
    }
    case 'resnet':
      return {
        folder,
        modelType,
        kind: 'resnet',
        config: resnetConfigFromHf(config, configPath),
        modelNorm: normOf(IMAGENET_NORM),
      };
    default:
      throw new MmnerError(
        'E_MODEL_TYPE',
        modelType === undefined
          ? 'config.json has no "model_type"'
          : `model_type ${JSON.stringify(modelType)} is not an image encoder mmner can load (it loads ${SUPPORTED})`,
        {
          file: configPath,
          hint: 'use google/vit-base-patch16-224, openai/clip-vit-base-patch32 or microsoft/resnet-152 (or a model of the same type), or export the model to ONNX',
        },
      );
  }
}

/**
 * The encoder of a Hugging Face image-model folder, with its weights loaded (f32, f16 or bf16;
 * one file or shards). Missing or mis-shaped weights are reported together in one MmnerError.
 */
export async function loadVisionFolder(
  folder: string,
  options: VisionFolderOptions = {},
): Promise<VisionEncoder> {
  const info = await inspectVisionFolder(folder);
  const configPath = join(folder, 'config.json');
  if (
    info.kind !== 'resnet' &&
    options.imageSize !== undefined &&
    options.imageSize !== info.config.imageSize
  ) {
    throw new MmnerError(
      'E_CONFIG',
      `the images are ${options.imageSize}×${options.imageSize} but this ${info.kind === 'clip' ? 'CLIP' : 'ViT'} checkpoint takes ${info.config.imageSize}×${info.config.imageSize} (image_size)`,
      {
        file: configPath,
        hint: `set the image size to ${info.config.imageSize}; mmner does not interpolate position embeddings`,
      },
    );
  }
  const spec = info.kind === 'resnet' ? resnetWeightSpec(info.config) : vitWeightSpec(info.config);
  const what =
    info.kind === 'resnet'
      ? 'a ResNet (HF ResNetModel)'
      : info.kind === 'clip'
        ? "CLIP's vision tower (HF CLIPVisionModel)"
        : 'a ViT (HF ViTModel)';
  const checkpoint = await openCheckpoint(folder);
  let weights: Awaited<ReturnType<typeof loadMapped>>;
  try {
    weights = await loadMapped(checkpoint, spec, { what: `${what} as config.json describes it` });
  } finally {
    await checkpoint.close();
  }
  const common = {
    modelNorm: info.modelNorm,
    weights,
    ...(options.inputNorm ? { inputNorm: options.inputNorm } : {}),
  };
  if (info.kind === 'resnet') {
    return new ResNetEncoder(info.config, {
      ...common,
      ...(options.imageSize ? { imageSize: options.imageSize } : {}),
    });
  }
  return new VitEncoder(info.config, { ...common, frozen: options.frozen ?? false });
}
