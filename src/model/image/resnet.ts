/**
 * The frozen ResNet branch of the `paper` preset (microsoft/resnet-152 in Hugging Face's
 * `ResNetModel` layout): a 7×7 stride-2 stem + 3×3 max pool, then stages of bottleneck (or basic)
 * residual layers. It is never trained, so each BatchNorm is folded into its convolution when the
 * weights are loaded (inference mode: the stored running mean/var, eps 1e-5) and every conv runs as
 * one fused conv + bias (+ ReLU). Padding is explicit and symmetric (PyTorch's kernel//2): tfjs
 * 'same' pads stride-2 convolutions asymmetrically, which would shift every feature map.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import { checkPositiveInt, KernelBias } from '../layers.js';
import type { ImageEncoder, ImageEncoding } from '../parts.js';
import type { WeightSpec } from '../weights/mapping.js';
import type { Tensor as WeightTensor } from '../weights/safetensors.js';
import {
  applyRenormalization,
  hwioFromOihw,
  IMAGENET_NORM,
  type ImageNorm,
  renormalization,
  VariableFactory,
} from './vit.js';

export type ResNetLayerType = 'bottleneck' | 'basic';

export interface ResNetConfig {
  /** Channels out of the stem (64 for every microsoft/resnet-*). */
  embeddingSize: number;
  /** Output channels of each stage (ResNet-152: 256, 512, 1024, 2048). */
  hiddenSizes: number[];
  /** Layers per stage (ResNet-152: 3, 8, 36, 3). */
  depths: number[];
  layerType: ResNetLayerType;
  /** The first stage halves the grid too (default false: only stages 2… do). */
  downsampleInFirstStage: boolean;
  /** A downsampling bottleneck puts its stride on the first 1×1 conv instead of the 3×3 (default false). */
  downsampleInBottleneck: boolean;
}

/** microsoft/resnet-152. */
export const RESNET_152: Readonly<ResNetConfig> = Object.freeze({
  embeddingSize: 64,
  hiddenSizes: [256, 512, 1024, 2048],
  depths: [3, 8, 36, 3],
  layerType: 'bottleneck',
  downsampleInFirstStage: false,
  downsampleInBottleneck: false,
});

/** PyTorch's BatchNorm2d default, which HF's ResNet uses. */
const BN_EPS = 1e-5;
/** Bottleneck layers reduce to out/4 channels. */
const REDUCTION = 4;
/** Smallest accepted input side: five halvings leave at least one cell. */
export const RESNET_MIN_SIZE = 32;

/**
 * A ResNetConfig from a Hugging Face `ResNetConfig` object (absent fields take HF's defaults:
 * ResNet-50's sizes). A bad or unsupported value is an E_MODEL_CONFIG naming `file`.
 */
export function resnetConfigFromHf(hf: Record<string, unknown>, file?: string): ResNetConfig {
  const bad = (key: string, why: string) =>
    new MmnerError('E_MODEL_CONFIG', `${key} ${why}`, {
      ...(file ? { file } : {}),
      hint: 'use the config.json that came with the checkpoint',
    });
  const ints = (key: string, fallback: number[]) => {
    const v = hf[key] ?? fallback;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && x >= 1)) {
      throw bad(key, `must be a non-empty list of positive integers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  };
  const bool = (key: string) => {
    const v = hf[key] ?? false;
    if (typeof v !== 'boolean') throw bad(key, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const embedding = hf.embedding_size ?? 64;
  if (!Number.isInteger(embedding) || (embedding as number) < 1) {
    throw bad('embedding_size', `must be a positive integer, got ${JSON.stringify(embedding)}`);
  }
  const layerType = hf.layer_type ?? 'bottleneck';
  if (layerType !== 'bottleneck' && layerType !== 'basic') {
    throw bad('layer_type', `must be "bottleneck" or "basic", got ${JSON.stringify(layerType)}`);
  }
  const act = hf.hidden_act ?? 'relu';
  if (act !== 'relu')
    throw bad('hidden_act', `${JSON.stringify(act)} is not supported (mmner runs relu ResNets)`);
  if ((hf.num_channels ?? 3) !== 3) throw bad('num_channels', 'must be 3 (RGB images)');
  const c: ResNetConfig = {
    embeddingSize: embedding as number,
    hiddenSizes: ints('hidden_sizes', [256, 512, 1024, 2048]),
    depths: ints('depths', [3, 4, 6, 3]),
    layerType,
    downsampleInFirstStage: bool('downsample_in_first_stage'),
    downsampleInBottleneck: bool('downsample_in_bottleneck'),
  };
  if (c.depths.length !== c.hiddenSizes.length) {
    throw bad('depths', `has ${c.depths.length} stages but hidden_sizes has ${c.hiddenSizes.length}`);
  }
  if (c.layerType === 'bottleneck' && c.hiddenSizes.some((h) => h % REDUCTION !== 0)) {
    throw bad('hidden_sizes', `must be multiples of ${REDUCTION} for bottleneck layers`);
  }
  return c;
}

/** One conv of the plan: kernel side, stride, channels, and whether ReLU follows. */
interface ConvPlan {
  /** Our variable prefix, e.g. `stages.1.layers.0.conv2`. */
  name: string;
  /** HF's prefix of its `convolution` / `normalization`, e.g. `encoder.stages.1.layers.0.layer.1`. */
  hfName: string;
  kernel: number;
  stride: number;
  inC: number;
  outC: number;
  relu: boolean;
}

interface LayerPlan {
  /** Absent when the shortcut is the identity (same channels, stride 1). */
  shortcut?: ConvPlan;
  convs: ConvPlan[];
}

/** The layers as HF's ResNetEncoder builds them: the first layer of a stage may downsample and change width. */
function planLayers(c: ResNetConfig): LayerPlan[][] {
  return c.hiddenSizes.map((outC, s) => {
    const stageIn = s === 0 ? c.embeddingSize : c.hiddenSizes[s - 1]!;
    const stageStride = s === 0 && !c.downsampleInFirstStage ? 1 : 2;
    return Array.from({ length: c.depths[s]! }, (_, i) => {
      const inC = i === 0 ? stageIn : outC;
      const stride = i === 0 ? stageStride : 1;
      const name = `stages.${s}.layers.${i}`;
      const hf = `encoder.stages.${s}.layers.${i}`;
      const conv = (
        n: number,
        kernel: number,
        st: number,
        a: number,
        b: number,
        relu: boolean,
      ): ConvPlan => ({
        name: `${name}.conv${n + 1}`,
        hfName: `${hf}.layer.${n}`,
        kernel,
        stride: st,
        inC: a,
        outC: b,
        relu,
      });
      let convs: ConvPlan[];
      if (c.layerType === 'bottleneck') {
        const r = outC / REDUCTION;
        // only a stage's first layer gets downsample_in_bottleneck (the others have stride 1 anyway)
        const early = c.downsampleInBottleneck;
        convs = [
          conv(0, 1, early ? stride : 1, inC, r, true),
          conv(1, 3, early ? 1 : stride, r, r, true),
          conv(2, 1, 1, r, outC, false),
        ];
      } else {
        convs = [conv(0, 3, stride, inC, outC, true), conv(1, 3, 1, outC, outC, false)];
      }
      const needsShortcut = inC !== outC || stride !== 1;
      const shortcut: ConvPlan | undefined = needsShortcut
        ? {
            name: `${name}.shortcut`,
            hfName: `${hf}.shortcut`,
            kernel: 1,
            stride,
            inC,
            outC,
            relu: false,
          }
        : undefined;
      return shortcut ? { shortcut, convs } : { convs };
    });
  });
}

const STEM: Omit<ConvPlan, 'outC'> = {
  name: 'embedder',
  hfName: 'embedder.embedder',
  kernel: 7,
  stride: 2,
  inC: 3,
  relu: true,
};

function allConvs(c: ResNetConfig): ConvPlan[] {
  const out: ConvPlan[] = [{ ...STEM, outC: c.embeddingSize }];
  for (const stage of planLayers(c))
    for (const l of stage) out.push(...(l.shortcut ? [l.shortcut] : []), ...l.convs);
  return out;
}

/**
 * What the checkpoint must hold: per conv its weight `[out, in, k, k]` and its BatchNorm's weight,
 * bias, running_mean and running_var. Our names are HF's without a prefix (`resnet.` is detected);
 * `num_batches_tracked` and the classifier are left unused.
 */
export function resnetWeightSpec(c: ResNetConfig): WeightSpec[] {
  const spec: WeightSpec[] = [];
  for (const p of allConvs(c)) {
    const conv = `${p.hfName}.convolution.weight`;
    spec.push({ ourName: conv, hfNames: [conv], shape: [p.outC, p.inC, p.kernel, p.kernel] });
    for (const part of ['weight', 'bias', 'running_mean', 'running_var']) {
      const n = `${p.hfName}.normalization.${part}`;
      spec.push({ ourName: n, hfNames: [n], shape: [p.outC] });
    }
  }
  return spec;
}

/** Side of the output grid for an input side: the stem conv, the max pool and each downsampling stage halve it (rounding up). */
export function resnetGrid(
  size: number,
  c: Pick<ResNetConfig, 'hiddenSizes' | 'downsampleInFirstStage'>,
): number {
  const halvings = 2 + c.hiddenSizes.length - (c.downsampleInFirstStage ? 0 : 1);
  let s = size;
  for (let i = 0; i < halvings; i++) s = Math.ceil(s / 2);
  return s;
}

/** The variables of a conv with its BatchNorm folded in: kernel HWIO, bias `[out]` (both frozen). */
function foldedConvVariables(make: VariableFactory, plan: ConvPlan): [tf.Variable, tf.Variable] {
  const { outC, inC, kernel: k } = plan;
  const oihw = [outC, inC, k, k];
  let scale: Float64Array | undefined;
  let bias: Float32Array | undefined;
  if (make.loading) {
    // inference-mode BatchNorm: y = (x − mean)·γ/√(var + eps) + β = x·scale + (β − mean·scale)
    const bn = (part: string) => make.weight(`${plan.hfName}.normalization.${part}`, [outC]).data;
    const [gamma, beta, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map(
      bn,
    ) as Float32Array[];
    scale = new Float64Array(outC);
    bias = new Float32Array(outC);
    for (let o = 0; o < outC; o++) {
      scale[o] = gamma![o]! / Math.sqrt(variance![o]! + BN_EPS);
      bias[o] = beta![o]! - mean![o]! * scale[o]!;
    }
  }
  // Random init (no checkpoint): He-uniform kernels and zero biases, i.e. BatchNorms at identity.
  const kernel = make.make(
    `${plan.hfName}.convolution.weight`,
    [k, k, inC, outC],
    Math.sqrt(6 / (k * k * inC)),
    oihw,
    (t) => hwioFromOihw(t, scale),
  );
  const b = bias ?? new Float32Array(outC);
  const folded = tf.tidy(() => tf.variable(tf.tensor1d(b), false));
  kernel.trainable = false;
  return [kernel, folded];
}

/** A conv with its BatchNorm folded in: kernel HWIO, bias `[out]`. */
class FoldedConv extends KernelBias {
  constructor(
    make: VariableFactory,
    readonly plan: ConvPlan,
  ) {
    super(...foldedConvVariables(make, plan));
  }

  /** x `[B, H, W, in]` → `[B, ⌈H/stride⌉, ⌈W/stride⌉, out]`, zero-padded by kernel//2 on every side as PyTorch does. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const p = Math.floor(this.plan.kernel / 2);
    const padded =
      p > 0
        ? tf.pad(x, [
            [0, 0],
            [p, p],
            [p, p],
            [0, 0],
          ])
        : x;
    return tf.fused.conv2d({
      x: padded,
      filter: this.kernel as tf.Tensor4D,
      strides: this.plan.stride,
      pad: 'valid',
      bias: this.bias,
      activation: this.plan.relu ? 'relu' : 'linear',
    });
  }
}

interface ResidualLayer {
  shortcut?: FoldedConv;
  convs: FoldedConv[];
}

export interface ResNetOptions {
  /** The input side the model is built for, which sets `numRegions` (default 224). Other sizes ≥ 32 are accepted too. */
  imageSize?: number;
  /** How the pipeline normalised the images (default ImageNet's). */
  inputNorm?: ImageNorm;
  /** The checkpoint processor's mean/std (default ImageNet's, as microsoft/resnet-*). */
  modelNorm?: ImageNorm;
  /** Tensors by the names `resnetWeightSpec` gives (HF's, unprefixed); default seeded random. */
  weights?: ReadonlyMap<string, WeightTensor>;
  /** Seed of the random initial weights (default 'resnet'). */
  seed?: string | number;
}

/**
 * regions = the last feature map `[B, h·w, C]` (cells row-major), global = its spatial mean `[B, C]`
 * (HF pooler_output). Always frozen: no variable is trainable and `training` changes nothing.
 */
export class ResNetEncoder implements ImageEncoder {
  readonly config: Readonly<ResNetConfig>;
  readonly outputDim: number;
  /** Regions for `imageSize` inputs (another input size gives another count). */
  readonly numRegions: number;
  readonly imageSize: number;
  readonly frozen = true;
  readonly inputNorm: ImageNorm;
  readonly modelNorm: ImageNorm;
  private readonly stem: FoldedConv;
  private readonly stages: ResidualLayer[][];
  private readonly renorm: ReturnType<typeof renormalization>;

  constructor(config: ResNetConfig, options: ResNetOptions = {}) {
    const c: ResNetConfig = { ...config, hiddenSizes: [...config.hiddenSizes], depths: [...config.depths] };
    checkPositiveInt(c.embeddingSize, 'ResNet embeddingSize');
    if (c.hiddenSizes.length === 0 || c.hiddenSizes.length !== c.depths.length) {
      throw new MmnerError(
        'E_CONFIG',
        'ResNet hiddenSizes and depths must name the same, non-zero number of stages',
      );
    }
    for (const [i, h] of c.hiddenSizes.entries()) checkPositiveInt(h, `ResNet hiddenSizes[${i}]`);
    for (const [i, d] of c.depths.entries()) checkPositiveInt(d, `ResNet depths[${i}]`);
    if (c.layerType === 'bottleneck' && c.hiddenSizes.some((h) => h % REDUCTION !== 0)) {
      throw new MmnerError(
        'E_CONFIG',
        `ResNet hiddenSizes must be multiples of ${REDUCTION} for bottleneck layers`,
      );
    }
    this.config = Object.freeze(c);
    this.imageSize = options.imageSize ?? 224;
    if (!Number.isInteger(this.imageSize) || this.imageSize < RESNET_MIN_SIZE) {
      throw new MmnerError(
        'E_CONFIG',
        `ResNet imageSize must be an integer ≥ ${RESNET_MIN_SIZE}, got ${this.imageSize}`,
      );
    }
    const grid = resnetGrid(this.imageSize, c);
    this.numRegions = grid * grid;
    this.outputDim = c.hiddenSizes[c.hiddenSizes.length - 1]!;
    this.inputNorm = options.inputNorm ?? IMAGENET_NORM;
    this.modelNorm = options.modelNorm ?? IMAGENET_NORM;
    this.renorm = renormalization(this.inputNorm, this.modelNorm);
    const make = new VariableFactory(`${options.seed ?? 'resnet'}`, options.weights);
    this.stem = new FoldedConv(make, { ...STEM, outC: c.embeddingSize });
    this.stages = planLayers(c).map((stage) =>
      stage.map((l) => {
        const convs = l.convs.map((p) => new FoldedConv(make, p));
        return l.shortcut ? { shortcut: new FoldedConv(make, l.shortcut), convs } : { convs };
      }),
    );
  }

  /** images `[B, H, W, 3]` (H, W ≥ 32) normalised with `inputNorm` → regions `[B, h·w, C]`, global `[B, C]`. */
  encode(images: tf.Tensor4D, _training: boolean): ImageEncoding {
    const [b, h, w, ch] = images.shape;
    if (ch !== 3 || h < RESNET_MIN_SIZE || w < RESNET_MIN_SIZE) {
      throw new MmnerError(
        'E_SHAPE',
        `the ResNet image encoder expects images [B, H, W, 3] with H, W ≥ ${RESNET_MIN_SIZE}, got [${images.shape.join(', ')}]`,
        { hint: `preprocess images with size ${this.imageSize}` },
      );
    }
    return tf.tidy(() => {
      let x = this.stem.apply(applyRenormalization(images, this.renorm));
      // 3×3 stride-2 max pool with PyTorch's padding 1: after the ReLU every value is ≥ 0, so zero
      // padding never wins a max and equals PyTorch's −∞ padding.
      x = tf.maxPool(
        tf.pad(x, [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ]),
        3,
        2,
        'valid',
      );
      for (const stage of this.stages) {
        for (const layer of stage) {
          const residual = layer.shortcut ? layer.shortcut.apply(x) : x;
          let y = x;
          for (const conv of layer.convs) y = conv.apply(y);
          x = tf.relu(tf.add(y, residual)) as tf.Tensor4D;
        }
      }
      const [, gh, gw, c] = x.shape;
      return {
        regions: tf.reshape(x, [b, gh * gw, c]) as tf.Tensor3D,
        global: tf.mean(x, [1, 2]) as tf.Tensor2D,
      };
    });
  }

  /** `embedder.kernel`/`.bias`, then `stages.<s>.layers.<i>.{shortcut,conv1,conv2,conv3}.{kernel,bias}` (BatchNorm folded in). */
  namedVariables(): Map<string, tf.Variable> {
    const all = new Map<string, tf.Variable>();
    const add = (conv: FoldedConv) => {
      for (const [n, v] of conv.namedVariables()) all.set(`${conv.plan.name}.${n}`, v);
    };
    add(this.stem);
    for (const stage of this.stages) {
      for (const l of stage) {
        if (l.shortcut) add(l.shortcut);
        for (const conv of l.convs) add(conv);
      }
    }
    return all;
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}
