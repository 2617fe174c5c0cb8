/**
 * The analyses that `eval/` computes from a run's files and `viz/` draws: error classes, the
 * image-helped / image-hurt comparison, contrastive alignment and attention. Declared in core so
 * the producer (eval, in the CLI or the kernel) and the views (report, notebook renderer) share
 * one contract and viz never imports eval. Types only.
 */

/** An entity span over tokens `[start, end)` with its type. */
export interface Span {
  start: number;
  end: number;
  type: string;
}

/**
 * How a gold/predicted span pair went wrong:
 * - `missed`: a gold entity no prediction overlaps;
 * - `spurious`: a predicted entity no gold entity overlaps;
 * - `wrong-type`: same boundaries, other type;
 * - `wrong-boundary`: overlapping, same type, other boundaries;
 * - `wrong-type-boundary`: overlapping, other type and boundaries.
 */
export type ErrorClass = 'missed' | 'spurious' | 'wrong-type' | 'wrong-boundary' | 'wrong-type-boundary';
export const ERROR_CLASSES: readonly ErrorClass[] = Object.freeze([
  'missed',
  'spurious',
  'wrong-type',
  'wrong-boundary',
  'wrong-type-boundary',
]);

export interface EntityError {
  sentenceId: string;
  lang: string;
  class: ErrorClass;
  /** The gold span (absent for `spurious`). */
  gold?: Span;
  /** The predicted span (absent for `missed`). */
  pred?: Span;
  /**
   * Which side's span is already the partner of another error: a leftover gold span that overlaps
   * a prediction paired elsewhere (`pred`), or a leftover prediction over a paired gold span
   * (`gold`). Absent for one-to-one pairs, `missed` and `spurious`. Lets counts of distinct spans
   * (foundGold − correct, foundPred − correct) be recovered from the error list.
   */
  reused?: 'gold' | 'pred';
}

/** Counts per language and class, plus `all` over languages. */
export type ErrorCounts = Record<string, Record<ErrorClass, number>>;

/** Gold → predicted type counts over matched-or-not entities; `O` stands for "no entity". */
export interface ConfusionMatrix {
  /** Row/column labels: the entity types, then `O`. */
  labels: string[];
  /** counts[gold][pred]; counts[O][O] is 0 (not counted). */
  counts: number[][];
}

/** A sentence whose result differs between a multimodal run and a text-only run. */
export interface ImageEffect {
  sentenceId: string;
  lang: string;
  /** Correct entities in this sentence: text-only run vs multimodal run. */
  correctText: number;
  correctMulti: number;
  /** Errors in this sentence: text-only vs multimodal. */
  errorsText: number;
  errorsMulti: number;
  /** `helped` when the multimodal run is better here, `hurt` when worse. */
  effect: 'helped' | 'hurt';
}

/** Helped / hurt sentences per language, plus `all`. */
export type ImageEffectCounts = Record<string, { helped: number; hurt: number }>;

/** Retrieval with the sentence ↔ image vectors of one branch, in percent. */
export interface RetrievalScores {
  textToImage: { r1: number; r5: number; r10: number };
  imageToText: { r1: number; r5: number; r10: number };
  /** Pairs the scores are over (retrieval among the sentences of the same group). */
  pairs: number;
  /**
   * Set when the group was too large to rank every query: the number of seeded-sampled queries
   * (each still ranked against all `pairs` candidates). Absent when every pair was a query.
   */
  queries?: number;
}

export interface AlignmentSummary {
  branch: string;
  /** Per language and `all`. */
  retrieval: Record<string, RetrievalScores>;
  /** Cosine similarities of matched pairs and of shuffled (mismatched) pairs. */
  cosine: { matched: number[]; shuffled: number[] };
  /** 2-D projection of sentence and image vectors (same coordinate system). */
  projection: {
    method: 'pca' | 'umap';
    /** Why the projection is not what was asked for (PCA fallback, UMAP on a sample). */
    note?: string;
    points: { id: string; lang: string; kind: 'text' | 'image'; x: number; y: number }[];
  };
}

/** A sentence with its text–image similarity, for the misaligned-pairs list (lowest first). */
export interface MisalignedPair {
  sentenceId: string;
  lang: string;
  branch: string;
  cosine: number;
  /** Whether the prediction differs from the text-only run's (when one is compared). */
  changedByImage?: boolean;
}

/** The attention of one sentence over one image branch's regions, for a heatmap per token. */
export interface AttentionView {
  sentenceId: string;
  branch: string;
  tokens: string[];
  /** `[rows, cols]` of the region grid. */
  grid: [number, number];
  /** Per token: attention over the regions, row-major over the grid (sums to 1). */
  weights: number[][];
  /** Per token gate value in [0, 1]. */
  gate: number[];
}

/** Every analysis of one evaluated split: `eval/analyze.ts` computes it, the report draws it. */
export interface RunAnalyses {
  errors: EntityError[];
  errorCounts: ErrorCounts;
  confusion: ConfusionMatrix;
  /** Only against a text-only run on the same split. */
  imageEffects?: ImageEffect[];
  /** Only with inspection views: one summary per image branch. */
  alignment?: AlignmentSummary[];
  misaligned?: MisalignedPair[];
  attention?: AttentionView[];
}
