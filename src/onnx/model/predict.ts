/**
 * `mmner predict --onnx`: tags sentences with an exported model on onnxruntime, images decoded
 * and normalised exactly as for the tfjs model (core/image), in batches.
 */
import { loadImages } from '../../core/image/preprocess.node.js';
import { OnnxNerModel } from './onnxModel.js';

export interface OnnxPredictInput {
  tokens: string[];
  /** An image file, already resolved; absent = the blank (mean-colour) image, as in training. */
  imagePath?: string;
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
        ? await loadImages(
            part.map((p) => p.imagePath),
            { size: model.imageSize },
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
