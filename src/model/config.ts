/**
 * How a 2M-NER model and its training are configured: presets (`tiny` from scratch on the CPU;
 * `paper` = the authors' configuration without their flaws) and ablation switches applied on top.
 * The resolved config is persisted in `runs/<name>/config.json`; every field has a default here.
 */
import { MmnerError } from '../core/errors.js';
import type { ContrastiveConfig } from './contrastive/config.js';
import type { CrfScheme } from './crf/tags.js';

export const PRESETS = ['tiny', 'paper'] as const;
export type Preset = (typeof PRESETS)[number];

/** Ablations of the issue: each switches one part off or picks one variant. */
export const ABLATIONS = [
  'none',
  'text-only',
  'no-contrastive',
  'sentence-align',
  'token-align',
  'vit-only',
  'resnet-only',
  'no-gate',
] as const;
export type Ablation = (typeof ABLATIONS)[number];

/** An image branch: the tiny CNN (trained), or the paper's ViT / ResNet-152 (pretrained). */
export type ImageBranch = 'cnn' | 'vit' | 'resnet';

/** Branches that may read precomputed features of a frozen ONNX export instead of pixels. */
export type OnnxBranch = 'vit' | 'resnet';

/**
 * A branch whose features come from a frozen ONNX export through the feature cache (computed once
 * per image, not per step). The sizes are settled from the export when the run starts and saved
 * in config.json, so eval and predict rebuild the same model without opening the export first.
 */
export interface OnnxBranchConfig {
  /** The export folder (model.onnx + preprocessor_config.json) or .onnx file, absolute. */
  path: string;
  /** `pooled`: one vector per image (one region, the paper's ResNet); `regions`: the export's grid/tokens. */
  features: 'pooled' | 'regions';
  /** Feature width D. */
  dim?: number;
  /** Stored rows per image (1 when pooled). */
  rows?: number;
  /** The first stored row is a CLS token (a ViT's): it is the global vector, the rest the regions. */
  cls?: boolean;
  /** Rows × columns of the regions, for drawing attention. */
  grid?: [number, number];
  /** The feature cache's encoder id (a hash of the ONNX file): eval refuses a changed export. */
  encoder?: string;
}

export interface ModelConfig {
  preset: Preset;
  ablation: Ablation;
  seed: number;
  /** Entity types, in tag-vocabulary order (tags = O, B-X, I-X per type). */
  entityTypes: string[];
  text: { kind: 'tiny'; options: Record<string, number> } | { kind: 'bert'; path: string; layer: number };
  image: {
    /** Branches whose regions the collaboration module attends over; empty = text only. */
    branches: ImageBranch[];
    /** Input side in pixels (square). */
    size: number;
    /** Weights folders for pretrained branches (`vit`, `resnet`). */
    paths: Partial<Record<ImageBranch, string>>;
    /** Pretrained branches kept frozen (the ResNet always is; absent in older runs = none). */
    freeze?: ImageBranch[];
    /** Branches fed precomputed features of a frozen ONNX export (they then need no `paths` entry). */
    onnx?: Partial<Record<OnnxBranch, OnnxBranchConfig>>;
  };
  collaboration: { heads: number; dropout: number; gate: boolean };
  /** null = no contrastive loss. `projectionDim`: width of the shared space. */
  contrastive:
    | (Required<Pick<ContrastiveConfig, 'form' | 'level'>> & ContrastiveConfig & { projectionDim: number })
    | null;
  /** Loss = crf·CRF NLL + contrastive·Σ_branches CL (the paper: 2·(0.8·CRF + 0.2·CL)). */
  lossWeights: { crf: number; contrastive: number };
  /** Dropout before the emission layer. */
  dropout: number;
  /**
   * The tags the CRF learns and decodes: `IOB2` (the data's own) or `BIOES` (an entity's last
   * token and one-token entities get tags of their own; data and predictions stay IOB2). Absent in
   * older runs = IOB2.
   */
  tagScheme?: CrfScheme;
}

export interface TrainConfig {
  optimizer: 'adamw' | 'adam';
  lr: number;
  /** Learning rate of pretrained encoders (BERT, ViT); the tiny preset has none. */
  encoderLr: number;
  weightDecay: number;
  /** Warm-up as a share of all steps. */
  warmup: number;
  epochs: number;
  batchSize: number;
  clipNorm: number;
  /** Stop after this many evaluations without a better dev F1 (0 = never). */
  patience: number;
  /** Keep the last N step checkpoints (the best-on-dev one is kept apart). */
  keepCheckpoints: number;
  /** Also save every N steps (0 = only at evaluations and the end). */
  checkpointEvery: number;
  /**
   * Decay of an exponential moving average of the weights that dev evaluation, the best
   * checkpoint and inference use (src/train/weightAverage.ts); 0 or absent = no average.
   */
  ema?: number;
  /**
   * Split each batch into this many micro-batches whose gradients are accumulated before one
   * optimizer step (src/train/loop.ts): peak memory holds one micro-batch's activations. In-batch
   * contrastive negatives then come from the micro-batch only. Absent = 1 (no split).
   */
  microBatches?: number;
  /**
   * Mention replacement in training (src/train/mentionReplace.ts): the probability that an
   * entity mention is swapped for another training mention of its type. 0 or absent = off.
   */
  mentionReplace?: number;
  seed: number;
}

export interface RunConfig {
  model: ModelConfig;
  train: TrainConfig;
}

function tinyPreset(entityTypes: string[], seed: number): RunConfig {
  return {
    model: {
      preset: 'tiny',
      ablation: 'none',
      seed,
      entityTypes,
      // No dropout on the words that enter the residual beside the image context (see tinyEncoder.ts).
      text: { kind: 'tiny', options: { outputDropout: 0 } },
      image: { branches: ['cnn'], size: 64, paths: {} },
      collaboration: { heads: 4, dropout: 0.1, gate: true },
      contrastive: { form: 'nt-xent', level: 'sentence', temperature: 0.5, projectionDim: 64 },
      lossWeights: { crf: 1, contrastive: 0.25 },
      dropout: 0.5,
      tagScheme: 'IOB2',
    },
    train: {
      optimizer: 'adamw',
      lr: 2e-3,
      encoderLr: 2e-3,
      weightDecay: 1e-4,
      warmup: 0.05,
      epochs: 12,
      batchSize: 32,
      clipNorm: 5,
      patience: 4,
      keepCheckpoints: 2,
      checkpointEvery: 0,
      mentionReplace: 0,
      seed,
    },
  };
}

/** The authors' configuration (paper.md §2), selected on dev and scored strictly, not on test. */
function paperPreset(entityTypes: string[], seed: number): RunConfig {
  return {
    model: {
      preset: 'paper',
      ablation: 'none',
      seed,
      entityTypes,
      text: { kind: 'bert', path: '', layer: -1 },
      image: { branches: ['vit', 'resnet'], size: 224, paths: {}, freeze: ['resnet'] },
      collaboration: { heads: 12, dropout: 0.1, gate: true },
      contrastive: { form: 'nt-xent', level: 'sentence', temperature: 0.5, projectionDim: 768 },
      lossWeights: { crf: 2 * 0.8, contrastive: 2 * 0.2 },
      dropout: 0.1,
      tagScheme: 'IOB2',
    },
    train: {
      optimizer: 'adam',
      lr: 5e-5,
      encoderLr: 5e-5,
      weightDecay: 0,
      warmup: 0,
      epochs: 8,
      batchSize: 32,
      clipNorm: 0,
      patience: 0,
      keepCheckpoints: 2,
      checkpointEvery: 0,
      mentionReplace: 0,
      seed,
    },
  };
}

function usage(what: string, value: unknown, valid: readonly string[]): MmnerError {
  return new MmnerError('E_CONFIG', `unknown ${what} '${String(value)}'`, {
    hint: `valid values: ${valid.join(', ')}`,
  });
}

/** Applies one ablation switch to a model config (returns a new object). */
export function applyAblation(model: ModelConfig, ablation: Ablation): ModelConfig {
  if (!(ABLATIONS as readonly string[]).includes(ablation)) throw usage('ablation', ablation, ABLATIONS);
  const m: ModelConfig = structuredClone(model);
  m.ablation = ablation;
  const keepBranch = (b: ImageBranch) => {
    if (!m.image.branches.includes(b)) {
      throw new MmnerError(
        'E_CONFIG',
        `ablation '${ablation}' needs the ${b} branch, which preset '${m.preset}' has not`,
        {
          hint: `the ${m.preset} preset's image branches: ${m.image.branches.join(', ') || 'none'}`,
        },
      );
    }
    m.image.branches = [b];
  };
  switch (ablation) {
    case 'none':
      break;
    case 'text-only':
      m.image.branches = [];
      m.contrastive = null;
      break;
    case 'no-contrastive':
      m.contrastive = null;
      break;
    case 'sentence-align':
    case 'token-align':
      if (m.contrastive) m.contrastive.level = ablation === 'token-align' ? 'token' : 'sentence';
      break;
    case 'vit-only':
      keepBranch('vit');
      break;
    case 'resnet-only':
      keepBranch('resnet');
      break;
    case 'no-gate':
      m.collaboration.gate = false;
      break;
    default: {
      const never: never = ablation;
      throw usage('ablation', never, ABLATIONS);
    }
  }
  return m;
}

/**
 * A preset's run config for a dataset's entity types, with an ablation applied. `onnx` names
 * frozen ONNX exports for the vit/resnet branches: a preset without that branch gets it added
 * (the tiny preset then has cnn + resnet), before the ablation, so `resnet-only` can keep it.
 */
export function presetConfig(
  preset: Preset,
  entityTypes: string[],
  {
    seed = 1,
    ablation = 'none' as Ablation,
    onnx = {} as Partial<Record<OnnxBranch, Pick<OnnxBranchConfig, 'path' | 'features'>>>,
  } = {},
): RunConfig {
  if (!(PRESETS as readonly string[]).includes(preset)) throw usage('preset', preset, PRESETS);
  const base = preset === 'tiny' ? tinyPreset(entityTypes, seed) : paperPreset(entityTypes, seed);
  for (const branch of ['vit', 'resnet'] as const) {
    const given = onnx[branch];
    if (!given) continue;
    if (!base.model.image.branches.includes(branch)) base.model.image.branches.push(branch);
    base.model.image.onnx = {
      ...base.model.image.onnx,
      [branch]: { path: given.path, features: given.features },
    };
  }
  return { ...base, model: applyAblation(base.model, ablation) };
}

/** The branch's ONNX settings when it reads precomputed features, else undefined. */
export function onnxBranch(config: ModelConfig, branch: ImageBranch): OnnxBranchConfig | undefined {
  return branch === 'cnn' ? undefined : config.image.onnx?.[branch];
}

/** The config less its ONNX-fed branches: what loadPretrained must load (those need no weights folder). */
export function withoutOnnxBranches(config: ModelConfig): ModelConfig {
  const branches = config.image.branches.filter((b) => !onnxBranch(config, b));
  return { ...config, image: { ...config.image, branches } };
}
