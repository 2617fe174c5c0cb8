/**
 * Collects the model's inspection views batch by batch into one `InspectData` (the contents of
 * `eval/<split>.inspect.bin`): padded `[B, T, …]` tensors are cut to each sentence's length and
 * concatenated, attention is averaged over heads. Only multimodal models with a contrastive
 * projection have these views.
 */
import { MmnerError } from '../core/errors.js';
import type { InspectData } from '../core/run/inspect.js';
import type { Sentence } from '../core/types.js';
import type { Inspection } from '../model/mmner.js';
import type { ImageEncoder } from '../model/parts.js';

/** The region grid of an encoder: its own, or the square one its region count implies. */
export function regionGridOf(encoder: ImageEncoder): [number, number] {
  if (encoder.regionGrid) return encoder.regionGrid;
  const side = Math.ceil(Math.sqrt(encoder.numRegions));
  return [Math.ceil(encoder.numRegions / side), side];
}

/** Growable Float32 storage (batches arrive one by one; the total is known only at the end). */
class Floats {
  private data = new Float32Array(1024);
  length = 0;
  push(values: Float32Array): void {
    if (this.length + values.length > this.data.length) {
      const grown = new Float32Array(Math.max(this.data.length * 2, this.length + values.length));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(values, this.length);
    this.length += values.length;
  }
  done(): Float32Array {
    return this.data.slice(0, this.length);
  }
}

/** Region vectors are kept while they take at most this many floats (64 MB) in all. */
export const MAX_REGION_VALUES = 16_000_000;

export class InspectCollector {
  private readonly ids: string[] = [];
  private readonly offsets: number[] = [0];
  private readonly sentence = new Floats();
  private readonly tokens = new Floats();
  private readonly image: Floats[];
  private readonly regions: Floats[];
  private readonly attention: Floats[];
  private readonly gate: Floats[];
  private dim = 0;

  /**
   * `keepRegions` false leaves the region vectors out (they dominate the size: N·R·dim per
   * branch, about 0.9 GB for 3,000 sentences at the paper's 98 regions × 768).
   */
  constructor(
    private readonly split: string,
    private readonly branches: string[],
    private readonly grids: [number, number][],
    private readonly keepRegions = true,
  ) {
    const each = () => branches.map(() => new Floats());
    this.image = each();
    this.regions = each();
    this.attention = each();
    this.gate = each();
  }

  add(batch: readonly Sentence[], out: Inspection): void {
    const dim = out.projectionDim;
    if (!dim || !out.sentenceEmbeddings || !out.tokenEmbeddings || !out.attention || !out.gate) {
      throw new MmnerError(
        'E_INSPECT_UNAVAILABLE',
        'this model gives no inspection views (text-only, or no contrastive projection)',
      );
    }
    this.dim = dim;
    const b = batch.length;
    const maxLen = out.tokenEmbeddings.length / (b * dim);
    this.sentence.push(out.sentenceEmbeddings);
    batch.forEach((s, i) => {
      const len = s.tokens.length;
      this.ids.push(s.id);
      this.offsets.push(this.offsets[this.offsets.length - 1]! + len);
      this.tokens.push(out.tokenEmbeddings!.subarray(i * maxLen * dim, (i * maxLen + len) * dim));
    });
    this.branches.forEach((_, k) => {
      this.image[k]!.push(out.imageEmbeddings![k]!);
      if (this.keepRegions) this.regions[k]!.push(out.regionEmbeddings![k]!);
      const { values, shape } = out.attention![k]!;
      const [, heads, t, r] = shape as [number, number, number, number];
      const gate = out.gate![k]!.values;
      batch.forEach((s, i) => {
        const mean = new Float32Array(s.tokens.length * r);
        for (let h = 0; h < heads; h++) {
          const base = (i * heads + h) * t * r;
          for (let j = 0; j < mean.length; j++) mean[j]! += values[base + j]! / heads;
        }
        this.attention[k]!.push(mean);
        this.gate[k]!.push(gate.subarray(i * t, i * t + s.tokens.length));
      });
    });
  }

  result(): InspectData {
    return {
      split: this.split,
      dim: this.dim,
      branches: this.branches,
      regionGrid: this.grids,
      ids: this.ids,
      tokenOffsets: Int32Array.from(this.offsets),
      sentence: this.sentence.done(),
      tokens: this.tokens.done(),
      image: this.image.map((f) => f.done()),
      regions: this.regions.map((f) => f.done()),
      attention: this.attention.map((f) => f.done()),
      gate: this.gate.map((f) => f.done()),
    };
  }
}
