/**
 * How well sentences and images line up in the shared contrastive space, for one image branch:
 * the 2-D projection with a line from each sentence to its image, the cosine of matched pairs
 * against shuffled ones, and retrieval recall at 1/5/10 per language. These are the views that
 * make "sentence-level alignment interferes" visible.
 */
import type { AlignmentSummary } from '../../core/run/analysis.js';
import { ALL, orderLanguages } from '../palette.js';
import { type ChartSpec, chartFrame, languageColorEncoding, percentAxis, round2 } from './common.js';

export interface ScatterOptions {
  title?: string;
  /** Most sentence–image pairs drawn, spread evenly over the input (default 2000; 0 = all). */
  maxPairs?: number;
}

const METHOD_LABEL = { pca: 'PC', umap: 'UMAP' } as const;

/** The ids kept when at most `max` pairs are drawn: every k-th id in first-seen order. */
function keptIds(ids: readonly string[], max: number): Set<string> {
  const unique = [...new Set(ids)];
  if (max <= 0 || unique.length <= max) return new Set(unique);
  const stride = unique.length / max;
  return new Set(Array.from({ length: max }, (_, i) => unique[Math.floor(i * stride)]!));
}

/**
 * Sentence (●) and image (■) points coloured by language, each pair joined by a line (a `line`
 * layer with one `detail` group per sentence id).
 */
export function alignmentScatterChart(summary: AlignmentSummary, options: ScatterOptions = {}): ChartSpec {
  const { method, points } = summary.projection;
  const kept = keptIds(
    points.map((p) => p.id),
    options.maxPairs ?? 2000,
  );
  const values = points
    .filter((p) => kept.has(p.id))
    .map((p) => ({ id: p.id, lang: p.lang, kind: p.kind, x: p.x, y: p.y }));
  const total = new Set(points.map((p) => p.id)).size;
  const langs = orderLanguages(values.map((v) => v.lang));
  const axis = METHOD_LABEL[method] ?? method;
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    title: `${axis} 1 (projection units)`,
    scale: { zero: false },
  };
  const y = {
    field: 'y',
    type: 'quantitative' as const,
    title: `${axis} 2 (projection units)`,
    scale: { zero: false },
  };
  return {
    ...chartFrame(
      options.title ?? `Sentence ↔ image embeddings, ${summary.branch} branch (${method.toUpperCase()})`,
      [
        'each line joins a sentence (●) to its image (■); long lines = loosely aligned pairs',
        kept.size < total ? `${kept.size} of ${total} pairs drawn` : `${total} pairs`,
      ],
    ),
    data: { values },
    width: 460,
    height: 360,
    layer: [
      {
        // strokeOpacity, not opacity: the shared legend would take the faint opacity for its swatches.
        mark: { type: 'line', strokeWidth: 0.8, strokeOpacity: 0.35 },
        encoding: { x, y, detail: { field: 'id', type: 'nominal' }, color: languageColorEncoding(langs) },
      },
      {
        mark: { type: 'point', filled: true, size: 22, opacity: 0.85, tooltip: true },
        encoding: {
          x,
          y,
          color: languageColorEncoding(langs),
          shape: {
            field: 'kind',
            type: 'nominal',
            title: 'Point',
            scale: { domain: ['text', 'image'], range: ['circle', 'square'] },
          },
          tooltip: [
            { field: 'id', title: 'Sentence' },
            { field: 'lang', title: 'Language' },
            { field: 'kind', title: 'Kind' },
          ],
        },
      },
    ],
  };
}

export interface HistogramOptions {
  title?: string;
  /** Bin width on the cosine axis (default 0.05). */
  binWidth?: number;
}

/** Counts of `values` in bins of `width` over [-1, 1] (values outside are clamped in). */
export function binCosines(
  values: readonly number[],
  width: number,
): { lo: number; hi: number; count: number }[] {
  const n = Math.round(2 / width);
  const counts = new Array<number>(n).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = Math.min(n - 1, Math.max(0, Math.floor((v + 1) / width)));
    counts[i]!++;
  }
  return counts.map((count, i) => ({ lo: round2(-1 + i * width), hi: round2(-1 + (i + 1) * width), count }));
}

function mean(xs: readonly number[]): number {
  return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** Histograms of matched-pair and shuffled-pair cosine similarity, overlaid. */
export function cosineHistogramChart(summary: AlignmentSummary, options: HistogramOptions = {}): ChartSpec {
  const width = options.binWidth ?? 0.05;
  const sets = [
    ['matched', summary.cosine.matched],
    ['shuffled', summary.cosine.shuffled],
  ] as const;
  const values = sets.flatMap(([set, xs]) =>
    binCosines(xs, width)
      .filter((b) => b.count > 0)
      .map((b) => ({ set, ...b })),
  );
  const fmt = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(2));
  return {
    ...chartFrame(
      options.title ?? `Cosine similarity of sentence–image pairs, ${summary.branch} branch`,
      `mean matched ${fmt(mean(summary.cosine.matched))}, shuffled ${fmt(mean(summary.cosine.shuffled))}; bins of ${width}`,
    ),
    data: { values },
    width: 460,
    height: 200,
    mark: { type: 'bar', opacity: 0.6, binSpacing: 0, tooltip: true },
    encoding: {
      x: {
        field: 'lo',
        type: 'quantitative',
        bin: { binned: true, step: width },
        title: 'Cosine similarity',
        scale: { domain: [-1, 1] },
        axis: { values: [-1, -0.5, 0, 0.5, 1], format: '.1f' },
      },
      x2: { field: 'hi' },
      y: { field: 'count', type: 'quantitative', title: 'Pairs', stack: null },
      color: {
        field: 'set',
        type: 'nominal',
        title: 'Pairs',
        scale: { domain: ['matched', 'shuffled'], range: ['#2b6cb0', '#b0b0b0'] },
      },
      tooltip: [
        { field: 'set', title: 'Pairs' },
        { field: 'lo', title: 'From' },
        { field: 'hi', title: 'To' },
        { field: 'count', title: 'Count' },
      ],
    },
  };
}

const DIRECTIONS = [
  ['textToImage', 'sentence → image'],
  ['imageToText', 'image → sentence'],
] as const;
const RANKS = [
  ['r1', 'R@1'],
  ['r5', 'R@5'],
  ['r10', 'R@10'],
] as const;

/** Retrieval recall at 1, 5 and 10 (in %) per language, one panel per direction. */
export function retrievalChart(summary: AlignmentSummary, title?: string): ChartSpec {
  const langs = orderLanguages(Object.keys(summary.retrieval));
  const values = langs.flatMap((lang) => {
    const r = summary.retrieval[lang]!;
    return DIRECTIONS.flatMap(([key, direction]) =>
      RANKS.map(([rank, label]) => ({
        lang,
        direction,
        rank: label,
        value: round2(r[key][rank]),
        pairs: r.pairs,
      })),
    );
  });
  return {
    ...chartFrame(
      title ?? `Retrieval recall per language, ${summary.branch} branch`,
      `among the pairs of each language${langs.includes(ALL) ? ' ("all": among every pair)' : ''}`,
    ),
    data: { values },
    width: { step: 12, for: 'offset' },
    height: 180,
    mark: { type: 'bar', tooltip: true },
    encoding: {
      column: {
        field: 'direction',
        type: 'nominal',
        title: null,
        sort: DIRECTIONS.map(([, d]) => d),
      },
      x: {
        field: 'rank',
        type: 'nominal',
        title: null,
        sort: RANKS.map(([, r]) => r),
        axis: { labelAngle: 0 },
      },
      xOffset: { field: 'lang', type: 'nominal', sort: langs },
      y: percentAxis('value', 'Recall (%)'),
      color: languageColorEncoding(langs),
      tooltip: [
        { field: 'lang', title: 'Language' },
        { field: 'direction', title: 'Direction' },
        { field: 'rank', title: 'Rank' },
        { field: 'value', title: 'Recall (%)', format: '.2f' },
        { field: 'pairs', title: 'Pairs' },
      ],
    },
  };
}
