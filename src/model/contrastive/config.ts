/**
 * The contrastive-alignment config of a 2M-NER model (form × level), its documented defaults,
 * validation that names the valid values, and `contrastiveLoss`, which dispatches to the
 * matching loss. Defaults follow the authors' code: sentence-level NT-Xent with τ = 0.5.
 */
import type * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import {
  CLIP_INIT_LOG_SCALE,
  DEFAULT_TEMPERATURE,
  infoNce,
  ntXent,
  type TokenRegionBatch,
  tokenInfoNce,
  tokenNtXent,
} from './losses.js';

export const CONTRASTIVE_FORMS = ['nt-xent', 'infonce'] as const;
export const CONTRASTIVE_LEVELS = ['sentence', 'token'] as const;
export type ContrastiveForm = (typeof CONTRASTIVE_FORMS)[number];
export type ContrastiveLevel = (typeof CONTRASTIVE_LEVELS)[number];

export interface ContrastiveConfig {
  /** 'nt-xent' (default; the paper's SimCLR loss) or 'infonce' (CLIP's symmetric loss). */
  form?: ContrastiveForm;
  /** 'sentence' (default; sentence vector ↔ global image vector) or 'token' (tokens ↔ regions). */
  level?: ContrastiveLevel;
  /** NT-Xent temperature τ > 0 (default 0.5, the authors' value). Ignored by InfoNCE. */
  temperature?: number;
  /** InfoNCE initial log logit scale (default log(1/0.07) ≈ 2.659, CLIP's). Ignored by NT-Xent. */
  initLogScale?: number;
}

export type ResolvedContrastiveConfig = Required<ContrastiveConfig>;

export const CONTRASTIVE_DEFAULTS: Readonly<ResolvedContrastiveConfig> = Object.freeze({
  form: 'nt-xent',
  level: 'sentence',
  temperature: DEFAULT_TEMPERATURE,
  initLogScale: CLIP_INIT_LOG_SCALE,
});

const KEYS = Object.keys(CONTRASTIVE_DEFAULTS);

/**
 * Fills defaults and validates (also values read from JSON). Bad values and unknown keys →
 * MmnerError 'E_CONFIG' naming the valid ones.
 */
export function resolveContrastiveConfig(config: ContrastiveConfig = {}): ResolvedContrastiveConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new MmnerError('E_CONFIG', 'contrastive config must be an object');
  }
  for (const key of Object.keys(config)) {
    if (!KEYS.includes(key)) {
      throw new MmnerError('E_CONFIG', `unknown contrastive config key "${key}"`, {
        hint: `valid keys: ${KEYS.join(', ')}`,
      });
    }
  }
  const out: ResolvedContrastiveConfig = { ...CONTRASTIVE_DEFAULTS };
  if (config.form !== undefined) out.form = oneOf(config.form, CONTRASTIVE_FORMS, 'form');
  if (config.level !== undefined) out.level = oneOf(config.level, CONTRASTIVE_LEVELS, 'level');
  if (config.temperature !== undefined) {
    const t = config.temperature as unknown;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
      throw new MmnerError(
        'E_CONFIG',
        `contrastive temperature must be a positive number, got ${String(t)}`,
        {
          hint: `the paper uses ${DEFAULT_TEMPERATURE}`,
        },
      );
    }
    out.temperature = t;
  }
  if (config.initLogScale !== undefined) {
    const s = config.initLogScale as unknown;
    if (typeof s !== 'number' || !Number.isFinite(s)) {
      throw new MmnerError('E_CONFIG', `contrastive initLogScale must be a finite number, got ${String(s)}`, {
        hint: `CLIP uses log(1/0.07) ≈ ${CLIP_INIT_LOG_SCALE.toFixed(4)}`,
      });
    }
    out.initLogScale = s;
  }
  return out;
}

function oneOf<T extends string>(value: unknown, valid: readonly T[], what: string): T {
  if (typeof value === 'string' && (valid as readonly string[]).includes(value)) return value as T;
  throw new MmnerError('E_CONFIG', `invalid contrastive ${what} ${JSON.stringify(value)}`, {
    hint: `valid values: ${valid.map((v) => `'${v}'`).join(', ')}`,
  });
}

/** Sentence-level inputs: projected text `[B,D]` and image `[B,D]` vectors. */
export interface SentencePairBatch {
  text: tf.Tensor2D;
  image: tf.Tensor2D;
}

export type ContrastiveInputs = SentencePairBatch | TokenRegionBatch;

/**
 * The configured loss → scalar. `inputs` must match `level` (SentencePairBatch for 'sentence',
 * TokenRegionBatch for 'token'). `logScale` is the learnable InfoNCE scale (a scalar variable from
 * `createLogScale(config.initLogScale)`); without it InfoNCE uses `initLogScale` as a constant.
 */
export function contrastiveLoss(
  config: ContrastiveConfig,
  inputs: ContrastiveInputs,
  logScale?: tf.Scalar,
): tf.Scalar {
  const c = resolveContrastiveConfig(config);
  const scale = logScale ?? c.initLogScale;
  if (c.level === 'sentence') {
    if (!('text' in inputs && 'image' in inputs)) {
      throw new MmnerError('E_USAGE', "level 'sentence' needs inputs { text, image }", {
        hint: "pass sentence and image vectors, or set level: 'token' for { tokens, tokenMask, regions }",
      });
    }
    return c.form === 'nt-xent'
      ? ntXent(inputs.text, inputs.image, c.temperature)
      : infoNce(inputs.text, inputs.image, scale);
  }
  if (!('tokens' in inputs && 'tokenMask' in inputs && 'regions' in inputs)) {
    throw new MmnerError('E_USAGE', "level 'token' needs inputs { tokens, tokenMask, regions }", {
      hint: "pass token and region vectors, or set level: 'sentence' for { text, image }",
    });
  }
  return c.form === 'nt-xent' ? tokenNtXent(inputs, c.temperature) : tokenInfoNce(inputs, scale);
}
