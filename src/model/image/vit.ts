/**
 * The pretrained Vision Transformer branch of the `paper` preset, in the two Hugging Face layouts
 * 2M-NER uses: google's ViT (`ViTModel`: patch bias, exact GELU, `layernorm` on every token) and
 * CLIP's vision tower (`CLIPVisionModel`: no patch bias, `pre_layrnorm`, quick_gelu,
 * `post_layernorm` on the CLS token only). Both are pre-LN transformers over [CLS] + patches, so
 * one class serves both. Also the helpers the image encoders share: re-normalising pipeline input
 * to the checkpoint's own mean/std, and PyTorch conv kernels in tfjs order.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../core/image/options.js';
import { Rng } from '../../core/random.js';
import { checkPositiveInt, checkRate, Dropout, KernelBias, LayerNorm } from '../layers.js';
import { collectVariables, type Module } from '../module.js';
import type { ImageEncoder, ImageEncoding } from '../parts.js';
import type { WeightSpec } from '../weights/mapping.js';
import type { Tensor as WeightTensor } from '../weights/safetensors.js';

// --- shared by the image encoders

type Rgb = readonly [number, number, number];

/** Per-channel statistics on 0–1 RGB values: what `(v − mean)/std` normalised an image with. */
export interface ImageNorm {
  mean: Rgb;
  std: Rgb;
}

export const IMAGENET_NORM: Readonly<ImageNorm> = Object.freeze({ mean: IMAGENET_MEAN, std: IMAGENET_STD });
/** google/vit-* processors: 0.5 / 0.5 (inputs in [−1, 1]). */
export const VIT_NORM: Readonly<ImageNorm> = Object.freeze({
  mean: Object.freeze([0.5, 0.5, 0.5] as const),
  std: Object.freeze([0.5, 0.5, 0.5] as const),
});
/** openai/clip-* processors. */
export const CLIP_NORM: Readonly<ImageNorm> = Object.freeze({
  mean: Object.freeze([0.48145466, 0.4578275, 0.40821073] as const),
  std: Object.freeze([0.26862954, 0.26130258, 0.27577711] as const),
});

/**
 * The per-channel affine `x·scale + shift` that turns an image normalised with `from` into one
 * normalised with `to` (`undefined` when they are the same): v = x·s₁ + m₁, so
 * (v − m₂)/s₂ = x·(s₁/s₂) + (m₁ − m₂)/s₂. Computed in float64, applied in float32.
 */
export function renormalization(
  from: ImageNorm,
  to: ImageNorm,
): { scale: Float32Array; shift: Float32Array } | undefined {
  const same = [0, 1, 2].every((c) => from.mean[c] === to.mean[c] && from.std[c] === to.std[c]);
  if (same) return undefined;
  const scale = new Float32Array(3);
  const shift = new Float32Array(3);
  for (let c = 0; c < 3; c++) {
    scale[c] = from.std[c]! / to.std[c]!;
    shift[c] = (from.mean[c]! - to.mean[c]!) / to.std[c]!;
  }
  return { scale, shift };
}

/** images `[B, H, W, 3]` → the same re-normalised (call inside tf.tidy). */
export function applyRenormalization(
  images: tf.Tensor4D,
  affine: { scale: Float32Array; shift: Float32Array } | undefined,
): tf.Tensor4D {
  if (!affine) return images;
  return tf.add(tf.mul(images, tf.tensor1d(affine.scale)), tf.tensor1d(affine.shift)) as tf.Tensor4D;
}

/** A PyTorch conv weight `[out, in, kh, kw]` → tfjs's `[kh, kw, in, out]`, each output channel times `scale[o]`. */
export function hwioFromOihw(w: WeightTensor, scale?: ArrayLike<number>): Float32Array {
  const [o, i, kh, kw] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let a = 0; a < o; a++) {
    const s = scale ? scale[a]! : 1;
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          out[((y * kw + x) * i + b) * o + a] = w.data[((a * i + b) * kh + y) * kw + x]! * s;
  }
  return out;
}

/** Sets `trainable` on every variable of a module (frozen encoders get no gradients). */
export function setTrainable(module: Module, trainable: boolean): void {
  for (const v of module.namedVariables().values()) v.trainable = trainable;
}

/**
 * Makes an encoder's variables: from `weights` (by our name, shaped as the spec says, converted by
 * `from`) when given, else seeded uniform values in ±bound — so a full-size model can be built
 * without a checkpoint (benchmarks) and loading does not pay for a random init first.
 */
export class VariableFactory {
  constructor(
    private readonly seed: string,
    private readonly weights: ReadonlyMap<string, WeightTensor> | undefined,
  ) {}

  /** Whether values come from a checkpoint. */
  get loading(): boolean {
    return this.weights !== undefined;
  }

  /** The checkpoint's tensor for `name` (only while loading). */
  weight(name: string, specShape: readonly number[]): WeightTensor {
    const t = this.weights?.get(name);
    if (!t) throw new Error(`encoder weights: "${name}" was not provided`);
    if (t.dtype !== 'float32' || t.shape.join() !== specShape.join()) {
      throw new Error(
        `encoder weights: "${name}" is ${t.dtype} [${t.shape}], expected float32 [${specShape}]`,
      );
    }
    return t;
  }

  /** A variable of `shape`: the weight `name` (stored as `specShape`, converted by `from`) or U(±bound). */
  make(
    name: string,
    shape: number[],
    bound: number,
    specShape: readonly number[] = shape,
    from: (t: WeightTensor) => Float32Array = (t) => t.data as Float32Array,
  ): tf.Variable {
    let values: Float32Array;
    if (this.weights) {
      values = from(this.weight(name, specShape));
    } else {
      const r = new Rng(`${this.seed}/${name}`);
      values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < values.length; i++) values[i] = r.range(-bound, bound);
    }
    return tf.tidy(() => tf.variable(tf.tensor(values, shape), true));
  }

  /** A LayerNorm whose gamma/beta come from `<name>.gamma`/`<name>.beta` when loading. */
  layerNorm(name: string, dim: number, eps: number): LayerNorm {
    const ln = new LayerNorm(dim, eps);
    if (this.weights) {
      tf.tidy(() => {
        ln.gamma.assign(tf.tensor1d(this.weight(`${name}.gamma`, [dim]).data as Float32Array));
        ln.beta.assign(tf.tensor1d(this.weight(`${name}.beta`, [dim]).data as Float32Array));
      });
    }
    return ln;
  }
}

// --- ViT configuration

export type VitLayout = 'vit' | 'clip';
/** `gelu` is exact (erf); `gelu_tanh` the tanh approximation (HF gelu_new / gelu_pytorch_tanh / gelu_fast). */
export type VitActivation = 'gelu' | 'gelu_tanh' | 'quick_gelu' | 'relu';

export interface VitConfig {
  layout: VitLayout;
  /** Input side in pixels; inputs must be exactly this size (position embeddings are not interpolated). */
  imageSize: number;
  patchSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  activation: VitActivation;
  layerNormEps: number;
  /** ViT: after the embeddings and on each residual branch; CLIP's vision tower has none (0). */
  hiddenDropout: number;
  /** On the attention probabilities. */
  attentionDropout: number;
}

/** ViT-B/16 as google/vit-base-patch16-224 (HF ViTConfig defaults). */
export const VIT_BASE_16: Readonly<VitConfig> = Object.freeze({
  layout: 'vit',
  imageSize: 224,
  patchSize: 16,
  hiddenSize: 768,
  numLayers: 12,
  numHeads: 12,
  intermediateSize: 3072,
  activation: 'gelu',
  layerNormEps: 1e-12,
  hiddenDropout: 0,
  attentionDropout: 0,
});

/** CLIP ViT-B/32's vision tower as openai/clip-vit-base-patch32 (HF CLIPVisionConfig defaults). */
export const CLIP_VIT_BASE_32: Readonly<VitConfig> = Object.freeze({
  layout: 'clip',
  imageSize: 224,
  patchSize: 32,
  hiddenSize: 768,
  numLayers: 12,
  numHeads: 12,
  intermediateSize: 3072,
  activation: 'quick_gelu',
  layerNormEps: 1e-5,
  hiddenDropout: 0,
  attentionDropout: 0,
});

const HF_ACTIVATIONS: Record<string, VitActivation> = {
  gelu: 'gelu',
  gelu_python: 'gelu',
  gelu_new: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
  gelu_fast: 'gelu_tanh',
  quick_gelu: 'quick_gelu',
  relu: 'relu',
};

/**
 * A VitConfig from a Hugging Face config object: a `ViTConfig` (layout `vit`) or a
 * `CLIPVisionConfig` (layout `clip`, i.e. the `vision_config` of a CLIP config). Absent fields take
 * HF's defaults; a bad or unsupported value is an E_MODEL_CONFIG naming `file`.
 */
export function vitConfigFromHf(hf: Record<string, unknown>, layout: VitLayout, file?: string): VitConfig {
  const d = layout === 'vit' ? VIT_BASE_16 : CLIP_VIT_BASE_32;
  const where = file ? { file } : {};
  const bad = (key: string, why: string) =>
    new MmnerError('E_MODEL_CONFIG', `${layout === 'clip' ? 'vision_config.' : ''}${key} ${why}`, {
      ...where,
      hint: 'use the config.json that came with the checkpoint',
    });
  const int = (key: string, fallback: number) => {
    const v = hf[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw bad(key, `must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const rate = (key: string, fallback: number) => {
    const v = hf[key] ?? fallback;
    if (typeof v !== 'number' || !(v >= 0 && v < 1))
      throw bad(key, `must be in [0, 1), got ${JSON.stringify(v)}`);
    return v;
  };
  const act = hf.hidden_act ?? (layout === 'vit' ? 'gelu' : 'quick_gelu');
  const activation = typeof act === 'string' ? HF_ACTIVATIONS[act] : undefined;
  if (!activation) {
    throw bad(
      'hidden_act',
      `${JSON.stringify(act)} is not supported (mmner runs ${Object.keys(HF_ACTIVATIONS).join(', ')})`,
    );
  }
  const eps = hf.layer_norm_eps ?? d.layerNormEps;
  if (typeof eps !== 'number' || !(eps > 0))
    throw bad('layer_norm_eps', `must be a positive number, got ${JSON.stringify(eps)}`);
  if (int('num_channels', 3) !== 3) throw bad('num_channels', 'must be 3 (RGB images)');
  if (layout === 'vit' && hf.qkv_bias === false)
    throw bad('qkv_bias', 'false is not supported (ViT checkpoints have query/key/value biases)');
  const c: VitConfig = {
    layout,
    imageSize: int('image_size', d.imageSize),
    patchSize: int('patch_size', d.patchSize),
    hiddenSize: int('hidden_size', d.hiddenSize),
    numLayers: int('num_hidden_layers', d.numLayers),
    numHeads: int('num_attention_heads', d.numHeads),
    intermediateSize: int('intermediate_size', d.intermediateSize),
    activation,
    layerNormEps: eps,
    // CLIP's `dropout` field is not used by its vision tower.
    hiddenDropout: layout === 'vit' ? rate('hidden_dropout_prob', 0) : 0,
    attentionDropout: rate(layout === 'vit' ? 'attention_probs_dropout_prob' : 'attention_dropout', 0),
  };
  checkVitConfig(c, bad);
  return c;
}

function checkVitConfig(c: VitConfig, bad: (key: string, why: string) => Error): void {
  if (c.hiddenSize % c.numHeads !== 0) {
    throw bad('hidden_size', `(${c.hiddenSize}) must be a multiple of num_attention_heads (${c.numHeads})`);
  }
  if (c.patchSize > c.imageSize)
    throw bad('patch_size', `(${c.patchSize}) is larger than image_size (${c.imageSize})`);
}

/** Patches per side: the conv has stride = patch and no padding, so a remainder is dropped (as in PyTorch). */
export const vitGrid = (c: Pick<VitConfig, 'imageSize' | 'patchSize'>): number =>
  Math.floor(c.imageSize / c.patchSize);

// --- weights

/** HF names of one layer's parts in each layout. */
const LAYER_NAMES: Record<VitLayout, Record<string, string>> = {
  vit: {
    norm1: 'layernorm_before',
    query: 'attention.attention.query',
    key: 'attention.attention.key',
    value: 'attention.attention.value',
    output: 'attention.output.dense',
    norm2: 'layernorm_after',
    fc1: 'intermediate.dense',
    fc2: 'output.dense',
  },
  clip: {
    norm1: 'layer_norm1',
    query: 'self_attn.q_proj',
    key: 'self_attn.k_proj',
    value: 'self_attn.v_proj',
    output: 'self_attn.out_proj',
    norm2: 'layer_norm2',
    fc1: 'mlp.fc1',
    fc2: 'mlp.fc2',
  },
};

/**
 * Our weight names → the checkpoint's, with the shapes stored there (Linear weights are `[out, in]`,
 * transposed on load; the patch conv stays `[D, 3, P, P]` and is reordered by the encoder). ViT names
 * are given bare (a `vit.` prefix is detected), CLIP's with `vision_model.` so that the text tower of
 * a full CLIP checkpoint never wins the prefix vote.
 */
export function vitWeightSpec(c: VitConfig): WeightSpec[] {
  const d = c.hiddenSize;
  const n = vitGrid(c) ** 2 + 1;
  const spec: WeightSpec[] = [];
  const clip = c.layout === 'clip';
  const hf = (name: string) => (clip ? `vision_model.${name}` : name);
  const add = (ourName: string, hfName: string, shape: number[], transpose = false) =>
    spec.push({ ourName, hfNames: [hf(hfName)], shape, ...(transpose ? { transpose } : {}) });
  const norm = (ours: string, theirs: string) => {
    add(`${ours}.gamma`, `${theirs}.weight`, [d]);
    add(`${ours}.beta`, `${theirs}.bias`, [d]);
  };
  const linear = (ours: string, theirs: string, inDim: number, outDim: number) => {
    add(`${ours}.kernel`, `${theirs}.weight`, [inDim, outDim], true);
    add(`${ours}.bias`, `${theirs}.bias`, [outDim]);
  };
  const p = c.patchSize;
  if (clip) {
    add('patch.kernel', 'embeddings.patch_embedding.weight', [d, 3, p, p]);
    add('cls', 'embeddings.class_embedding', [d]);
    add('position', 'embeddings.position_embedding.weight', [n, d]);
    norm('preNorm', 'pre_layrnorm');
  } else {
    add('patch.kernel', 'embeddings.patch_embeddings.projection.weight', [d, 3, p, p]);
    add('patch.bias', 'embeddings.patch_embeddings.projection.bias', [d]);
    add('cls', 'embeddings.cls_token', [1, 1, d]);
    add('position', 'embeddings.position_embeddings', [1, n, d]);
  }
  const names = LAYER_NAMES[c.layout];
  for (let i = 0; i < c.numLayers; i++) {
    const ours = `layers.${i}`;
    const theirs = clip ? `encoder.layers.${i}` : `encoder.layer.${i}`;
    norm(`${ours}.norm1`, `${theirs}.${names.norm1}`);
    for (const part of ['query', 'key', 'value', 'output'])
      linear(`${ours}.attention.${part}`, `${theirs}.${names[part]}`, d, d);
    norm(`${ours}.norm2`, `${theirs}.${names.norm2}`);
    linear(`${ours}.mlp.fc1`, `${theirs}.${names.fc1}`, d, c.intermediateSize);
    linear(`${ours}.mlp.fc2`, `${theirs}.${names.fc2}`, c.intermediateSize, d);
  }
  norm('finalNorm', clip ? 'post_layernorm' : 'layernorm');
  return spec;
}

// --- the encoder

/** y = x·W + b with weights from a checkpoint or seeded Glorot-uniform (zero bias). */
class Dense extends KernelBias {
  constructor(
    make: VariableFactory,
    name: string,
    readonly inDim: number,
    readonly outDim: number,
  ) {
    super(
      make.make(`${name}.kernel`, [inDim, outDim], Math.sqrt(6 / (inDim + outDim))),
      make.make(`${name}.bias`, [outDim], 0),
    );
  }

  /** x `[N, in]` → `[N, out]`. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.kernel as tf.Tensor2D), this.bias) as tf.Tensor2D;
  }
}

function activate(x: tf.Tensor2D, act: VitActivation): tf.Tensor2D {
  switch (act) {
    case 'gelu': // 0.5·x·(1 + erf(x/√2)); the wasm backend has Erf
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as tf.Tensor2D;
    case 'gelu_tanh': {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as tf.Tensor2D;
    }
    case 'quick_gelu':
      return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702))) as tf.Tensor2D;
    case 'relu':
      return tf.relu(x);
  }
}

/** One pre-LN transformer layer: h + attn(LN(h)), then h + MLP(LN(h)). */
class TransformerLayer implements Module {
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly query: Dense;
  readonly key: Dense;
  readonly value: Dense;
  readonly output: Dense;
  readonly fc1: Dense;
  readonly fc2: Dense;
  private readonly hiddenDrop: Dropout;
  private readonly attentionDrop: Dropout;

  constructor(
    make: VariableFactory,
    name: string,
    private readonly c: VitConfig,
  ) {
    const d = c.hiddenSize;
    this.norm1 = make.layerNorm(`${name}.norm1`, d, c.layerNormEps);
    this.query = new Dense(make, `${name}.attention.query`, d, d);
    this.key = new Dense(make, `${name}.attention.key`, d, d);
    this.value = new Dense(make, `${name}.attention.value`, d, d);
    this.output = new Dense(make, `${name}.attention.output`, d, d);
    this.norm2 = make.layerNorm(`${name}.norm2`, d, c.layerNormEps);
    this.fc1 = new Dense(make, `${name}.mlp.fc1`, d, c.intermediateSize);
    this.fc2 = new Dense(make, `${name}.mlp.fc2`, c.intermediateSize, d);
    this.hiddenDrop = new Dropout(c.hiddenDropout);
    this.attentionDrop = new Dropout(c.attentionDropout);
  }

  /** h `[B, T, D]` → same shape. */
  apply(h: tf.Tensor3D, training: boolean): tf.Tensor3D {
    const [b, t, d] = h.shape;
    const heads = this.c.numHeads;
    const dh = d / heads;
    const flat = tf.reshape(this.norm1.apply(h), [b * t, d]) as tf.Tensor2D;
    const split = (x: tf.Tensor2D) =>
      tf.transpose(tf.reshape(x, [b, t, heads, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
    // scaling q rather than the scores: T·dh values instead of T·T
    const q = split(tf.mul(this.query.apply(flat), 1 / Math.sqrt(dh)));
    const k = split(this.key.apply(flat));
    const v = split(this.value.apply(flat));
    const probs = this.attentionDrop.apply(tf.softmax(tf.matMul(q, k, false, true)), training);
    const context = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [b * t, d]) as tf.Tensor2D;
    const attended = this.hiddenDrop.apply(this.output.apply(context), training);
    const h1 = tf.add(h, tf.reshape(attended, [b, t, d])) as tf.Tensor3D;
    const m = tf.reshape(this.norm2.apply(h1), [b * t, d]) as tf.Tensor2D;
    const mlp = this.hiddenDrop.apply(
      this.fc2.apply(activate(this.fc1.apply(m), this.c.activation)),
      training,
    );
    return tf.add(h1, tf.reshape(mlp, [b, t, d])) as tf.Tensor3D;
  }

  namedVariables(): Map<string, tf.Variable> {
    return collectVariables({
      norm1: this.norm1,
      'attention.query': this.query,
      'attention.key': this.key,
      'attention.value': this.value,
      'attention.output': this.output,
      norm2: this.norm2,
      'mlp.fc1': this.fc1,
      'mlp.fc2': this.fc2,
    });
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}

export interface VitOptions {
  /** No gradients (variables not trainable) and no dropout (default false: fine-tuned). */
  frozen?: boolean;
  /** How the pipeline normalised the images (default ImageNet's). */
  inputNorm?: ImageNorm;
  /** The checkpoint processor's mean/std (default: google's 0.5/0.5 for `vit`, CLIP's for `clip`). */
  modelNorm?: ImageNorm;
  /** Tensors by our names as `vitWeightSpec` describes them (Linear kernels already `[in, out]`); default seeded random. */
  weights?: ReadonlyMap<string, WeightTensor>;
  /** Seed of the random initial weights (default 'vit'). */
  seed?: string | number;
}

/**
 * regions = the patch tokens `[B, (S/P)², D]`, row-major over the patch grid; global = the CLS token
 * `[B, D]`. `vit`: both after the final `layernorm` (HF last_hidden_state). `clip`: regions are HF's
 * last_hidden_state patch tokens (no final norm, as CLIPVisionModel returns them) and global is
 * `post_layernorm(CLS)` = HF pooler_output (before CLIP's visual projection).
 */
export class VitEncoder implements ImageEncoder {
  readonly config: Readonly<VitConfig>;
  readonly layout: VitLayout;
  readonly outputDim: number;
  readonly numRegions: number;
  readonly frozen: boolean;
  readonly inputNorm: ImageNorm;
  readonly modelNorm: ImageNorm;
  /** HWIO `[P, P, 3, D]`. */
  private readonly patchKernel: tf.Variable;
  private readonly patchBias: tf.Variable | undefined;
  private readonly cls: tf.Variable;
  /** `[1 + N, D]`, CLS first. */
  private readonly position: tf.Variable;
  private readonly preNorm: LayerNorm | undefined;
  private readonly layers: TransformerLayer[];
  private readonly finalNorm: LayerNorm;
  private readonly embedDrop: Dropout;
  private readonly renorm: ReturnType<typeof renormalization>;

  constructor(config: VitConfig, options: VitOptions = {}) {
    const c = { ...config };
    checkPositiveInt(c.imageSize, 'ViT imageSize');
    checkPositiveInt(c.patchSize, 'ViT patchSize');
    checkPositiveInt(c.hiddenSize, 'ViT hiddenSize');
    checkPositiveInt(c.numLayers, 'ViT numLayers');
    checkPositiveInt(c.numHeads, 'ViT numHeads');
    checkPositiveInt(c.intermediateSize, 'ViT intermediateSize');
    checkRate(c.hiddenDropout, 'ViT hiddenDropout');
    checkRate(c.attentionDropout, 'ViT attentionDropout');
    checkVitConfig(c, (key, why) => new MmnerError('E_CONFIG', `ViT ${key} ${why}`));
    this.config = Object.freeze(c);
    this.layout = c.layout;
    this.frozen = options.frozen ?? false;
    this.inputNorm = options.inputNorm ?? IMAGENET_NORM;
    this.modelNorm = options.modelNorm ?? (c.layout === 'clip' ? CLIP_NORM : VIT_NORM);
    this.renorm = renormalization(this.inputNorm, this.modelNorm);
    const grid = vitGrid(c);
    this.numRegions = grid * grid;
    this.outputDim = c.hiddenSize;

    const d = c.hiddenSize;
    const p = c.patchSize;
    const make = new VariableFactory(`${options.seed ?? 'vit'}`, options.weights);
    this.patchKernel = make.make(
      'patch.kernel',
      [p, p, 3, d],
      Math.sqrt(6 / (3 * p * p + d)),
      [d, 3, p, p],
      (t) => hwioFromOihw(t),
    );
    this.patchBias = c.layout === 'vit' ? make.make('patch.bias', [d], 0) : undefined;
    // HF initialises both with std 0.02; U(±0.02·√3) has that std.
    const small = 0.02 * Math.sqrt(3);
    this.cls = make.make('cls', [d], small, c.layout === 'vit' ? [1, 1, d] : [d]);
    this.position = make.make(
      'position',
      [this.numRegions + 1, d],
      small,
      c.layout === 'vit' ? [1, this.numRegions + 1, d] : [this.numRegions + 1, d],
    );
    this.preNorm = c.layout === 'clip' ? make.layerNorm('preNorm', d, c.layerNormEps) : undefined;
    this.layers = Array.from({ length: c.numLayers }, (_, i) => new TransformerLayer(make, `layers.${i}`, c));
    this.finalNorm = make.layerNorm('finalNorm', d, c.layerNormEps);
    this.embedDrop = new Dropout(c.hiddenDropout);
    if (this.frozen) setTrainable(this, false);
  }

  /** images `[B, S, S, 3]` normalised with `inputNorm` → regions `[B, N, D]`, global `[B, D]`. */
  encode(images: tf.Tensor4D, training: boolean): ImageEncoding {
    const [b, h, w, ch] = images.shape;
    const s = this.config.imageSize;
    if (h !== s || w !== s || ch !== 3) {
      throw new MmnerError(
        'E_SHAPE',
        `the ${this.layout === 'clip' ? 'CLIP' : 'ViT'} image encoder expects images [B, ${s}, ${s}, 3] (the checkpoint's image_size), got [${images.shape.join(', ')}]`,
        {
          hint: `preprocess images with size ${s}; mmner does not interpolate position embeddings to other sizes`,
        },
      );
    }
    const drop = training && !this.frozen;
    const d = this.outputDim;
    const n = this.numRegions;
    return tf.tidy(() => {
      const x = applyRenormalization(images, this.renorm);
      let patches: tf.Tensor = tf.conv2d(x, this.patchKernel as tf.Tensor4D, this.config.patchSize, 'valid');
      if (this.patchBias) patches = tf.add(patches, this.patchBias);
      const cls = tf.broadcastTo(tf.reshape(this.cls, [1, 1, d]), [b, 1, d]);
      let hidden = tf.add(tf.concat([cls, tf.reshape(patches, [b, n, d])], 1), this.position) as tf.Tensor3D;
      hidden = this.embedDrop.apply(hidden, drop);
      if (this.preNorm) hidden = this.preNorm.apply(hidden);
      for (const layer of this.layers) hidden = layer.apply(hidden, drop);
      if (this.layout === 'vit') hidden = this.finalNorm.apply(hidden);
      const regions = tf.slice(hidden, [0, 1, 0], [b, n, d]) as tf.Tensor3D;
      let global = tf.reshape(tf.slice(hidden, [0, 0, 0], [b, 1, d]), [b, d]) as tf.Tensor2D;
      if (this.layout === 'clip') global = this.finalNorm.apply(global);
      return { regions, global };
    });
  }

  /** `patch.kernel`, (`patch.bias`), `cls`, `position`, (`preNorm.*`), `layers.<i>.*`, `finalNorm.*`. */
  namedVariables(): Map<string, tf.Variable> {
    const own = new Map<string, tf.Variable>([['patch.kernel', this.patchKernel]]);
    if (this.patchBias) own.set('patch.bias', this.patchBias);
    own.set('cls', this.cls);
    own.set('position', this.position);
    const parts: Record<string, Module | undefined> = { preNorm: this.preNorm };
    this.layers.forEach((l, i) => {
      parts[`layers.${i}`] = l;
    });
    parts.finalNorm = this.finalNorm;
    return new Map([...own, ...collectVariables(parts)]);
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}
