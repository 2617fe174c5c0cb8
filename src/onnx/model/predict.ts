/**
 * `mmner predict --onnx`: tags sentences with an exported model on onnxruntime, images decoded
 * and normalised exactly as for the tfjs model (core/image), in batches.
 */
import { DEFAULT_PREPROCESS, imageLength, normalizeInto } from '../../core/image/options.js';
import { decodeImage } from '../../core/image/preprocess.node.js';
import { OnnxNerModel } from './onnxModel.js';

export interface OnnxPredictInput {
  tokens: string[];
  /** An image file, already resolved; absent = the blank (mean-colour) image, as in training. */
  imagePath?: string;
}

/** `[B, S, S, 3]` normalised; a sentence without an image gets zeros (the mean colour after normalising). */
export async function loadImageBatch(
  paths: readonly (string | undefined)[],
  size: number,
): Promise<Float32Array> {
  const one = imageLength(size);
  const out = new Float32Array(paths.length * one);
  for (const [i, path] of paths.entries()) {
    if (path)
      normalizeInto(
        await decodeImage(path, { size }),
        DEFAULT_PREPROCESS.mean,
        DEFAULT_PREPROCESS.std,
        out,
        i * one,
      );
  }
  return out;
}

export async function predictOnnx(
  modelPath: string,
  inputs: readonly OnnxPredictInput[],
  options: { batchSize?: number; threads?: number } = {},
): Promise<string[][]> {
  const model = await OnnxNerModel.load(modelPath, options.threads ? { threads: options.threads } : {});
  try {
    const size = options.batchSize ?? 64;
    const tags: string[][] = [];
    for (let i = 0; i < inputs.length; i += size) {
      const part = inputs.slice(i, i + size);
      const images = model.hasImages
        ? await loadImageBatch(
            part.map((p) => p.imagePath),
            model.imageSize,
          )
        : undefined;
      tags.push(
        ...(await model.predict({ tokens: part.map((p) => p.tokens), ...(images ? { images } : {}) })),
      );
    }
    return tags;
  } finally {
    await model.dispose();
  }
}
