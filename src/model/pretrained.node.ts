/**
 * The pretrained encoders a config names, loaded from local Hugging Face folders: BERT for the
 * text (`text.path`), ViT/CLIP and ResNet for the image branches (`image.paths`). Loading reads
 * files, so it happens here, before the synchronous `buildModel`; a run reopened for evaluation
 * loads the same folders for the architecture and then its checkpoint's weights over them.
 */
import { MmnerError } from '../core/errors.js';
import type { ImageBranch, ModelConfig } from './config.js';
import { inspectVisionFolder, loadVisionFolder } from './image/visionFolder.node.js';
import type { ImageEncoder, TextEncoder } from './parts.js';
import { FOLDER_HINT, loadBertFolder, readBertArchitecture } from './text/bertFolder.node.js';

export interface PretrainedEncoders {
  text?: TextEncoder;
  images: Partial<Record<ImageBranch, ImageEncoder>>;
}

const BRANCH_HINTS: Record<Exclude<ImageBranch, 'cnn'>, string> = {
  vit: 'pass --vit DIR: a Hugging Face ViT or CLIP folder (e.g. `huggingface-cli download openai/clip-vit-base-patch32 --local-dir DIR`)',
  resnet:
    'pass --resnet DIR: a Hugging Face ResNet folder (e.g. `huggingface-cli download microsoft/resnet-152 --local-dir DIR`)',
};

export async function loadPretrained(config: ModelConfig): Promise<PretrainedEncoders> {
  const out: PretrainedEncoders = { images: {} };
  if (config.text.kind === 'bert') {
    if (!config.text.path) {
      throw new MmnerError('E_CONFIG', `preset '${config.preset}' needs a BERT folder for its text encoder`, {
        hint: `pass --text-model DIR; ${FOLDER_HINT}`,
      });
    }
    out.text = await loadBertFolder(config.text.path, { layer: config.text.layer, seed: config.seed });
  }
  try {
    for (const branch of config.image.branches) {
      if (branch === 'cnn') continue;
      const path = config.image.paths[branch];
      if (!path) {
        throw new MmnerError('E_CONFIG', `the ${branch} image branch needs a pretrained model folder`, {
          hint: `${BRANCH_HINTS[branch]}, or train text-only with --ablation text-only`,
        });
      }
      out.images[branch] = await loadVisionFolder(path, {
        imageSize: config.image.size,
        frozen: (config.image.freeze ?? []).includes(branch),
      });
    }
  } catch (e) {
    out.text?.dispose();
    for (const enc of Object.values(out.images)) enc.dispose();
    throw e;
  }
  return out;
}

/**
 * Sizes that follow from the pretrained folders, settled once when a run starts (and saved in
 * its config.json): the image side is the ViT's input size, and the collaboration module has as
 * many heads as BERT (12 for bert-base, as in the paper), so any BERT width divides evenly.
 */
export async function fitToPretrained(config: ModelConfig): Promise<void> {
  if (config.text.kind === 'bert' && config.text.path) {
    const arch = await readBertArchitecture(config.text.path);
    config.collaboration.heads = arch.numHeads;
  }
  const vit = config.image.branches.includes('vit') ? config.image.paths.vit : undefined;
  if (vit) {
    const info = await inspectVisionFolder(vit);
    if (info.kind !== 'resnet') config.image.size = info.config.imageSize;
  }
}
