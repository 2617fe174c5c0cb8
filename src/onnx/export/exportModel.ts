/**
 * A trained MmnerModel → an ONNX graph that computes what `MmnerModel.predict` computes before
 * Viterbi: tiny text encoder (embeddings, char CNN, BiLSTM) → tiny CNN per image branch →
 * collaboration module (cross-attention, gate, LayerNorm, merge) → emission layer, plus the
 * contrastive projections of the sentence and image vectors. The graph's inputs are the tensors
 * the tfjs model consumes after preprocessing (ids, masks, pixels); the constrained CRF scores are
 * initializers that no node reads: the TypeScript side decodes with `viterbiDecode`.
 */
import type * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import { CollaborationModule } from '../../model/collaboration/collaboration.js';
import type { ModelConfig } from '../../model/config.js';
import { TinyCnn } from '../../model/image/tinyCnn.js';
import type { MmnerModel } from '../../model/mmner.js';
import { TinyTextEncoder } from '../../model/text/tinyEncoder.js';
import { type Dim, type DType, GraphBuilder } from './graph.js';
import { CRF_INITIALIZERS, IR_VERSION, META, METADATA_FORMAT, OPSET } from './proto.js';

/** One graph input or output. */
export interface TensorSpec {
  name: string;
  dtype: DType;
  dims: Dim[];
}

export interface ExportedModel {
  bytes: Uint8Array;
  opset: number;
  irVersion: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** Graph input names (the tensors of `encodeTextBatch` and the normalised images). */
export const INPUTS = {
  wordIds: 'word_ids',
  casingIds: 'casing_ids',
  charIds: 'char_ids',
  charLengths: 'char_lengths',
  mask: 'mask',
  images: 'images',
} as const;

/** Graph output names; `image_embedding.<branch>` per image branch. */
export const OUTPUTS = {
  emissions: 'emissions',
  textEmbedding: 'text_embedding',
  imageEmbedding: (branch: string) => `image_embedding.${branch}`,
} as const;

/** TinyCnn's LayerNorm is built with LayerNorm's default epsilon (layers.ts). */
const TINY_CNN_LAYER_NORM_EPS = 1e-5;
/** tinyEncoder.ts adds this (×−1) to char-CNN outputs past a word's end before the max. */
const CHAR_MASKED = -1e4;

/**
 * What in a config cannot be exported yet (empty = exportable). Checked before any weights are
 * loaded, so `mmner export` on a paper run fails at once, naming the parts.
 */
export function exportBlockers(config: ModelConfig): string[] {
  const out: string[] = [];
  if (config.text.kind !== 'tiny') out.push(`the ${config.text.kind.toUpperCase()} text encoder`);
  // Branches fed precomputed features of a frozen ONNX export (config.image.onnx) are named so.
  const fed = (config.image as { onnx?: Record<string, unknown> }).onnx ?? {};
  for (const b of config.image.branches) {
    const name = b === 'vit' ? 'ViT' : b === 'resnet' ? 'ResNet-152' : undefined;
    if (name) out.push(`the ${name} image branch${fed[b] ? ' (precomputed ONNX features)' : ''}`);
  }
  return out;
}

export function checkExportable(config: ModelConfig, file?: string): void {
  const blockers = exportBlockers(config);
  if (blockers.length === 0) return;
  throw new MmnerError(
    'E_EXPORT_UNSUPPORTED',
    `ONNX export supports the tiny preset's parts only; this run (preset '${config.preset}') uses ${blockers.join(', ')}`,
    {
      ...(file ? { file } : {}),
      hint: 'export a run trained with --preset tiny (any ablation); the paper preset runs on TensorFlow.js (mmner predict --run)',
    },
  );
}

/** A variable read back. */
interface VarValues {
  data: Float32Array;
  shape: number[];
}

/** The model's variables by checkpoint name, read once and asynchronously (GPU backends cannot read synchronously). */
type Vars = Map<string, VarValues>;

async function readVariables(variables: Map<string, tf.Variable>): Promise<Vars> {
  const entries = await Promise.all(
    [...variables].map(async ([name, v]): Promise<[string, VarValues]> => {
      const data = Float32Array.from((await v.data()) as Float32Array);
      return [name, { data, shape: [...v.shape] }];
    }),
  );
  return new Map(entries);
}

function values(vars: Vars, name: string): VarValues {
  const v = vars.get(name);
  if (!v) throw new MmnerError('E_EXPORT', `the model has no variable '${name}'`);
  return v;
}

/** Adds a variable as an initializer under its checkpoint name. */
function weight(g: GraphBuilder, vars: Vars, name: string): string {
  const { data, shape } = values(vars, name);
  return g.initializer(name, data, shape);
}

/** y = x·W + b over the last axis (MatMul broadcasts over the leading axes). */
function linear(g: GraphBuilder, vars: Vars, prefix: string, x: string): string {
  return g.node('Add', [
    g.node('MatMul', [x, weight(g, vars, `${prefix}.kernel`)]),
    weight(g, vars, `${prefix}.bias`),
  ]);
}

function layerNorm(g: GraphBuilder, vars: Vars, prefix: string, x: string, eps: number): string {
  return g.node(
    'LayerNormalization',
    [x, weight(g, vars, `${prefix}.gamma`), weight(g, vars, `${prefix}.beta`)],
    {
      attrs: { axis: -1, epsilon: { float: eps } },
    },
  );
}

/** ProjectionHead: Linear–ReLU–Linear with variables w1, b1, w2, b2. */
function projection(g: GraphBuilder, vars: Vars, prefix: string, x: string): string {
  const h = g.node('Relu', [
    g.node('Add', [g.node('MatMul', [x, weight(g, vars, `${prefix}.w1`)]), weight(g, vars, `${prefix}.b1`)]),
  ]);
  return g.node('Add', [
    g.node('MatMul', [h, weight(g, vars, `${prefix}.w2`)]),
    weight(g, vars, `${prefix}.b2`),
  ]);
}

/**
 * mmner's LSTM gate order is i, f, o, g (lstm.ts); ONNX's is i, o, f, c. Returns the ONNX
 * matrix `[4H, rows]` for a tfjs kernel `[rows, 4H]`.
 */
const ONNX_TO_MMNER_GATE = [0, 2, 1, 3];
function lstmMatrix(kernel: Float32Array, rows: number, H: number): Float32Array {
  const out = new Float32Array(4 * H * rows);
  for (let ob = 0; ob < 4; ob++) {
    const tb = ONNX_TO_MMNER_GATE[ob]!;
    for (let h = 0; h < H; h++) {
      for (let d = 0; d < rows; d++) out[(ob * H + h) * rows + d] = kernel[d * 4 * H + tb * H + h]!;
    }
  }
  return out;
}

function lstmBias(bias: Float32Array, H: number): Float32Array {
  // ONNX adds Wb + Rb; mmner has one bias, so Rb = 0.
  const out = new Float32Array(8 * H);
  for (let ob = 0; ob < 4; ob++) {
    const tb = ONNX_TO_MMNER_GATE[ob]!;
    out.set(bias.subarray(tb * H, (tb + 1) * H), ob * H);
  }
  return out;
}

interface TextOut {
  /** `[B, T, 2H]`, 0 at padding. */
  words: string;
  /** `[B, 2H]`: mean over real words. */
  sentence: string;
  /** `[B, T, 1]` float mask. */
  mask3: string;
}

function tinyTextGraph(g: GraphBuilder, vars: Vars, enc: TinyTextEncoder): TextOut {
  const c = enc.config;
  const H = c.hidden;
  const p = (n: string) => `text.${n}`;
  const wordIds = g.input(INPUTS.wordIds, 'int32', ['batch', 'words']);
  const casingIds = g.input(INPUTS.casingIds, 'int32', ['batch', 'words']);
  const charIds = g.input(INPUTS.charIds, 'int32', ['batch', 'words', 'chars']);
  const charLengths = g.input(INPUTS.charLengths, 'int32', ['batch', 'words']);
  const mask = g.input(INPUTS.mask, 'float', ['batch', 'words']);
  const mask3 = g.node('Unsqueeze', [mask, g.ints([-1])]);

  const words = g.node('Gather', [weight(g, vars, p('word.embedding')), wordIds]);
  const casing = g.node('Gather', [weight(g, vars, p('casing.embedding')), casingIds]);

  // Char CNN as a [1, w] Conv over (words, chars) on [B, E, T, C]: the same window sums as
  // tinyEncoder.ts's unfolded matmul, with 'same' zero padding along the characters.
  const C = g.node('Gather', [g.node('Shape', [charIds]), g.ints([2], true)]);
  const pos = g.node('Range', [g.ints([0], true), C, g.ints([1], true)]); // [C] int64
  const lens = g.node('Unsqueeze', [g.node('Cast', [charLengths], { attrs: { to: 7 } }), g.ints([-1])]); // [B,T,1]
  const real = g.node('Cast', [g.node('Less', [pos, lens])], { attrs: { to: 1 } }); // [B,T,C]
  // A padded word slot keeps position 0 valid so its max is finite (its row is zeroed later).
  const valid = g.node('Cast', [g.node('Less', [pos, g.node('Max', [lens, g.ints([1], true)])])], {
    attrs: { to: 1 },
  });
  const emb = g.node('Mul', [
    g.node('Gather', [weight(g, vars, p('char.embedding')), charIds]), // [B,T,C,E]
    g.node('Unsqueeze', [real, g.ints([-1])]),
  ]);
  const kernel = values(vars, p('char.conv.kernel')); // [w, E, F]
  const [w, E, F] = kernel.shape as [number, number, number];
  const convW = new Float32Array(F * E * w); // ONNX [F, E, 1, w]
  for (let f = 0; f < F; f++)
    for (let e = 0; e < E; e++)
      for (let k = 0; k < w; k++) convW[(f * E + e) * w + k] = kernel.data[(k * E + e) * F + f]!;
  const half = (w - 1) / 2;
  const conv = g.node(
    'Conv',
    [
      g.node('Transpose', [emb], { attrs: { perm: [0, 3, 1, 2] } }),
      g.initializer(p('char.conv.kernel.onnx'), convW, [F, E, 1, w]),
      weight(g, vars, p('char.conv.bias')),
    ],
    { attrs: { kernel_shape: [1, w], pads: [0, half, 0, half] } },
  ); // [B,F,T,C]
  const penalty = g.node('Mul', [g.node('Sub', [valid, g.scalar(1)]), g.scalar(-CHAR_MASKED)]); // [B,T,C]
  const masked = g.node('Add', [conv, g.node('Unsqueeze', [penalty, g.ints([1])])]);
  const chars = g.node('Transpose', [g.node('ReduceMax', [masked], { attrs: { axes: [3], keepdims: 0 } })], {
    attrs: { perm: [0, 2, 1] },
  }); // [B,T,F]

  const x = g.node('Mul', [g.node('Concat', [words, chars, casing], { attrs: { axis: -1 } }), mask3]);
  const lengthsF = g.node('ReduceSum', [mask, g.ints([1])], { attrs: { keepdims: 1 } }); // [B,1]
  const seqLens = g.node('Cast', [g.node('Squeeze', [lengthsF, g.ints([1])])], { attrs: { to: 6 } });
  let xt = g.node('Transpose', [x], { attrs: { perm: [1, 0, 2] } }); // [T,B,Din]
  for (let l = 0; l < c.layers; l++) {
    const prefix = p(l === 0 ? 'lstm' : `lstm${l + 1}`);
    const din = l === 0 ? enc.inputDim : 2 * H;
    const dirs = ['fw', 'bw'].map((d) => ({
      kernel: lstmMatrix(values(vars, `${prefix}.${d}.kernel`).data, din, H),
      recurrent: lstmMatrix(values(vars, `${prefix}.${d}.recurrentKernel`).data, H, H),
      bias: lstmBias(values(vars, `${prefix}.${d}.bias`).data, H),
    }));
    const cat = (parts: Float32Array[]) => {
      const out = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
      let o = 0;
      for (const a of parts) {
        out.set(a, o);
        o += a.length;
      }
      return out;
    };
    const W = g.initializer(`${prefix}.W.onnx`, cat(dirs.map((d) => d.kernel)), [2, 4 * H, din]);
    const R = g.initializer(`${prefix}.R.onnx`, cat(dirs.map((d) => d.recurrent)), [2, 4 * H, H]);
    const B = g.initializer(`${prefix}.B.onnx`, cat(dirs.map((d) => d.bias)), [2, 8 * H]);
    // Both directions stop at each sentence's length; the backward one starts at its last word,
    // as mmner's reverse-within-length gather does.
    const [Y] = g.nodeN('LSTM', [xt, W, R, B, seqLens], {
      outputs: 1,
      attrs: { direction: 'bidirectional', hidden_size: H },
    });
    // Y [T, 2, B, H] → [T, B, 2H] = [forward h ; backward h].
    xt = g.node('Reshape', [
      g.node('Transpose', [Y!], { attrs: { perm: [0, 2, 1, 3] } }),
      g.ints([0, 0, -1]),
    ]);
  }
  const out = g.node('Mul', [g.node('Transpose', [xt], { attrs: { perm: [1, 0, 2] } }), mask3]); // [B,T,2H]
  const sentence = g.node('Div', [
    g.node('ReduceSum', [out, g.ints([1])], { attrs: { keepdims: 0 } }),
    g.node('Max', [lengthsF, g.scalar(1)]),
  ]);
  return { words: out, sentence, mask3 };
}

/** TF 'same' padding for a 3×3 stride-2 conv: the odd pixel goes after, as in TensorFlow. */
function samePads(size: number): { pads: number[]; out: number } {
  const out = Math.ceil(size / 2);
  const total = Math.max((out - 1) * 2 + 3 - size, 0);
  const before = Math.floor(total / 2);
  return { pads: [before, before, total - before, total - before], out };
}

function tinyCnnGraph(
  g: GraphBuilder,
  vars: Vars,
  cnn: TinyCnn,
  branch: string,
  images: string,
): { regions: string; global: string } {
  const p = (n: string) => `image.${branch}.${n}`;
  let x = g.node('Transpose', [images], { attrs: { perm: [0, 3, 1, 2] } }); // NHWC → NCHW
  let size = cnn.config.imageSize;
  cnn.config.channels.forEach((_, i) => {
    const k = values(vars, p(`conv${i + 1}.kernel`)); // [3, 3, in, out]
    const [kh, kw, inC, outC] = k.shape as [number, number, number, number];
    const wOnnx = new Float32Array(k.data.length); // [out, in, kh, kw]
    for (let o = 0; o < outC; o++)
      for (let c = 0; c < inC; c++)
        for (let y = 0; y < kh; y++)
          for (let z = 0; z < kw; z++)
            wOnnx[((o * inC + c) * kh + y) * kw + z] = k.data[((y * kw + z) * inC + c) * outC + o]!;
    const { pads, out } = samePads(size);
    size = out;
    x = g.node('Relu', [
      g.node(
        'Conv',
        [
          x,
          g.initializer(p(`conv${i + 1}.kernel.onnx`), wOnnx, [outC, inC, kh, kw]),
          weight(g, vars, p(`conv${i + 1}.bias`)),
        ],
        { attrs: { kernel_shape: [kh, kw], strides: [2, 2], pads } },
      ),
    ]);
  });
  // [B, D, g, g] → [B, g, g, D] → [B, R, D]: region r = row·g + column, as tfjs's NHWC reshape.
  let regions = g.node('Reshape', [
    g.node('Transpose', [x], { attrs: { perm: [0, 2, 3, 1] } }),
    g.ints([0, cnn.numRegions, cnn.outputDim]),
  ]);
  if (cnn.config.layerNorm) regions = layerNorm(g, vars, p('norm'), regions, TINY_CNN_LAYER_NORM_EPS);
  let global = g.node('ReduceMean', [regions], { attrs: { axes: [1], keepdims: 0 } });
  if (cnn.config.globalProjection) global = linear(g, vars, p('global'), global);
  return { regions, global };
}

function collaborationGraph(
  g: GraphBuilder,
  vars: Vars,
  module: CollaborationModule,
  words: string,
  mask3: string,
  regions: string[],
): string {
  const c = module.config;
  const dh = c.attnDim / c.heads;
  const heads = (x: string) =>
    g.node('Transpose', [g.node('Reshape', [x, g.ints([0, 0, c.heads, dh])])], {
      attrs: { perm: [0, 2, 1, 3] },
    });
  const ys = regions.map((r, i) => {
    const p = `collaboration.branch${i}`;
    const q = heads(linear(g, vars, `${p}.query`, words));
    const kT = g.node('Transpose', [heads(linear(g, vars, `${p}.key`, r))], {
      attrs: { perm: [0, 1, 3, 2] },
    });
    const v = heads(linear(g, vars, `${p}.value`, r));
    const scores = g.node('Mul', [g.node('MatMul', [q, kT]), g.scalar(1 / Math.sqrt(dh))]);
    const probs = g.node('Softmax', [scores], { attrs: { axis: -1 } }); // [B,h,T,R]
    const context = g.node('MatMul', [probs, v]); // [B,h,T,dh]
    const merged = g.node('Reshape', [
      g.node('Transpose', [context], { attrs: { perm: [0, 2, 1, 3] } }),
      g.ints([0, 0, c.attnDim]),
    ]);
    const attended = linear(g, vars, `${p}.output`, merged);
    const taken = c.gate
      ? g.node('Mul', [
          g.node('Sigmoid', [
            linear(g, vars, `${p}.gate`, g.node('Concat', [words, attended], { attrs: { axis: -1 } })),
          ]),
          attended,
        ])
      : attended;
    return layerNorm(g, vars, `${p}.norm`, g.node('Add', [words, taken]), c.layerNormEps);
  });
  // One branch is used as is (the merge Linear exists only with several; see checkExportable).
  return g.node('Mul', [ys[0]!, mask3]);
}

export interface ExportOptions {
  /** Recorded in the metadata (`mmner.source`), e.g. `runs/tiny checkpoints/best.safetensors`. */
  source?: string;
  producerVersion?: string;
}

/** The model as ONNX bytes (opset `OPSET`, IR `IR_VERSION`), with the metadata `loadOnnxModel` reads. */
export async function exportModel(model: MmnerModel, options: ExportOptions = {}): Promise<ExportedModel> {
  const config = model.config;
  checkExportable(config);
  const { text, images: encoders, collaboration } = model.parts;
  if (!(text instanceof TinyTextEncoder)) throw unsupported('its text encoder is not the tiny one');
  const vars = await readVariables(model.namedVariables());
  const g = new GraphBuilder();
  const t = tinyTextGraph(g, vars, text);
  const outputs: TensorSpec[] = [];
  let fused = t.words;
  const globals: string[] = [];
  if (encoders.length > 1) throw unsupported('it has several image branches (only the paper preset has)');
  if (encoders.length > 0) {
    if (!(collaboration instanceof CollaborationModule))
      throw unsupported('its collaboration module is not mmner’s');
    const S = config.image.size;
    const images = g.input(INPUTS.images, 'float', ['batch', S, S, 3]);
    const regions = encoders.map((enc, i) => {
      if (!(enc instanceof TinyCnn))
        throw unsupported(`image branch '${config.image.branches[i]}' is not the tiny CNN`);
      const out = tinyCnnGraph(g, vars, enc, config.image.branches[i]!, images);
      globals.push(out.global);
      return out.regions;
    });
    fused = collaborationGraph(g, vars, collaboration, t.words, t.mask3, regions);
  }
  const K = model.tags.length;
  g.output(linear(g, vars, 'emission', fused), OUTPUTS.emissions, 'float', ['batch', 'words', K]);
  outputs.push({ name: OUTPUTS.emissions, dtype: 'float', dims: ['batch', 'words', K] });
  if (config.contrastive && encoders.length > 0) {
    const P = config.contrastive.projectionDim;
    g.output(projection(g, vars, 'project.text', t.sentence), OUTPUTS.textEmbedding, 'float', ['batch', P]);
    outputs.push({ name: OUTPUTS.textEmbedding, dtype: 'float', dims: ['batch', P] });
    config.image.branches.forEach((b, i) => {
      const name = OUTPUTS.imageEmbedding(b);
      g.output(projection(g, vars, `project.${b}`, globals[i]!), name, 'float', ['batch', P]);
      outputs.push({ name, dtype: 'float', dims: ['batch', P] });
    });
  }
  // The constrained CRF scores (forbidden IOB2 moves at DISALLOWED_SCORE), for the TS Viterbi.
  const crf = await model.crf.scoreValues();
  g.initializer(CRF_INITIALIZERS.transitions, crf.transitions, [K, K]);
  g.initializer(CRF_INITIALIZERS.start, crf.start, [K]);
  g.initializer(CRF_INITIALIZERS.end, crf.end, [K]);

  const inputs: TensorSpec[] = [
    { name: INPUTS.wordIds, dtype: 'int32', dims: ['batch', 'words'] },
    { name: INPUTS.casingIds, dtype: 'int32', dims: ['batch', 'words'] },
    { name: INPUTS.charIds, dtype: 'int32', dims: ['batch', 'words', 'chars'] },
    { name: INPUTS.charLengths, dtype: 'int32', dims: ['batch', 'words'] },
    { name: INPUTS.mask, dtype: 'float', dims: ['batch', 'words'] },
  ];
  if (encoders.length > 0) {
    const S = config.image.size;
    inputs.push({ name: INPUTS.images, dtype: 'float', dims: ['batch', S, S, 3] });
  }
  const bytes = g.encode({
    graphName: `mmner-${config.preset}-${config.ablation}`,
    docString:
      'mmner 2M-NER emissions. Inputs: the tiny encoder ids (encodeTextBatch) and images [B,S,S,3] normalised; ' +
      'decode emissions with the CRF initializers crf.transitions [to, from], crf.start, crf.end (Viterbi).',
    producerVersion: options.producerVersion ?? '0.1.0',
    metadata: {
      [META.format]: METADATA_FORMAT,
      [META.config]: JSON.stringify(config),
      [META.tags]: JSON.stringify(model.tags),
      [META.vocab]: JSON.stringify(text.vocab.toJSON()),
      [META.maxWordLen]: String(text.config.maxWordLen),
      ...(options.source ? { [META.source]: options.source } : {}),
    },
  });
  return { bytes, opset: OPSET, irVersion: IR_VERSION, inputs, outputs };
}

function unsupported(what: string): MmnerError {
  return new MmnerError('E_EXPORT_UNSUPPORTED', `cannot export this model: ${what}`, {
    hint: 'ONNX export supports models built by buildModel for the tiny preset',
  });
}
