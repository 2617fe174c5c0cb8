/**
 * Frozen pretrained encoders from ONNX exports in Hugging Face's layout (optimum, transformers.js):
 * a BERT-like text encoder (inputs input_ids, attention_mask?, token_type_ids?) and an image
 * encoder (input pixel_values), each giving last_hidden_state and, where the export has it,
 * pooler_output. Inputs are batched; images are preprocessed as the model's preprocessor_config.json
 * says (core/image/hfProcessor.node.ts); features can go through the on-disk feature cache.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MmnerError } from '../core/errors.js';
import { FeatureCache } from '../core/image/featureCache.node.js';
import {
  type HfImageProcessor,
  loadPixelValues,
  type PixelBatch,
  processorKey,
  processorOutputSize,
  readHfProcessor,
} from '../core/image/hfProcessor.node.js';
import type { WordPieceTokenizer } from '../core/tokenize/wordpiece.js';
import { readBertTokenizer } from '../model/text/bertFolder.node.js';
import { loadOrt, type OnnxProvider, type OrtSession, openSession, type SessionOptions } from './session.js';

export interface TensorOut {
  data: Float32Array;
  dims: number[];
}

export interface OnnxEncoderOptions extends SessionOptions {
  /** Inputs per session run (default 16). */
  batchSize?: number;
}

const LAYOUT = 'E_ONNX_LAYOUT';
const CANDIDATES = ['model.onnx', join('onnx', 'model.onnx')];

/** A folder (model.onnx or onnx/model.onnx, as optimum and transformers.js lay them out) or an .onnx file. */
export async function resolveOnnxFile(folderOrFile: string): Promise<{ file: string; folder: string }> {
  const s = await stat(folderOrFile).catch(() => undefined);
  if (s?.isFile()) return { file: folderOrFile, folder: dirname(folderOrFile) };
  if (s?.isDirectory()) {
    for (const c of CANDIDATES) {
      const file = join(folderOrFile, c);
      if ((await stat(file).catch(() => undefined))?.isFile()) return { file, folder: folderOrFile };
    }
  }
  throw new MmnerError(
    'E_FILE_NOT_FOUND',
    s ? 'no model.onnx or onnx/model.onnx in this folder' : 'no such ONNX file or folder',
    {
      file: folderOrFile,
      hint: 'export with `optimum-cli export onnx --model <id> <folder>`, or pass the .onnx file itself',
    },
  );
}

/** SHA-256 of a file, streamed (ONNX exports of BERT-base are ~700 MB). */
async function hashLargeFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function layoutError(file: string, detail: string, session: OrtSession): MmnerError {
  return new MmnerError(
    LAYOUT,
    `${detail} (inputs: ${session.inputNames.join(', ')}; outputs: ${session.outputNames.join(', ')})`,
    {
      file,
      hint: 'mmner reads Hugging Face-style exports: pixel_values → last_hidden_state/pooler_output, or input_ids (+ attention_mask, token_type_ids) → last_hidden_state',
    },
  );
}

function tensorOut(
  t: { data: unknown; dims: readonly number[]; type: string },
  name: string,
  file: string,
): TensorOut {
  if (t.type !== 'float32') {
    throw new MmnerError(LAYOUT, `output ${name} is ${t.type}, expected float32`, {
      file,
      hint: 'export in fp32 (fp16 exports are not supported)',
    });
  }
  return { data: t.data as Float32Array, dims: [...t.dims] };
}

function concat(parts: TensorOut[]): TensorOut {
  const total = parts.reduce((n, p) => n + p.data.length, 0);
  const data = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    data.set(p.data, o);
    o += p.data.length;
  }
  return { data, dims: [parts.reduce((n, p) => n + p.dims[0]!, 0), ...(parts[0]?.dims.slice(1) ?? [])] };
}

export interface ImageFeatures {
  /** ViT: [B, tokens, D]; ResNet: [B, C, h, w] as exported. Absent if the export lacks it. */
  lastHiddenState?: TensorOut;
  /** [B, D]: pooler_output (squeezed), else the CLS row (3-D) or the spatial mean (4-D). */
  pooled: TensorOut;
}

/** What `encodeFilesCached` stores per image: the pooled vector, or the token/region sequence. */
export type FeatureKind = 'pooled' | 'tokens';

export class OnnxImageEncoder {
  readonly file: string;
  readonly session: OrtSession;
  readonly provider: OnnxProvider;
  readonly notes: readonly string[];
  readonly processor: HfImageProcessor;
  readonly batchSize: number;
  private idPromise: Promise<string> | undefined;
  private readonly keys = new Map<
    FeatureKind,
    Promise<{ encoder: string; preprocessing: string; shape: number[] }>
  >();

  private constructor(
    file: string,
    opened: Awaited<ReturnType<typeof openSession>>,
    processor: HfImageProcessor,
    batchSize: number,
  ) {
    this.file = file;
    this.session = opened.session;
    this.provider = opened.provider;
    this.notes = opened.notes;
    this.processor = processor;
    this.batchSize = batchSize;
  }

  /**
   * Opens an image encoder: `folderOrFile` is an export folder (model.onnx + preprocessor_config.json)
   * or an .onnx file with preprocessor_config.json beside it; `processor` overrides that file.
   */
  static async load(
    folderOrFile: string,
    options: OnnxEncoderOptions & { processor?: HfImageProcessor | string } = {},
  ): Promise<OnnxImageEncoder> {
    const { file, folder } = await resolveOnnxFile(folderOrFile);
    const processor =
      typeof options.processor === 'object'
        ? options.processor
        : await readHfProcessor(options.processor ?? folder);
    const opened = await openSession(file, options);
    const s = opened.session;
    if (!s.inputNames.includes('pixel_values')) throw layoutError(file, 'no input named pixel_values', s);
    if (!s.outputNames.includes('last_hidden_state') && !s.outputNames.includes('pooler_output')) {
      throw layoutError(file, 'no output named last_hidden_state or pooler_output', s);
    }
    // A fixed input size (ViT) must be what the processor makes.
    const meta = s.inputMetadata.find((m) => m.name === 'pixel_values');
    const size = processorOutputSize(processor);
    if (meta?.isTensor && size && meta.shape.length === 4) {
      const [h, w] = [meta.shape[2], meta.shape[3]];
      if ((typeof h === 'number' && h !== size.height) || (typeof w === 'number' && w !== size.width)) {
        throw new MmnerError(
          LAYOUT,
          `the model takes ${h}×${w} images but the processor makes ${size.height}×${size.width}`,
          {
            file,
            hint: 'use the preprocessor_config.json of the model this ONNX file was exported from',
          },
        );
      }
    }
    return new OnnxImageEncoder(file, opened, processor, options.batchSize ?? 16);
  }

  /** Identifies weights + preprocessing: the feature cache's encoder key. */
  id(): Promise<string> {
    this.idPromise ??= hashLargeFile(this.file).then((h) => `onnx:${h.slice(0, 32)}`);
    return this.idPromise;
  }

  /** Runs preprocessed `pixel_values` [B, 3, H, W] through the model, `batchSize` at a time. */
  async run(batch: PixelBatch): Promise<ImageFeatures> {
    const ort = await loadOrt();
    const [n, , h, w] = batch.dims;
    const per = 3 * h * w;
    const hidden: TensorOut[] = [];
    const pooled: TensorOut[] = [];
    for (let from = 0; from < n; from += this.batchSize) {
      const to = Math.min(n, from + this.batchSize);
      const input = new ort.Tensor('float32', batch.data.subarray(from * per, to * per), [
        to - from,
        3,
        h,
        w,
      ]);
      const out = await this.session.run({ pixel_values: input });
      const last = out.last_hidden_state
        ? tensorOut(out.last_hidden_state, 'last_hidden_state', this.file)
        : undefined;
      if (last) hidden.push({ data: new Float32Array(last.data), dims: last.dims });
      if (out.pooler_output) {
        const p = tensorOut(out.pooler_output, 'pooler_output', this.file);
        pooled.push({ data: new Float32Array(p.data), dims: [p.dims[0]!, p.data.length / p.dims[0]!] });
      } else {
        pooled.push(poolHidden(last!));
      }
    }
    const result: ImageFeatures = { pooled: concat(pooled) };
    if (hidden.length) result.lastHiddenState = concat(hidden);
    return result;
  }

  /** Decodes, preprocesses and encodes image files (MmnerError naming the file on a bad one). */
  async encodeFiles(paths: readonly string[]): Promise<ImageFeatures> {
    const parts: ImageFeatures[] = [];
    for (let from = 0; from < paths.length; from += this.batchSize) {
      parts.push(
        await this.run(await loadPixelValues(paths.slice(from, from + this.batchSize), this.processor)),
      );
    }
    const out: ImageFeatures = { pooled: concat(parts.map((p) => p.pooled)) };
    if (parts[0]?.lastHiddenState) out.lastHiddenState = concat(parts.map((p) => p.lastHiddenState!));
    return out;
  }

  /** One image's features of `kind` from a batch result: pooled [D], or tokens [T, D] (ResNet regions row-major). */
  static split(features: ImageFeatures, kind: FeatureKind): Float32Array[] {
    if (kind === 'pooled') return splitRows(features.pooled);
    const t = features.lastHiddenState;
    if (!t) throw new Error('this export has no last_hidden_state');
    return splitRows(t.dims.length === 4 ? regionsOf(t) : t);
  }

  /** The feature cache key of this encoder for `kind`, with the feature shape (runs one blank image). */
  cacheKey(kind: FeatureKind): Promise<{ encoder: string; preprocessing: string; shape: number[] }> {
    let key = this.keys.get(kind);
    if (!key) {
      key = this.computeCacheKey(kind);
      this.keys.set(kind, key);
    }
    return key;
  }

  private async computeCacheKey(
    kind: FeatureKind,
  ): Promise<{ encoder: string; preprocessing: string; shape: number[] }> {
    const size = processorOutputSize(this.processor);
    if (!size)
      throw new MmnerError(
        'E_CONFIG',
        'the feature cache needs a processor with a fixed output size (crop_size or an exact size)',
      );
    const probe = await this.run({
      data: new Float32Array(3 * size.width * size.height),
      dims: [1, 3, size.height, size.width],
    });
    const one = OnnxImageEncoder.split(probe, kind)[0]!;
    const shape =
      kind === 'pooled' ? [one.length] : [one.length / probe.pooled.dims[1]!, probe.pooled.dims[1]!];
    return { encoder: `${await this.id()}:${kind}`, preprocessing: processorKey(this.processor), shape };
  }

  /**
   * Features of each file through the on-disk cache in `cacheRoot` (or a FeatureCache already
   * opened with `cacheKey(kind)`): computed once per (content, encoder, preprocessing).
   */
  async encodeFilesCached(
    paths: readonly string[],
    cache: FeatureCache | string,
    kind: FeatureKind = 'pooled',
  ): Promise<Float32Array[]> {
    const c = typeof cache === 'string' ? await FeatureCache.open(cache, await this.cacheKey(kind)) : cache;
    const out = await c.getOrCompute(paths, async (missing) =>
      OnnxImageEncoder.split(await this.encodeFiles(missing), kind),
    );
    await c.flush();
    return out;
  }

  /**
   * One training/evaluation batch of cached features: `[B, ...shape]` in order, zeros where the
   * path is undefined (a sentence without its image, the `blank` policy), and which rows had one.
   */
  async batchFeatures(
    paths: readonly (string | undefined)[],
    cache: FeatureCache,
    kind: FeatureKind = 'pooled',
  ): Promise<{ data: Float32Array; dims: number[]; present: boolean[] }> {
    const present = paths.map((p) => p !== undefined);
    const given = paths.filter((p): p is string => p !== undefined);
    const features = await this.encodeFilesCached(given, cache, kind);
    const data = new Float32Array(paths.length * cache.length);
    let k = 0;
    present.forEach((has, i) => {
      if (has) data.set(features[k++]!, i * cache.length);
    });
    return { data, dims: [paths.length, ...cache.key.shape], present };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** [B, C, h, w] → [B, h·w, C]: cells row-major, as the TypeScript ResNet encoder gives regions. */
export function regionsOf(t: TensorOut): TensorOut {
  const [b, c, h, w] = t.dims as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  const hw = h * w;
  for (let i = 0; i < b; i++) {
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < hw; p++) out[i * hw * c + p * c + ch] = t.data[i * c * hw + ch * hw + p]!;
    }
  }
  return { data: out, dims: [b, hw, c] };
}

/** Without a pooler_output: the CLS row of [B, T, D], or the spatial mean of [B, C, h, w]. */
export function poolHidden(t: TensorOut): TensorOut {
  if (t.dims.length === 3) {
    const [b, n, d] = t.dims as [number, number, number];
    const out = new Float32Array(b * d);
    for (let i = 0; i < b; i++) out.set(t.data.subarray(i * n * d, i * n * d + d), i * d);
    return { data: out, dims: [b, d] };
  }
  if (t.dims.length === 4) {
    const [b, c, h, w] = t.dims as [number, number, number, number];
    const out = new Float32Array(b * c);
    for (let i = 0; i < b * c; i++) {
      let s = 0;
      for (let p = 0; p < h * w; p++) s += t.data[i * h * w + p]!;
      out[i] = s / (h * w);
    }
    return { data: out, dims: [b, c] };
  }
  throw new Error(`cannot pool a last_hidden_state of shape [${t.dims.join(', ')}]`);
}

function splitRows(t: TensorOut): Float32Array[] {
  const per = t.data.length / t.dims[0]!;
  return Array.from({ length: t.dims[0]! }, (_, i) => t.data.slice(i * per, (i + 1) * per));
}

export interface EncodedSentence {
  /** [CLS] subwords [SEP]. */
  ids: number[];
  /** Index in `ids` of each word's first subword (so [CLS] is 0 and the first word ≥ 1). */
  firstSubword: number[];
  /** [ids.length, D] row-major. */
  lastHiddenState: Float32Array;
  /** [words, D]: the first-subword rows (2M-NER's word vectors). */
  words: Float32Array;
  /** [D], where the export has pooler_output. */
  pooled?: Float32Array;
}

export class OnnxTextEncoder {
  readonly file: string;
  readonly session: OrtSession;
  readonly provider: OnnxProvider;
  readonly notes: readonly string[];
  readonly tokenizer: WordPieceTokenizer;
  readonly batchSize: number;
  /** config.json's max_position_embeddings, when the folder has one. */
  readonly maxLength: number | undefined;
  private readonly intInputs: Map<string, 'int64' | 'int32'>;

  private constructor(
    file: string,
    opened: Awaited<ReturnType<typeof openSession>>,
    tokenizer: WordPieceTokenizer,
    batchSize: number,
    maxLength: number | undefined,
  ) {
    this.file = file;
    this.session = opened.session;
    this.provider = opened.provider;
    this.notes = opened.notes;
    this.tokenizer = tokenizer;
    this.batchSize = batchSize;
    this.maxLength = maxLength;
    this.intInputs = new Map(
      opened.session.inputMetadata.map(
        (m) => [m.name, m.isTensor && m.type === 'int32' ? 'int32' : 'int64'] as const,
      ),
    );
  }

  /**
   * Opens a text encoder: `folderOrFile` is an export folder (model.onnx or onnx/model.onnx, with
   * tokenizer.json or vocab.txt, and config.json for the length limit) or an .onnx file in such a folder.
   */
  static async load(
    folderOrFile: string,
    options: OnnxEncoderOptions & { tokenizer?: WordPieceTokenizer } = {},
  ): Promise<OnnxTextEncoder> {
    const { file, folder } = await resolveOnnxFile(folderOrFile);
    // transformers.js keeps the tokenizer beside onnx/, optimum beside model.onnx.
    const tokFolder = basename(folder) === 'onnx' ? dirname(folder) : folder;
    const tokenizer =
      options.tokenizer ?? (await readBertTokenizer(tokFolder).catch(() => readBertTokenizer(folder)));
    let maxLength: number | undefined;
    for (const dir of [folder, tokFolder]) {
      const text = await readFile(join(dir, 'config.json'), 'utf8').catch(() => undefined);
      const m = text
        ? (JSON.parse(text) as { max_position_embeddings?: unknown }).max_position_embeddings
        : undefined;
      if (typeof m === 'number') {
        maxLength = m;
        break;
      }
    }
    const opened = await openSession(file, options);
    const s = opened.session;
    if (!s.inputNames.includes('input_ids')) throw layoutError(file, 'no input named input_ids', s);
    const unknown = s.inputNames.filter(
      (n) => !['input_ids', 'attention_mask', 'token_type_ids'].includes(n),
    );
    if (unknown.length) throw layoutError(file, `inputs mmner cannot fill: ${unknown.join(', ')}`, s);
    if (!s.outputNames.includes('last_hidden_state'))
      throw layoutError(file, 'no output named last_hidden_state', s);
    return new OnnxTextEncoder(file, opened, tokenizer, options.batchSize ?? 16, maxLength);
  }

  private ints(name: string, values: number[], dims: number[], ort: Awaited<ReturnType<typeof loadOrt>>) {
    return this.intInputs.get(name) === 'int32'
      ? new ort.Tensor('int32', Int32Array.from(values), dims)
      : new ort.Tensor(
          'int64',
          BigInt64Array.from(values, (v) => BigInt(v)),
          dims,
        );
  }

  /**
   * Token-id rows (each with its [CLS]/[SEP] already) → last_hidden_state per row [len, D] and
   * pooler_output per row [D] when exported. Rows are padded per batch; `typeIds` default to 0.
   */
  async encodeIds(
    idRows: readonly (readonly number[])[],
    typeIds?: readonly (readonly number[])[],
  ): Promise<{ hidden: TensorOut[]; pooled?: Float32Array[] }> {
    const ort = await loadOrt();
    const hidden: TensorOut[] = [];
    const pooled: Float32Array[] = [];
    idRows.forEach((r, i) => {
      if (this.maxLength !== undefined && r.length > this.maxLength) {
        throw new MmnerError(
          'E_TOO_LONG',
          `row ${i} has ${r.length} tokens; the model takes at most ${this.maxLength}`,
          {
            file: this.file,
            hint: 'split long sentences before encoding (the safetensors BERT encoder windows them; the ONNX one does not)',
          },
        );
      }
    });
    for (let from = 0; from < idRows.length; from += this.batchSize) {
      const batch = idRows.slice(from, from + this.batchSize);
      const s = Math.max(1, ...batch.map((r) => r.length));
      const ids: number[] = [];
      const mask: number[] = [];
      const types: number[] = [];
      batch.forEach((r, k) => {
        for (let j = 0; j < s; j++) {
          ids.push(j < r.length ? r[j]! : this.tokenizer.padId);
          mask.push(j < r.length ? 1 : 0);
          types.push(j < r.length ? (typeIds?.[from + k]?.[j] ?? 0) : 0);
        }
      });
      const dims = [batch.length, s];
      const feeds: Record<string, import('onnxruntime-node').Tensor> = {
        input_ids: this.ints('input_ids', ids, dims, ort),
      };
      if (this.session.inputNames.includes('attention_mask'))
        feeds.attention_mask = this.ints('attention_mask', mask, dims, ort);
      if (this.session.inputNames.includes('token_type_ids'))
        feeds.token_type_ids = this.ints('token_type_ids', types, dims, ort);
      const out = await this.session.run(feeds);
      const last = tensorOut(out.last_hidden_state!, 'last_hidden_state', this.file);
      const d = last.dims[2]!;
      batch.forEach((r, k) => {
        hidden.push({ data: last.data.slice(k * s * d, (k * s + r.length) * d), dims: [r.length, d] });
      });
      if (out.pooler_output) {
        const p = tensorOut(out.pooler_output, 'pooler_output', this.file);
        const pd = p.data.length / batch.length;
        batch.forEach((_, k) => {
          pooled.push(p.data.slice(k * pd, (k + 1) * pd));
        });
      }
    }
    return pooled.length ? { hidden, pooled } : { hidden };
  }

  /** Pre-split sentences → [CLS] subwords [SEP], encoded; each word's vector is its first subword's row. */
  async encodeWords(sentences: readonly (readonly string[])[]): Promise<EncodedSentence[]> {
    const encoded = sentences.map((words) => {
      const e = this.tokenizer.encodeWords(words);
      return {
        ids: [this.tokenizer.clsId, ...e.ids, this.tokenizer.sepId],
        firstSubword: e.firstSubword.map((i) => i + 1),
      };
    });
    const { hidden, pooled } = await this.encodeIds(encoded.map((e) => e.ids));
    return encoded.map((e, i) => {
      const h = hidden[i]!;
      const d = h.dims[1]!;
      const words = new Float32Array(e.firstSubword.length * d);
      e.firstSubword.forEach((t, w) => {
        words.set(h.data.subarray(t * d, (t + 1) * d), w * d);
      });
      const out: EncodedSentence = {
        ids: e.ids,
        firstSubword: e.firstSubword,
        lastHiddenState: h.data,
        words,
      };
      if (pooled) out.pooled = pooled[i]!;
      return out;
    });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
