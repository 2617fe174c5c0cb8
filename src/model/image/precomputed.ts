/**
 * An image branch fed precomputed features (a frozen ONNX export's output, read from the feature
 * cache) instead of pixels: it has no weights, so the frozen encoder runs once per image and not
 * once per training step. The model hands it a `[B, rows, D]` tensor per batch (ModelBatch's
 * `imageFeatures`); it splits that into regions and a global vector as the pixel encoders do.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import { checkPositiveInt } from '../layers.js';
import type { ImageEncoder, ImageEncoding } from '../parts.js';

export interface PrecomputedImageConfig {
  /** Feature width D. */
  dim: number;
  /** Stored rows per image: 1 for a pooled vector, else the export's tokens / grid cells. */
  rows: number;
  /** Row 0 is a CLS token: it is the global vector and rows 1.. are the regions (ViT). */
  cls?: boolean;
  /** Rows × columns of the regions (row-major), for drawing attention. */
  grid?: [number, number];
  /** Names the branch in errors. */
  name?: string;
}

/** An image encoder that reads features; `encodeFeatures` is what the model calls for it. */
export interface FeatureImageEncoder extends ImageEncoder {
  /** Shape of one image's features as the batch holds them: `[rows, D]`. */
  readonly featureShape: [number, number];
  /** features `[B, rows, D]` → regions `[B, R, D]`, global `[B, D]`; call inside tf.tidy. */
  encodeFeatures(features: tf.Tensor3D): ImageEncoding;
}

export function readsFeatures(encoder: ImageEncoder): encoder is FeatureImageEncoder {
  return typeof (encoder as Partial<FeatureImageEncoder>).encodeFeatures === 'function';
}

export class PrecomputedImageEncoder implements FeatureImageEncoder {
  readonly outputDim: number;
  readonly numRegions: number;
  readonly regionGrid?: [number, number];
  readonly featureShape: [number, number];
  private readonly cls: boolean;
  private readonly name: string;

  constructor(config: PrecomputedImageConfig) {
    checkPositiveInt(config.dim, 'precomputed features dim');
    checkPositiveInt(config.rows, 'precomputed features rows');
    this.cls = Boolean(config.cls) && config.rows > 1;
    this.name = config.name ?? 'precomputed';
    this.outputDim = config.dim;
    this.numRegions = this.cls ? config.rows - 1 : config.rows;
    this.featureShape = [config.rows, config.dim];
    const g = config.grid;
    if (g && g[0] * g[1] === this.numRegions) this.regionGrid = [g[0], g[1]];
  }

  encodeFeatures(features: tf.Tensor3D): ImageEncoding {
    const [b, rows, d] = features.shape;
    if (rows !== this.featureShape[0] || d !== this.featureShape[1]) {
      throw new MmnerError(
        'E_SHAPE',
        `the ${this.name} branch takes features [B, ${this.featureShape.join(', ')}], got [${features.shape.join(', ')}]`,
        { hint: 'the feature cache holds another export or feature kind than the run was trained with' },
      );
    }
    return tf.tidy(() => {
      if (this.cls) {
        const global = tf.reshape(tf.slice(features, [0, 0, 0], [b, 1, d]), [b, d]) as tf.Tensor2D;
        return { regions: tf.slice(features, [0, 1, 0], [b, rows - 1, d]) as tf.Tensor3D, global };
      }
      // Pooled (one row): the vector is both the one region and the global vector.
      return { regions: tf.clone(features), global: tf.mean(features, 1) as tf.Tensor2D };
    });
  }

  encode(): ImageEncoding {
    throw new MmnerError('E_USAGE', `the ${this.name} branch reads precomputed features, not pixels`, {
      hint: 'pass the features in ModelBatch.imageFeatures (the CLI fills them from the feature cache)',
    });
  }

  namedVariables(): Map<string, tf.Variable> {
    return new Map();
  }

  dispose(): void {}
}
