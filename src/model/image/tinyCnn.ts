/**
 * A small trainable image encoder for the tiny preset and the CPU demo: 3×3 stride-2 convolutions
 * with ReLU ('same' padding; 3→32→64→128 on 64×64 gives an 8×8 grid = 64 regions of 128), then
 * LayerNorm per region (no BatchNorm: batches are small and mixed), dropout, and a mean-pooled global vector.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import {
  checkPositiveInt,
  checkRate,
  Dropout,
  filled,
  KernelBias,
  LayerNorm,
  Linear,
  seededUniform,
} from '../layers.js';
import { collectVariables, type Module } from '../module.js';
import type { ImageEncoder, ImageEncoding } from '../parts.js';

export interface TinyCnnConfig {
  /** Input side in pixels (default 64). */
  imageSize: number;
  /** Output channels of each conv layer (default [32, 64, 128]); the last is `outputDim`. */
  channels: readonly number[];
  /** Dropout on the region vectors while training (default 0.1). */
  dropout: number;
  /** LayerNorm on each region vector (default true). */
  layerNorm: boolean;
  /** A Linear `[D, D]` after the mean pool for `global` (default false: the plain mean). */
  globalProjection: boolean;
  /** Seed of the initial weights (default 'tiny-cnn'). */
  seed: string | number;
}

export const DEFAULT_TINY_CNN: Readonly<TinyCnnConfig> = Object.freeze({
  imageSize: 64,
  channels: Object.freeze([32, 64, 128]),
  dropout: 0.1,
  layerNorm: true,
  globalProjection: false,
  seed: 'tiny-cnn',
});

/** One conv layer's variables: kernel `[3, 3, in, out]` (He-uniform), bias `[out]` (zeros). */
class Conv extends KernelBias {
  constructor(seed: string, name: string, inC: number, outC: number) {
    // He-uniform: Var = 2/fan_in for ReLU, fan_in = 3·3·in.
    super(
      seededUniform(seed, `${name}.kernel`, [3, 3, inC, outC], Math.sqrt(6 / (9 * inC))),
      filled([outC], 0),
    );
  }

  /** x `[B, H, W, in]` → relu(conv(x) + b) `[B, ⌈H/2⌉, ⌈W/2⌉, out]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(
      () => tf.relu(tf.add(tf.conv2d(x, this.kernel as tf.Tensor4D, 2, 'same'), this.bias)) as tf.Tensor4D,
    );
  }
}

export class TinyCnn implements ImageEncoder {
  readonly config: Readonly<TinyCnnConfig>;
  readonly outputDim: number;
  readonly numRegions: number;
  /** Side of the region grid (8 for 64×64 and three layers); region r is row ⌊r/grid⌋, column r mod grid. */
  readonly gridSize: number;
  readonly regionGrid: [number, number];
  private readonly convs: Conv[];
  private readonly norm: LayerNorm | undefined;
  private readonly globalLinear: Linear | undefined;
  private readonly drop: Dropout;

  constructor(config: Partial<TinyCnnConfig> = {}) {
    const c = { ...DEFAULT_TINY_CNN, ...config };
    checkPositiveInt(c.imageSize, 'TinyCnn imageSize');
    if (c.channels.length < 1)
      throw new MmnerError('E_CONFIG', 'TinyCnn channels must name at least one layer');
    for (const [i, n] of c.channels.entries()) checkPositiveInt(n, `TinyCnn channels[${i}]`);
    checkRate(c.dropout, 'TinyCnn dropout');
    this.config = Object.freeze({ ...c, channels: Object.freeze([...c.channels]) });
    const seed = `${c.seed}`;
    let inC = 3;
    this.convs = c.channels.map((outC, i) => {
      const conv = new Conv(seed, `conv${i + 1}`, inC, outC);
      inC = outC;
      return conv;
    });
    let grid = c.imageSize;
    for (let i = 0; i < c.channels.length; i++) grid = Math.ceil(grid / 2);
    this.gridSize = grid;
    this.regionGrid = [grid, grid];
    this.numRegions = grid * grid;
    this.outputDim = inC;
    this.norm = c.layerNorm ? new LayerNorm(inC) : undefined;
    this.globalLinear = c.globalProjection ? new Linear(seed, 'global', inC, inC) : undefined;
    this.drop = new Dropout(c.dropout);
  }

  /** images `[B, S, S, 3]` → regions `[B, R, D]` (R = grid², row-major), global `[B, D]`. */
  encode(images: tf.Tensor4D, training: boolean): ImageEncoding {
    const [, h, w, ch] = images.shape;
    const s = this.config.imageSize;
    if (h !== s || w !== s || ch !== 3) {
      throw new MmnerError(
        'E_SHAPE',
        `TinyCnn expects images [B, ${s}, ${s}, 3], got [${images.shape.join(', ')}]`,
        { hint: `preprocess images with size ${s}` },
      );
    }
    return tf.tidy(() => {
      let x = images;
      for (const conv of this.convs) x = conv.apply(x);
      let regions = tf.reshape(x, [images.shape[0], this.numRegions, this.outputDim]) as tf.Tensor3D;
      if (this.norm) regions = this.norm.apply(regions);
      regions = this.drop.apply(regions, training);
      let global = tf.mean(regions, 1) as tf.Tensor2D;
      if (this.globalLinear) global = this.globalLinear.apply(global);
      return { regions, global };
    });
  }

  /** `conv1.kernel`, `conv1.bias`, …, `norm.gamma`, `norm.beta`, `global.kernel`, `global.bias`. */
  namedVariables(): Map<string, tf.Variable> {
    const parts: Record<string, Module | undefined> = {};
    this.convs.forEach((c, i) => {
      parts[`conv${i + 1}`] = c;
    });
    parts.norm = this.norm;
    parts.global = this.globalLinear;
    return collectVariables(parts);
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}
