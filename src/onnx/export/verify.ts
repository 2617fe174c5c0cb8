/**
 * Checks an exported model against the tfjs model it came from, on the same sentences and
 * images: the largest absolute emission difference, and whether Viterbi picks the same tags.
 * Used by `mmner export --verify`, the export tests and the benchmark.
 */
import * as tf from '@tensorflow/tfjs';
import type { Sentence } from '../../core/types.js';
import { chunks, makeBatch } from '../../model/batch.js';
import type { MmnerModel, ModelBatch } from '../../model/mmner.js';
import type { OnnxNerModel } from '../model/onnxModel.js';

/**
 * The tfjs model's emissions `[B, T, K]` at inference, from its public parts: the same steps as
 * `MmnerModel`'s forward pass with training off (dropout is then the identity).
 */
export async function tfjsEmissions(model: MmnerModel, batch: ModelBatch): Promise<Float32Array> {
  const vars = model.namedVariables();
  const out = tf.tidy(() => {
    const { lengths, maxLen } = batch.text;
    const b = lengths.length;
    const m = new Float32Array(b * maxLen);
    lengths.forEach((len, i) => {
      m.fill(1, i * maxLen, i * maxLen + len);
    });
    const mask = tf.tensor2d(m, [b, maxLen]);
    const { words } = model.parts.text.encode(batch.text, false);
    let fused = words;
    if (model.hasImages) {
      const size = model.config.image.size;
      const images = tf.tensor4d(batch.images!, [b, size, size, 3]);
      const branches = model.parts.images.map((enc) => enc.encode(images, false));
      fused = model.parts.collaboration!.apply(words, mask, branches, { training: false }).fused;
    }
    const [, t, d] = fused.shape;
    const k = model.tags.length;
    const flat = tf.reshape(fused, [b * t, d]) as tf.Tensor2D;
    const e = tf.add(
      tf.matMul(flat, vars.get('emission.kernel')! as tf.Tensor2D),
      vars.get('emission.bias')!,
    );
    return tf.reshape(e, [b, t, k]);
  });
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

export interface Agreement {
  sentences: number;
  /** Largest |tfjs − ONNX| over every real word's emissions. */
  maxEmissionDiff: number;
  /** Largest |tfjs − ONNX| over the projected sentence/image vectors (multimodal contrastive models). */
  maxEmbeddingDiff?: number;
  /** Sentences whose predicted tags are identical. */
  samePredictions: number;
  /** Words whose predicted tag is identical, and all words. */
  sameTags: number;
  words: number;
}

/**
 * Runs both models over `sentences` in batches of `batchSize`; `loadImages` gives each batch's
 * images `[B, S, S, 3]` (multimodal models only).
 */
export async function compareWithTfjs(
  model: MmnerModel,
  exported: OnnxNerModel,
  sentences: readonly Sentence[],
  options: { batchSize?: number; loadImages?: (part: readonly Sentence[]) => Promise<Float32Array> } = {},
): Promise<Agreement> {
  const r: Agreement = { sentences: 0, maxEmissionDiff: 0, samePredictions: 0, sameTags: 0, words: 0 };
  const k = model.tags.length;
  for (const part of chunks(sentences, options.batchSize ?? 32)) {
    const images = model.hasImages ? await options.loadImages?.(part) : undefined;
    const batch = makeBatch(model, part, images, false);
    const inspect = model.hasImages && model.config.contrastive !== null;
    const [reference, predicted, onnx] = [
      await tfjsEmissions(model, batch),
      await model.predict(batch, inspect),
      await exported.forward({ tokens: part.map((s) => s.tokens), ...(images ? { images } : {}) }),
    ];
    const onnxTags = await exported.predict({
      tokens: part.map((s) => s.tokens),
      ...(images ? { images } : {}),
    });
    const T = batch.text.maxLen;
    part.forEach((s, i) => {
      for (let t = 0; t < s.tokens.length; t++) {
        for (let j = 0; j < k; j++) {
          const at = (i * T + t) * k + j;
          r.maxEmissionDiff = Math.max(r.maxEmissionDiff, Math.abs(reference[at]! - onnx.emissions[at]!));
        }
      }
      const a = predicted.paths[i]!;
      const b = onnxTags[i]!;
      let same = 0;
      a.forEach((tag, j) => {
        if (tag === b[j]) same++;
      });
      r.sameTags += same;
      r.words += a.length;
      if (same === a.length && a.length === b.length) r.samePredictions++;
    });
    if (inspect && predicted.sentenceEmbeddings && onnx.textEmbedding) {
      const pairs: [Float32Array, Float32Array][] = [
        [predicted.sentenceEmbeddings, onnx.textEmbedding],
        ...(predicted.imageEmbeddings ?? []).map(
          (e, i) => [e, onnx.imageEmbeddings![i]!] as [Float32Array, Float32Array],
        ),
      ];
      let max = r.maxEmbeddingDiff ?? 0;
      for (const [x, y] of pairs)
        for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
      r.maxEmbeddingDiff = max;
    }
    r.sentences += part.length;
  }
  return r;
}
