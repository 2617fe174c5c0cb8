/**
 * Sentences → a ModelBatch: words padded to the longest sentence, gold tag ids when the sentences
 * carry tags, and the images the caller loaded. Shared by training, evaluation and prediction.
 */
import type { Sentence } from '../core/types.js';
import type { MmnerModel, ModelBatch } from './mmner.js';

export function makeBatch(
  model: MmnerModel,
  sentences: readonly Sentence[],
  images?: Float32Array,
  withTags = true,
): ModelBatch {
  const lengths = sentences.map((s) => s.tokens.length);
  const maxLen = Math.max(1, ...lengths);
  const batch: ModelBatch = {
    text: { lengths, maxLen, tokens: sentences.map((s) => s.tokens) },
  };
  if (withTags)
    batch.tags = model.tagIds(
      sentences.map((s) => s.tags),
      maxLen,
    );
  if (images) batch.images = images;
  return batch;
}

/** Consecutive slices of at most `size` items. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
