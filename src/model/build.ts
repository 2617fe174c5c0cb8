/**
 * Config → parts → MmnerModel. The one place that knows which encoder a preset uses, so training,
 * evaluation and prediction rebuild exactly the same model from a run's config.json.
 */
import { MmnerError } from '../core/errors.js';
import { CollaborationModule } from './collaboration/collaboration.js';
import { type ImageBranch, type ModelConfig, onnxBranch } from './config.js';
import { PrecomputedImageEncoder } from './image/precomputed.js';
import { TinyCnn } from './image/tinyCnn.js';
import { MmnerModel, tagSchemeOf } from './mmner.js';
import type { ImageEncoder, TextEncoder } from './parts.js';
import type { PretrainedEncoders } from './pretrained.node.js';
import { TinyTextEncoder } from './text/tinyEncoder.js';
import type { TextVocab } from './text/vocab.js';

/**
 * What a model needs besides its config: the text vocabulary of the tiny encoder (built from
 * train, saved in the run) and the pretrained encoders the config names (pretrained.node.ts).
 */
export interface ModelAssets {
  vocab?: TextVocab;
  pretrained?: PretrainedEncoders;
}

function textEncoder(config: ModelConfig, assets: ModelAssets): TextEncoder {
  if (config.text.kind === 'tiny') {
    if (!assets.vocab) throw new MmnerError('E_CONFIG', "the tiny text encoder needs the run's vocabulary");
    return new TinyTextEncoder(assets.vocab, { ...config.text.options, seed: config.seed });
  }
  if (!assets.pretrained?.text) {
    throw new MmnerError('E_CONFIG', `preset '${config.preset}' needs its BERT encoder loaded first`, {
      hint: 'load it with loadPretrained(config) (Node) and pass it as assets.pretrained',
    });
  }
  return assets.pretrained.text;
}

function imageEncoder(config: ModelConfig, assets: ModelAssets, branch: ImageBranch): ImageEncoder {
  if (branch === 'cnn') return new TinyCnn({ imageSize: config.image.size, seed: `cnn/${config.seed}` });
  const onnx = onnxBranch(config, branch);
  if (onnx) {
    if (!onnx.dim || !onnx.rows) {
      throw new MmnerError(
        'E_CONFIG',
        `the ${branch} branch's ONNX features have no settled size (dim, rows)`,
        {
          hint: 'the sizes are read from the export when a run starts (mmner train); train the run again',
        },
      );
    }
    return new PrecomputedImageEncoder({
      dim: onnx.dim,
      rows: onnx.rows,
      name: branch,
      ...(onnx.cls ? { cls: true } : {}),
      ...(onnx.grid ? { grid: onnx.grid } : {}),
    });
  }
  const encoder = assets.pretrained?.images[branch];
  if (!encoder) {
    throw new MmnerError('E_CONFIG', `the ${branch} image branch needs its pretrained encoder loaded first`, {
      hint: 'load it with loadPretrained(config) (Node) and pass it as assets.pretrained',
    });
  }
  return encoder;
}

export function buildModel(config: ModelConfig, assets: ModelAssets): MmnerModel {
  tagSchemeOf(config); // before any weights exist, so a bad config leaks none
  const text = textEncoder(config, assets);
  const images = config.image.branches.map((b) => imageEncoder(config, assets, b));
  const collaboration =
    images.length > 0
      ? new CollaborationModule({
          wordDim: text.outputDim,
          regionDim: images.map((e) => e.outputDim),
          branches: images.length,
          heads: config.collaboration.heads,
          dropout: config.collaboration.dropout,
          gate: config.collaboration.gate,
          seed: `collaboration/${config.seed}`,
        })
      : undefined;
  return new MmnerModel(config, { text, images, ...(collaboration ? { collaboration } : {}) });
}
