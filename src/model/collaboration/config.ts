/**
 * Settings of the multimodal collaboration module (token → region cross-attention per image
 * branch, a per-token gate, branch merge), with the tiny and paper presets and their checks.
 */
import { MmnerError } from '../../core/errors.js';
import { checkPositiveInt, checkRate } from '../layers.js';

export interface CollaborationConfig {
  /** Width of the word vectors Dt (the text encoder's outputDim). */
  wordDim: number;
  /** Width of each branch's region vectors Di: one number for all branches, or one per branch. */
  regionDim: number | readonly number[];
  /** Image branches (1 for tiny: the CNN; 2 for paper: ViT + ResNet). */
  branches: number;
  /** Attention heads; `attnDim` must be divisible by it (tiny 4, paper 12 as BERT). */
  heads: number;
  /** Width of the query/key/value projections (default: wordDim, as BERT's cross-attention). */
  attnDim?: number;
  /** Dropout on the attention probabilities, the attended context and the merge (default 0.1). */
  dropout: number;
  /**
   * The per-token gate g = sigmoid(W[word; attended] + b) (default true). `false` is the 'no gate'
   * ablation (g ≡ 1), which is the authors' cross-attention block: LayerNorm(word + attended).
   */
  gate: boolean;
  /** LayerNorm epsilon (default 1e-5; BERT uses 1e-12). */
  layerNormEps: number;
  /** Seed of the initial weights (default 'collaboration'). */
  seed: string | number;
}

/** Everything but the widths, which come from the encoders. */
export type CollaborationPreset = Omit<CollaborationConfig, 'wordDim' | 'regionDim'>;

export const COLLABORATION_PRESETS: Readonly<Record<'tiny' | 'paper', Readonly<CollaborationPreset>>> =
  Object.freeze({
    tiny: Object.freeze({
      branches: 1,
      heads: 4,
      dropout: 0.1,
      gate: true,
      layerNormEps: 1e-5,
      seed: 'collaboration',
    }),
    paper: Object.freeze({
      branches: 2,
      heads: 12,
      dropout: 0.1,
      gate: true,
      layerNormEps: 1e-12,
      seed: 'collaboration',
    }),
  });

export interface ResolvedCollaborationConfig extends CollaborationConfig {
  attnDim: number;
  regionDim: readonly number[];
}

/** Fills defaults (the tiny preset) and checks; a bad field is an `E_CONFIG` MmnerError. */
export function resolveCollaboration(
  config: Pick<CollaborationConfig, 'wordDim' | 'regionDim'> & Partial<CollaborationConfig>,
): ResolvedCollaborationConfig {
  const c = { ...COLLABORATION_PRESETS.tiny, ...config };
  checkPositiveInt(c.wordDim, 'collaboration wordDim');
  checkPositiveInt(c.branches, 'collaboration branches');
  checkPositiveInt(c.heads, 'collaboration heads');
  checkRate(c.dropout, 'collaboration dropout');
  const attnDim = checkPositiveInt(c.attnDim ?? c.wordDim, 'collaboration attnDim');
  if (attnDim % c.heads !== 0) {
    throw new MmnerError(
      'E_CONFIG',
      `collaboration attnDim ${attnDim} is not divisible by heads ${c.heads}`,
      {
        hint: 'choose heads that divide the word width (or set attnDim)',
      },
    );
  }
  const regionDim = typeof c.regionDim === 'number' ? Array(c.branches).fill(c.regionDim) : [...c.regionDim];
  if (regionDim.length !== c.branches) {
    throw new MmnerError(
      'E_CONFIG',
      `collaboration regionDim lists ${regionDim.length} widths for ${c.branches} branches`,
    );
  }
  for (const [i, d] of regionDim.entries()) checkPositiveInt(d, `collaboration regionDim[${i}]`);
  if (!(c.layerNormEps > 0)) throw new MmnerError('E_CONFIG', 'collaboration layerNormEps must be positive');
  return { ...c, attnDim, regionDim: Object.freeze(regionDim) };
}
