/**
 * 2M-NER assembled: text encoder → (per image branch: image encoder → collaboration module) →
 * emissions → CRF, plus the contrastive alignment between text and each image branch in a shared
 * space. Parts are injected (see parts.ts), so presets and ablations only change what is built.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../core/errors.js';
import { convertTags } from '../core/schemes/spans.js';
import type { ModelConfig } from './config.js';
import { type ContrastiveConfig, contrastiveLoss } from './contrastive/config.js';
import { createLogScale } from './contrastive/losses.js';
import { ProjectionHead } from './contrastive/projection.js';
import { Crf } from './crf/crf.js';
import { crfNllMean } from './crf/crfLoss.js';
import { CRF_SCHEMES, type CrfScheme, crfTags, iob2Tags, iob2View } from './crf/tags.js';
import { viterbiDecode } from './crf/viterbi.js';
import { readsFeatures } from './image/precomputed.js';
import { Dropout, Linear } from './layers.js';
import { collectVariables, type Module, startDropoutStream } from './module.js';
import type { Collaboration, ImageEncoder, TextBatch, TextEncoder } from './parts.js';

/** One batch as plain arrays; the model uploads what it needs. */
export interface ModelBatch {
  text: TextBatch;
  /** Gold tag ids `[B * T]` (row-major, padding 0), for training. */
  tags?: Int32Array;
  /** Images `[B, size, size, 3]` flattened, normalised; required when a branch encodes pixels. */
  images?: Float32Array;
  /**
   * Precomputed features per image branch (in `config.image.branches` order), each `[B, rows, D]`
   * flattened (zeros for a sentence without its image); a branch that has them uses them instead
   * of encoding `images`. Branches fed by a frozen ONNX export need them.
   */
  imageFeatures?: (Float32Array | undefined)[];
}

export interface ModelParts {
  text: TextEncoder;
  /** Image encoders in the order of `config.image.branches`. */
  images: ImageEncoder[];
  /** Present when there is at least one image branch. */
  collaboration?: Collaboration;
}

/** What `inspect` returns per sentence batch, as plain arrays (nothing tensor-valued escapes). */
export interface Inspection {
  paths: string[][];
  /** Projected sentence vectors `[B, P]` and, per branch, image vectors `[B, P]` in the shared space. */
  sentenceEmbeddings?: Float32Array;
  imageEmbeddings?: Float32Array[];
  /** Projected word vectors `[B, T, P]` (padded) and, per branch, region vectors `[B, R, P]`. */
  tokenEmbeddings?: Float32Array;
  regionEmbeddings?: Float32Array[];
  projectionDim?: number;
  /** Per branch: attention `[B, heads, T, R]` and gate `[B, T]`, with their shapes. */
  attention?: { values: Float32Array; shape: number[] }[];
  gate?: { values: Float32Array; shape: number[] }[];
}

interface Forward {
  emissions: tf.Tensor3D;
  mask: tf.Tensor2D;
  words: tf.Tensor3D;
  sentence: tf.Tensor2D;
  branches: { regions: tf.Tensor3D; global: tf.Tensor2D }[];
  attention?: tf.Tensor4D[];
  gate?: tf.Tensor2D[];
  /** The text encoder's side loss (training only). */
  auxLoss?: tf.Scalar;
}

/** The CRF's tag scheme of a config (IOB2 when absent); an unknown one is a config error. */
export function tagSchemeOf(config: ModelConfig): CrfScheme {
  const scheme = config.tagScheme ?? 'IOB2';
  if (!CRF_SCHEMES.includes(scheme)) {
    throw new MmnerError('E_CONFIG', `unknown tag scheme '${String(scheme)}'`, {
      hint: `model.tagScheme is one of ${CRF_SCHEMES.join(', ')}`,
    });
  }
  return scheme;
}

export class MmnerModel implements Module {
  /** The CRF's tags (`config.tagScheme`); data in and predictions out are IOB2 either way. */
  readonly tags: string[];
  /** `tags` as IOB2: what a decoded tag index means in the output. */
  private readonly outputTags: string[];
  private readonly scheme: CrfScheme;
  /** CRF tag → index into `tags`. */
  private readonly tagIndex: Map<string, number>;
  /** The IOB2 tags data may carry (gold tags are checked against these, then converted). */
  private readonly dataTags: ReadonlySet<string>;
  readonly crf: Crf;
  private readonly emission: Linear;
  private readonly emissionDropout: Dropout;
  private readonly textProjection?: ProjectionHead;
  private readonly imageProjections: ProjectionHead[] = [];
  private readonly logScale?: tf.Variable<tf.Rank.R0>;

  constructor(
    readonly config: ModelConfig,
    readonly parts: ModelParts,
  ) {
    if (parts.images.length !== config.image.branches.length) {
      throw new MmnerError(
        'E_CONFIG',
        `the config names ${config.image.branches.length} image branches, the parts ${parts.images.length}`,
      );
    }
    if (parts.images.length > 0 && !parts.collaboration) {
      throw new MmnerError('E_CONFIG', 'image branches need a collaboration module');
    }
    const seed = `mmner/${config.seed}`;
    this.scheme = tagSchemeOf(config);
    this.tags = crfTags(config.entityTypes, this.scheme);
    this.outputTags = iob2View(this.tags);
    this.tagIndex = new Map(this.tags.map((t, i) => [t, i]));
    this.dataTags = new Set(iob2Tags(config.entityTypes));
    this.emission = new Linear(seed, 'emission', parts.text.outputDim, this.tags.length);
    this.emissionDropout = new Dropout(config.dropout);
    this.crf = new Crf({ tags: this.tags, seed: config.seed });
    const cl = config.contrastive;
    if (cl && parts.images.length > 0) {
      const head = (name: string, inputDim: number) =>
        new ProjectionHead({
          inputDim,
          hiddenDim: cl.projectionDim,
          outputDim: cl.projectionDim,
          seed: `${seed}/${name}`,
        });
      this.textProjection = head('project.text', parts.text.outputDim);
      this.imageProjections = parts.images.map((enc, i) =>
        head(`project.${config.image.branches[i]}`, enc.outputDim),
      );
      if (cl.form === 'infonce') this.logScale = createLogScale(cl.initLogScale);
    }
  }

  get hasImages(): boolean {
    return this.parts.images.length > 0;
  }

  /** Whether some branch encodes pixels (a model whose branches all read features needs none). */
  get needsPixels(): boolean {
    return this.parts.images.some((enc) => !readsFeatures(enc));
  }

  /**
   * `step` (and `chunk`, the micro-batch within it) seeds the dropout masks, so a resumed run
   * draws the same ones (see module.ts).
   */
  private forward(batch: ModelBatch, training: boolean, inspect = false, step = 0, chunk = 0): Forward {
    if (training) startDropoutStream(this.config.seed, step, chunk);
    const { lengths, maxLen } = batch.text;
    const b = lengths.length;
    const mask = tf.tidy(() => {
      const m = new Float32Array(b * maxLen);
      lengths.forEach((len, i) => {
        m.fill(1, i * maxLen, i * maxLen + len);
      });
      return tf.tensor2d(m, [b, maxLen]);
    });
    const { words, sentence, auxLoss } = this.parts.text.encode(batch.text, training);
    let fused = words;
    const branches: Forward['branches'] = [];
    let attention: tf.Tensor4D[] | undefined;
    let gate: tf.Tensor2D[] | undefined;
    if (this.hasImages) {
      const features = batch.imageFeatures;
      let pixels: tf.Tensor4D | undefined;
      this.parts.images.forEach((enc, i) => {
        if (readsFeatures(enc)) {
          const given = features?.[i];
          if (!given) {
            throw new MmnerError(
              'E_USAGE',
              `the ${this.config.image.branches[i]} branch reads precomputed features: the batch needs imageFeatures[${i}]`,
              { hint: 'the CLI fills them from the feature cache; in code, pass ModelBatch.imageFeatures' },
            );
          }
          const [rows, d] = enc.featureShape;
          if (given.length !== b * rows * d) {
            throw new MmnerError(
              'E_SHAPE',
              `imageFeatures[${i}] holds ${given.length} floats; [${b}, ${rows}, ${d}] needs ${b * rows * d}`,
            );
          }
          branches.push(enc.encodeFeatures(tf.tensor3d(given, [b, rows, d])));
          return;
        }
        if (!pixels) {
          if (!batch.images?.length)
            throw new MmnerError('E_USAGE', 'this model has image branches: the batch needs images');
          const size = this.config.image.size;
          pixels = tf.tensor4d(batch.images, [b, size, size, 3]);
        }
        branches.push(enc.encode(pixels, training));
      });
      const out = this.parts.collaboration!.apply(words, mask, branches, { training, inspect });
      fused = out.fused;
      attention = out.attention;
      gate = out.gate;
    }
    const emissions = this.emission.apply(this.emissionDropout.apply(fused, training));
    return { emissions, mask, words, sentence, branches, attention, gate, ...(auxLoss ? { auxLoss } : {}) };
  }

  /** Labels as tag ids in this model's vocabulary; unknown tags are an error naming them. */
  tagIds(tags: readonly (readonly string[])[], maxLen: number): Int32Array {
    const ids = new Int32Array(tags.length * maxLen);
    tags.forEach((row, i) => {
      for (const tag of row) {
        if (!this.dataTags.has(tag)) {
          throw new MmnerError(
            'E_DATA_BAD_TAG',
            `tag '${tag}' is not in the model's tags (${[...this.dataTags].join(', ')})`,
            {
              hint: 'the model is built for the entity types of its training data; map other types with a type map',
            },
          );
        }
      }
      (this.scheme === 'BIOES' ? convertTags(row, 'IOB2', 'BIOES') : row).forEach((tag, j) => {
        ids[i * maxLen + j] = this.tagIndex.get(tag)!;
      });
    });
    return ids;
  }

  /**
   * The weighted loss parts of one batch: `crf` (weight × CRF NLL, mean over sentences) and, with
   * image branches and alignment on, `contrastive` (weight × Σ over branches). Their sum is the
   * training loss. Call inside tf.tidy / variableGrads. `step` and `chunk` (the micro-batch of a
   * split step, see trainLoop's `microBatches`) seed dropout; the contrastive loss takes its
   * in-batch negatives from this batch, so from the micro-batch only when a step is split.
   */
  lossParts(batch: ModelBatch, training: boolean, step = 0, chunk = 0): Record<string, tf.Scalar> {
    if (!batch.tags) throw new MmnerError('E_USAGE', 'lossParts needs gold tags in the batch');
    const f = this.forward(batch, training, false, step, chunk);
    const { lengths, maxLen } = batch.text;
    const gold = tf.tensor2d(batch.tags, [lengths.length, maxLen], 'int32');
    const w = this.config.lossWeights;
    const parts: Record<string, tf.Scalar> = {
      crf: tf.mul(crfNllMean(f.emissions, gold, lengths, this.crf), w.crf),
    };
    if (f.auxLoss) parts.lm = f.auxLoss;
    const cl = this.lossConfig();
    if (cl && this.textProjection && f.branches.length > 0) {
      let total: tf.Scalar = tf.scalar(0);
      f.branches.forEach((branch, i) => {
        const imageHead = this.imageProjections[i]!;
        const loss =
          (cl.level ?? 'sentence') === 'sentence'
            ? contrastiveLoss(
                cl,
                { text: this.textProjection!.apply(f.sentence), image: imageHead.apply(branch.global) },
                this.logScale,
              )
            : contrastiveLoss(
                cl,
                {
                  tokens: this.textProjection!.apply(f.words),
                  tokenMask: f.mask,
                  regions: imageHead.apply(branch.regions),
                },
                this.logScale,
              );
        total = tf.add(total, loss);
      });
      parts.contrastive = tf.mul(total, w.contrastive);
    }
    return parts;
  }

  /** The contrastive loss settings (the config also holds the projection width, which is not one). */
  private lossConfig(): ContrastiveConfig | null {
    if (!this.config.contrastive) return null;
    const { projectionDim: _, ...loss } = this.config.contrastive;
    return loss;
  }

  /**
   * Best tag sequences (Viterbi; valid IOB2 whatever the CRF's scheme), and with `inspect` the
   * views eval saves.
   */
  async predict(batch: ModelBatch, inspect = false): Promise<Inspection> {
    const keep: tf.Tensor[] = [];
    try {
      const out = tf.tidy(() => {
        const f = this.forward(batch, false, inspect);
        const r: tf.Tensor[] = [f.emissions];
        const views: tf.Tensor[] = [];
        if (inspect && this.textProjection) {
          r.push(this.textProjection.apply(f.sentence));
          r.push(...f.branches.map((br, i) => this.imageProjections[i]!.apply(br.global)));
          views.push(this.textProjection.apply(f.words));
          views.push(...f.branches.map((br, i) => this.imageProjections[i]!.apply(br.regions)));
        }
        return { tensors: r, views, attention: f.attention ?? [], gate: f.gate ?? [] };
      });
      keep.push(...out.tensors, ...out.views, ...out.attention, ...out.gate);
      const [emissions, sentenceEmb, ...imageEmbs] = out.tensors as [tf.Tensor3D, ...tf.Tensor2D[]];
      const values = (await emissions.data()) as Float32Array;
      const [b, t, k] = emissions.shape;
      const decoded = viterbiDecode(
        values,
        [b, t, k],
        batch.text.lengths,
        await this.crf.scoreValues(),
        this.crf.rules,
      );
      const result: Inspection = { paths: decoded.paths.map((p) => p.map((i) => this.outputTags[i]!)) };
      if (sentenceEmb) {
        result.sentenceEmbeddings = (await sentenceEmb.data()) as Float32Array;
        result.imageEmbeddings = await Promise.all(
          imageEmbs.map(async (e) => (await e.data()) as Float32Array),
        );
        result.projectionDim = sentenceEmb.shape[1];
        const [tokenEmb, ...regionEmbs] = out.views;
        result.tokenEmbeddings = (await tokenEmb!.data()) as Float32Array;
        result.regionEmbeddings = await Promise.all(
          regionEmbs.map(async (e) => (await e.data()) as Float32Array),
        );
      }
      if (inspect && out.attention.length > 0) {
        result.attention = await Promise.all(
          out.attention.map(async (a) => ({ values: (await a.data()) as Float32Array, shape: a.shape })),
        );
        result.gate = await Promise.all(
          out.gate.map(async (g) => ({ values: (await g.data()) as Float32Array, shape: g.shape })),
        );
      }
      return result;
    } finally {
      for (const tensor of keep) tensor.dispose();
    }
  }

  namedVariables(): Map<string, tf.Variable> {
    const crf: Module = {
      namedVariables: () =>
        new Map([
          ['transitions', this.crf.transitions],
          ['start', this.crf.start],
          ['end', this.crf.end],
        ] as [string, tf.Variable][]),
      dispose: () => this.crf.dispose(),
    };
    const heads = (h: ProjectionHead | undefined): Module | undefined =>
      h && {
        namedVariables: () => new Map(h.variables.map((v, i) => [['w1', 'b1', 'w2', 'b2'][i]!, v])),
        dispose: () => h.dispose(),
      };
    const all = collectVariables({
      text: this.parts.text,
      collaboration: this.parts.collaboration,
      emission: this.emission,
      crf,
      'project.text': heads(this.textProjection),
      ...Object.fromEntries(
        this.parts.images.map((enc, i) => [`image.${this.config.image.branches[i]}`, enc]),
      ),
      ...Object.fromEntries(
        this.imageProjections.map((h, i) => [`project.${this.config.image.branches[i]}`, heads(h)]),
      ),
    });
    if (this.logScale) all.set('contrastive.logScale', this.logScale);
    return all;
  }

  dispose(): void {
    this.parts.text.dispose();
    for (const enc of this.parts.images) enc.dispose();
    this.parts.collaboration?.dispose();
    this.emission.dispose();
    this.crf.dispose();
    this.textProjection?.dispose();
    for (const h of this.imageProjections) h.dispose();
    this.logScale?.dispose();
  }
}
