/**
 * The contracts between the parts of 2M-NER, so encoders, the collaboration module and the
 * decoder can be swapped by preset (tiny vs paper) and ablation. Shapes: B batch, T words,
 * R image regions, D widths.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Module } from './module.js';

/** A batch of sentences at word level, as plain arrays (built once per batch, uploaded by the model). */
export interface TextBatch {
  /** Words per sentence, padded to `maxLen` = T. */
  lengths: number[];
  maxLen: number;
  /** The words themselves (for encoders that build their own ids: chars, subwords). */
  tokens: string[][];
}

export interface TextEncoding {
  /** One vector per word (the first subword's for subword encoders): `[B, T, D]`. */
  words: tf.Tensor3D;
  /** One vector per sentence (pooled or [CLS]): `[B, D]`. */
  sentence: tf.Tensor2D;
  /** A weighted side loss of the encoder's own, training only (the tiny encoder's LM objective). */
  auxLoss?: tf.Scalar;
}

export interface TextEncoder extends Module {
  readonly outputDim: number;
  /** Call inside tf.tidy; `training` turns dropout on. */
  encode(batch: TextBatch, training: boolean): TextEncoding;
}

export interface ImageEncoding {
  /** Region (patch / grid cell) vectors: `[B, R, D]`. */
  regions: tf.Tensor3D;
  /** One vector per image: `[B, D]`. */
  global: tf.Tensor2D;
}

export interface ImageEncoder extends Module {
  readonly outputDim: number;
  readonly numRegions: number;
  /** Rows × columns of the regions (row-major), for drawing attention; default a square ⌈√R⌉ grid. */
  readonly regionGrid?: [number, number];
  /** images `[B, H, W, 3]` normalised float32; call inside tf.tidy. */
  encode(images: tf.Tensor4D, training: boolean): ImageEncoding;
}

export interface CollaborationOutput {
  /** Words enriched with image context: `[B, T, Dt]`. */
  fused: tf.Tensor3D;
  /** Only when inspecting: attention `[B, heads, T, R]` and gate `[B, T]`, one per branch. */
  attention?: tf.Tensor4D[];
  gate?: tf.Tensor2D[];
}

export interface Collaboration extends Module {
  apply(
    words: tf.Tensor3D,
    wordMask: tf.Tensor2D,
    branches: { regions: tf.Tensor3D }[],
    options: { training: boolean; inspect?: boolean },
  ): CollaborationOutput;
}
