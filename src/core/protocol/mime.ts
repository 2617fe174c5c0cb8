/**
 * The MIME types of mmner's notebook outputs, rendered by src/renderer. Each output also carries
 * a fallback (`image/png`, `text/html` or `text/plain`) so a saved .ipynb reads on GitHub and in
 * Jupyter. Payloads are JSON, declared here so the kernel (producer) and the renderer agree.
 */
import type { AttentionView, EntityError, MisalignedPair } from '../run/analysis.js';
import type { EvalSentence } from '../run/evalFile.js';

export const MIME = Object.freeze({
  /** A vega-lite spec (`ChartPayload`). */
  chart: 'application/vnd.mmner.chart+json',
  /** Scores per language (`MetricsPayload`). */
  metrics: 'application/vnd.mmner.metrics+json',
  /** Sentences with gold/predicted spans and images (`SentencesPayload`). */
  sentences: 'application/vnd.mmner.sentences+json',
  /** One sentence's token→region attention over its image (`AttentionPayload`). */
  attention: 'application/vnd.mmner.attention+json',
  /** 2-D projection of text and image vectors with pair links (`AlignmentPayload`). */
  alignment: 'application/vnd.mmner.alignment+json',
  /** Entity errors, sortable and filterable (`ErrorsPayload`). */
  errors: 'application/vnd.mmner.errors+json',
  /** Misaligned sentence–image pairs (`MisalignedPayload`). */
  misaligned: 'application/vnd.mmner.misaligned+json',
  /** Live training progress, replaced in place while a cell runs (`ProgressPayload`). */
  progress: 'application/vnd.mmner.progress+json',
} as const);
export type MmnerMime = (typeof MIME)[keyof typeof MIME];
export const MMNER_MIMES: readonly MmnerMime[] = Object.freeze(Object.values(MIME));

/** Images travel as data URIs (`data:image/png;base64,…`): outputs must not load anything. */
export type ImageDataUri = string;

export interface ChartPayload {
  /** A vega-lite spec with inline data. */
  spec: Record<string, unknown>;
  title?: string;
}

export interface MetricsPayload {
  split: string;
  /** Rows per language and `all`; rates in percent. */
  rows: {
    lang: string;
    sentences: number;
    precision: number;
    recall: number;
    f1: number;
    strictF1: number;
  }[];
  /** Subset name → F1 in percent. */
  subsets?: Record<string, number>;
}

export interface SentencesPayload {
  sentences: (EvalSentence & { imageUri?: ImageDataUri })[];
}

export interface AttentionPayload {
  view: AttentionView;
  image?: ImageDataUri;
}

export interface AlignmentPayload {
  branch: string;
  method: 'pca' | 'umap';
  points: { id: string; lang: string; kind: 'text' | 'image'; x: number; y: number }[];
  /** Sentence id → its tokens and image, for the hover card (a sample, not necessarily all). */
  sentences?: Record<string, { tokens: string[]; imageUri?: ImageDataUri }>;
}

export interface ErrorsPayload {
  errors: EntityError[];
  /** Sentence id → tokens, for showing each error in context. */
  tokens: Record<string, string[]>;
}

export interface MisalignedPayload {
  pairs: MisalignedPair[];
  tokens: Record<string, string[]>;
  images?: Record<string, ImageDataUri>;
}

export interface ProgressPayload {
  step: number;
  totalSteps: number;
  epoch: number;
  loss?: number;
  devF1?: number;
  examplesPerSec?: number;
  etaSec?: number;
  /** `done` once the job ended. */
  state: 'running' | 'done' | 'cancelled' | 'failed';
}
