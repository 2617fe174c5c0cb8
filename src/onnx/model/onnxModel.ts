/**
 * An exported mmner model (`mmner export --onnx`) loaded for inference with onnxruntime-node:
 * the file's metadata gives the tag set, the tiny encoder's vocabulary and the config; its CRF
 * initializers give the constrained transition scores. Tokens are turned into ids as the tfjs
 * model does (`encodeTextBatch`), the graph computes emissions, and `viterbiDecode` (model/crf)
 * decodes them — the same code tfjs predictions go through.
 */
import { readFile } from 'node:fs/promises';
import { MmnerError } from '../../core/errors.js';
import type { ModelConfig } from '../../model/config.js';
import { allowedTransitions, iob2View, type TransitionRules } from '../../model/crf/tags.js';
import { viterbiDecode } from '../../model/crf/viterbi.js';
import type { TextBatch } from '../../model/parts.js';
import { encodeTextBatch, TextVocab, type TextVocabJSON } from '../../model/text/vocab.js';
import { INPUTS, OUTPUTS } from '../export/exportModel.js';
import { CRF_INITIALIZERS, DTYPE, META, METADATA_FORMAT, type OnnxTypes, onnx } from '../export/proto.js';
import { createCpuSession, type OrtSession, type OrtTensorInput } from './session.js';

/** One batch of sentences as the model takes them (images: `[B, S, S, 3]` normalised, for multimodal models). */
export interface OnnxBatch {
  tokens: readonly (readonly string[])[];
  images?: Float32Array;
}

export interface OnnxForward {
  /** `[B, T, K]` row-major. */
  emissions: Float32Array;
  shape: [number, number, number];
  lengths: number[];
  /** Projected sentence vectors `[B, P]` (multimodal models with a contrastive head). */
  textEmbedding?: Float32Array;
  /** Per image branch, projected image vectors `[B, P]`. */
  imageEmbeddings?: Float32Array[];
}

function tensorValues(t: OnnxTypes.ITensorProto, file: string): Float32Array {
  if (t.dataType !== DTYPE.float || !t.rawData) {
    throw new MmnerError('E_ONNX_MODEL', `initializer ${t.name} is not float32 raw data`, { file });
  }
  const raw = t.rawData;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

export class OnnxNerModel {
  private constructor(
    readonly path: string,
    readonly config: ModelConfig,
    readonly tags: string[],
    readonly vocab: TextVocab,
    readonly maxWordLen: number,
    readonly opset: number,
    private readonly crf: {
      numTags: number;
      transitions: Float32Array;
      start: Float32Array;
      end: Float32Array;
    },
    private readonly rules: TransitionRules,
    private readonly session: OrtSession,
  ) {
    this.outputTags = iob2View(tags);
  }

  /** `tags` as IOB2 (a BIOES-trained model decodes in BIOES, then reads its path as IOB2). */
  private readonly outputTags: string[];

  /** Reads an exported file; a file that is not one names itself and says how to make one. */
  static async load(path: string, options: { threads?: number } = {}): Promise<OnnxNerModel> {
    const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      throw new MmnerError('E_FILE_NOT_FOUND', `cannot read ${path}: ${e.code ?? e.message}`, {
        hint: 'export one with `mmner export --run runs/NAME --onnx FILE`',
      });
    });
    const notOurs = (why: string) =>
      new MmnerError('E_ONNX_MODEL', `not an ONNX model exported by mmner: ${why}`, {
        file: path,
        hint: 'export one with `mmner export --run runs/NAME --onnx FILE`',
      });
    let proto: OnnxTypes.ModelProto;
    try {
      proto = onnx.ModelProto.decode(bytes);
    } catch (e) {
      throw notOurs(`not an ONNX protobuf (${(e as Error).message})`);
    }
    const meta = new Map((proto.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
    if (meta.get(META.format) !== METADATA_FORMAT)
      throw notOurs(`no ${META.format} = ${METADATA_FORMAT} metadata`);
    let config: ModelConfig;
    let tags: string[];
    let vocab: TextVocab;
    try {
      config = JSON.parse(meta.get(META.config) ?? '') as ModelConfig;
      tags = JSON.parse(meta.get(META.tags) ?? '') as string[];
      vocab = TextVocab.fromJSON(JSON.parse(meta.get(META.vocab) ?? '') as TextVocabJSON);
    } catch (e) {
      throw notOurs(`damaged metadata (${(e as Error).message})`);
    }
    const maxWordLen = Number(meta.get(META.maxWordLen));
    const init = new Map((proto.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
    const read = (name: string) => {
      const t = init.get(name);
      if (!t) throw notOurs(`no CRF initializer ${name}`);
      return tensorValues(t, path);
    };
    const k = tags.length;
    const crf = {
      numTags: k,
      transitions: read(CRF_INITIALIZERS.transitions),
      start: read(CRF_INITIALIZERS.start),
      end: read(CRF_INITIALIZERS.end),
    };
    if (crf.transitions.length !== k * k || crf.start.length !== k || crf.end.length !== k) {
      throw notOurs(`CRF initializers do not fit ${k} tags`);
    }
    // mmner's Crf always constrains to its scheme's valid paths (crf.ts), so the same rules apply here.
    let rules: TransitionRules;
    try {
      rules = allowedTransitions(tags);
    } catch (e) {
      throw notOurs(`its tags are not IOB2 or BIOES (${(e as Error).message})`);
    }
    const opset = Number(proto.opsetImport?.find((o) => !o.domain)?.version ?? 0);
    const session = await createCpuSession(bytes, options.threads);
    return new OnnxNerModel(path, config, tags, vocab, maxWordLen, opset, crf, rules, session);
  }

  get hasImages(): boolean {
    return this.config.image.branches.length > 0;
  }

  get imageSize(): number {
    return this.config.image.size;
  }

  /** Emissions (and projections) of one batch, as the tfjs model's forward pass computes them. */
  async forward(batch: OnnxBatch): Promise<OnnxForward> {
    const lengths = batch.tokens.map((t) => t.length);
    const text: TextBatch = {
      lengths,
      maxLen: Math.max(1, ...lengths),
      tokens: batch.tokens.map((t) => [...t]),
    };
    const enc = encodeTextBatch(this.vocab, text, { maxWordLen: this.maxWordLen });
    const B = enc.batchSize;
    const T = enc.maxLen;
    const feeds: Record<string, OrtTensorInput> = {
      [INPUTS.wordIds]: { type: 'int32', data: enc.wordIds, dims: [B, T] },
      [INPUTS.casingIds]: { type: 'int32', data: enc.casing, dims: [B, T] },
      [INPUTS.charIds]: { type: 'int32', data: enc.charIds, dims: [B, T, enc.maxChars] },
      [INPUTS.charLengths]: { type: 'int32', data: enc.charLengths, dims: [B, T] },
      [INPUTS.mask]: { type: 'float32', data: enc.mask, dims: [B, T] },
    };
    if (this.hasImages) {
      const S = this.imageSize;
      if (!batch.images || batch.images.length !== B * S * S * 3) {
        throw new MmnerError(
          'E_USAGE',
          `this model has image branches: the batch needs images [${B}, ${S}, ${S}, 3] (${B * S * S * 3} values), got ${batch.images?.length ?? 0}`,
        );
      }
      feeds[INPUTS.images] = { type: 'float32', data: batch.images, dims: [B, S, S, 3] };
    }
    const out = await this.session.run(feeds);
    const emissions = out.get(OUTPUTS.emissions)!;
    const result: OnnxForward = {
      emissions: emissions.data,
      shape: [B, T, this.tags.length],
      lengths,
    };
    const textEmbedding = out.get(OUTPUTS.textEmbedding);
    if (textEmbedding) {
      result.textEmbedding = textEmbedding.data;
      result.imageEmbeddings = this.config.image.branches.map(
        (b) => out.get(OUTPUTS.imageEmbedding(b))!.data,
      );
    }
    return result;
  }

  /** Best IOB2 tag sequences (CRF Viterbi in TypeScript, as `MmnerModel.predict`). */
  async predict(batch: OnnxBatch): Promise<string[][]> {
    const f = await this.forward(batch);
    return viterbiDecode(f.emissions, f.shape, f.lengths, this.crf, this.rules).paths.map((p) =>
      p.map((i) => this.outputTags[i]!),
    );
  }

  /** Graph input and output names. */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
