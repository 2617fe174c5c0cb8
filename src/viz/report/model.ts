/**
 * What a report is made of: one run's evaluation (and optionally a text-only run's), its training
 * events, the analyses `eval/` computed, the images, and the chart specs. Plain data, so the CLI,
 * the kernel and tests can build one from a run folder or by hand.
 */
import type { RunAnalyses } from '../../core/run/analysis.js';
import type { EvalReport } from '../../core/run/evalFile.js';
import type { TrainEvent } from '../../core/run/events.js';
import type { ChartSpec } from '../charts/common.js';

/** The report's sections, in page order; ids are the anchors of the table of contents. */
export const REPORT_SECTIONS = Object.freeze([
  { id: 'summary', title: 'Summary' },
  { id: 'languages', title: 'F1 per language' },
  { id: 'compare', title: 'Multimodal vs text-only' },
  { id: 'ambiguous', title: 'Ambiguous subset' },
  { id: 'training', title: 'Training curves' },
  { id: 'confusion', title: 'Confusion' },
  { id: 'errors', title: 'Errors' },
  { id: 'image-effect', title: 'Image helped / hurt' },
  { id: 'alignment', title: 'Alignment' },
  { id: 'attention', title: 'Attention maps' },
  { id: 'misaligned', title: 'Misaligned pairs' },
] as const);
export type ReportSectionId = (typeof REPORT_SECTIONS)[number]['id'];

/** The analyses the report draws; any may be absent (its section then says why). */
export type ReportAnalyses = Partial<RunAnalyses>;

/** A chart of the report: written to `charts/<id>.svg` and `.png`; `id` must be a safe file name. */
export interface ReportChart {
  id: string;
  section: ReportSectionId;
  title: string;
  spec: ChartSpec;
}

/** How much of each list the page shows (the rest is counted, not dropped silently). */
export interface ReportLimits {
  /** Rows of the error table (default 200). */
  errors: number;
  /** Error sentences shown with their image (default 12). */
  errorSentences: number;
  /** Sentences per side of image helped / hurt (default 8). */
  effects: number;
  /** Sentences with attention maps (default 3). */
  attention: number;
  /** Token panels per attention map (default 8). */
  attentionTokens: number;
  /** Rows of the misaligned-pairs table (default 30). */
  misaligned: number;
  /** Sentence–image pairs in each alignment scatter (default 2000). */
  scatterPairs: number;
}

export const DEFAULT_REPORT_LIMITS: Readonly<ReportLimits> = Object.freeze({
  errors: 200,
  errorSentences: 12,
  effects: 8,
  attention: 3,
  attentionTokens: 8,
  misaligned: 30,
  scatterPairs: 2000,
});

export interface ReportModel {
  /** Shown as the page title; any text (it is escaped), not used in file names. */
  runName: string;
  /** The (multimodal) run's evaluation. */
  eval: EvalReport;
  /** A text-only run on the same split, to compare with. */
  compare?: { name: string; eval: EvalReport };
  events?: readonly TrainEvent[];
  analyses?: ReportAnalyses;
  /**
   * Image per sentence id: a base64 image data URI (embedded as is) or a file path, which the
   * writer turns into a thumbnail under `images/` (relative paths resolve against its `imageRoot`).
   */
  images?: Readonly<Record<string, string>>;
  /** The charts; built from the data above by `reportCharts` when absent. */
  charts?: readonly ReportChart[];
  limits?: Partial<ReportLimits>;
  /** Shown in the footer (e.g. an ISO time); left out, the page is byte-reproducible. */
  generatedAt?: string;
}

/** A file the page refers to, with what the writer needs to produce it. */
export interface ChartAsset {
  id: string;
  title: string;
  spec: ChartSpec;
  /** `charts/<id>.svg` (shown in the page) and `charts/<id>.png` (linked). */
  svg: string;
  png: string;
}

export interface ImageAsset {
  /** The first sentence that uses the image (others with the same source share the file). */
  sentenceId: string;
  /** The model's file path for the image. */
  source: string;
  /** `images/<n>.png`. */
  file: string;
}

export interface HeatmapAsset {
  /** `attention/<view>-<token>.png`. */
  file: string;
  sentenceId: string;
  branch: string;
  token: number;
  /** The image under the heatmap (data URI or file path), absent when the sentence has none. */
  image?: string;
  weights: readonly number[];
  grid: readonly [number, number];
}

export interface ReportAssets {
  charts: ChartAsset[];
  images: ImageAsset[];
  heatmaps: HeatmapAsset[];
}

export interface BuiltReport {
  /** index.html, complete. */
  html: string;
  assets: ReportAssets;
}
