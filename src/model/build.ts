/**
 * Config → parts → MmnerModel. The one place that knows which encoder a preset uses, so training,
 * evaluation and prediction rebuild exactly the same model from a run's config.json.
 */
import { MmnerError } from '../core/errors.js';
import { CollaborationModule } from './collaboration/collaboration.js';
import type { ModelConfig } from './config.js';
import { TinyCnn } from './image/tinyCnn.js';
import { MmnerModel } from './mmner.js';
import type { ImageEncoder } from './parts.js';
import { TinyTextEncoder } from './text/tinyEncoder.js';
import type { TextVocab } from './text/vocab.js';

/** What a model needs besides its config: the text vocabulary (built from train, saved in the run). */
export interface ModelAssets {
  vocab: TextVocab;
}

export function buildModel(config: ModelConfig, assets: ModelAssets): MmnerModel {
  if (config.text.kind !== 'tiny' || config.image.branches.some((b) => b !== 'cnn')) {
    throw new MmnerError(
      'E_NOT_IMPLEMENTED',
      `preset '${config.preset}' needs pretrained encoders (BERT, ViT, ResNet from local Hugging Face folders), which this version cannot load yet`,
      {
        hint: 'train the tiny preset (--preset tiny); the safetensors reader is in place, the encoders come next',
      },
    );
  }
  const seed = config.seed;
  const text = new TinyTextEncoder(assets.vocab, { ...config.text.options, seed });
  const images: ImageEncoder[] = config.image.branches.map(
    () => new TinyCnn({ imageSize: config.image.size, seed: `cnn/${seed}` }),
  );
  const collaboration =
    images.length > 0
      ? new CollaborationModule({
          wordDim: text.outputDim,
          regionDim: images.map((e) => e.outputDim),
          branches: images.length,
          heads: config.collaboration.heads,
          dropout: config.collaboration.dropout,
          gate: config.collaboration.gate,
          seed: `collaboration/${seed}`,
        })
      : undefined;
  return new MmnerModel(config, { text, images, ...(collaboration ? { collaboration } : {}) });
}
