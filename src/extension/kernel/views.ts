/**
 * `mmner.view.*`: a run's evaluated split as notebook outputs. Each view is our MIME payload (the
 * renderer draws it interactively) plus a fallback that reads anywhere: a PNG for charts, HTML
 * for tables and sentences. Views are built lazily: a cell's value, or `display(view)`.
 */
import { entityErrors } from '../../core/metrics/errors.js';
import type { OutputItem } from '../../core/protocol/kernel.js';
import {
  type AlignmentPayload,
  type AttentionPayload,
  type ChartPayload,
  type ErrorsPayload,
  type MetricsPayload,
  MIME,
  type MisalignedPayload,
  type SentencesPayload,
} from '../../core/protocol/mime.js';
import type { EvalReport } from '../../core/run/evalFile.js';
import { alignmentSummary, attentionView, misalignedPairs } from '../../eval/alignment.js';
import { attentionCandidates } from '../../eval/analyze.js';
import { alignmentScatterChart } from '../../viz/charts/alignment.js';
import type { ChartSpec } from '../../viz/charts/common.js';
import { languageScoresChart } from '../../viz/charts/languageScores.js';
import { attentionViewer } from '../../viz/html/attentionViewer.js';
import { errorTable, sentencesById } from '../../viz/html/errorTable.js';
import type { SafeHtml } from '../../viz/html/escape.js';
import { metricsTable, subsetsTable } from '../../viz/html/metricsTable.js';
import { misalignedTable } from '../../viz/html/misalignedTable.js';
import { sentenceViewer } from '../../viz/html/sentenceViewer.js';
import { VIEW_CSS } from '../../viz/html/styles.js';
import { renderChartSvg, svgToPng } from '../../viz/report/render.node.js';
import { jsonItem, makeView, pngItem, type View } from './output.js';
import { needInspect, type RunRef, readSplit, runPath, sentenceImages } from './runFiles.js';

export interface SplitOption {
  /** The evaluated split (default `test`). */
  split?: string;
}

export interface BranchOption extends SplitOption {
  /** The image branch (default the run's first). */
  branch?: string;
}

function htmlItem(...parts: SafeHtml[]): OutputItem {
  return { mime: 'text/html', data: `<style>${VIEW_CSS}</style>${parts.join('')}` };
}

async function chartItems(payload: ChartPayload): Promise<OutputItem[]> {
  const png = await svgToPng(await renderChartSvg(payload.spec as unknown as ChartSpec));
  return [jsonItem(MIME.chart, payload), pngItem(png)];
}

function label(name: string, ref: RunRef, split: string): string {
  return `${name}(${runPath(ref)}, ${split})`;
}

/** Rows per language and `all`, conlleval P/R/F1 beside strict F1. */
export function metricsPayload(report: EvalReport): MetricsPayload {
  const { conlleval, strict, subsets } = report.metrics;
  const count = (lang?: string) => report.sentences.filter((s) => !lang || s.lang === lang).length;
  const row = (
    lang: string,
    c: (typeof conlleval)['overall'],
    s: (typeof strict)['overall'] | undefined,
  ) => ({
    lang,
    sentences: count(lang === 'all' ? undefined : lang),
    precision: c.overall.precision,
    recall: c.overall.recall,
    f1: c.overall.f1,
    strictF1: s?.overall.f1 ?? Number.NaN,
  });
  const rows = Object.entries(conlleval.byLanguage).map(([lang, c]) => row(lang, c, strict.byLanguage[lang]));
  rows.push(row('all', conlleval.overall, strict.overall));
  return {
    split: report.split,
    rows,
    subsets: Object.fromEntries(Object.entries(subsets).map(([name, s]) => [name, s.f1])),
  };
}

export function metricsView(ref: RunRef, { split = 'test' }: SplitOption = {}): View {
  return makeView(label('metrics', ref, split), async () => {
    const { report } = await readSplit(ref, split);
    return [
      jsonItem(MIME.metrics, metricsPayload(report)),
      htmlItem(metricsTable(report), subsetsTable(report)),
    ];
  });
}

export function languageScoresView(ref: RunRef, { split = 'test' }: SplitOption = {}): View {
  return makeView(label('languageScores', ref, split), async () => {
    const { report } = await readSplit(ref, split);
    const spec = languageScoresChart(report);
    return chartItems({
      spec: spec as unknown as Record<string, unknown>,
      title: `Scores per language (${split})`,
    });
  });
}

/** Sentences with a sample of their images for the hover card (the first `cards`). */
export function alignmentView(ref: RunRef, { split = 'test', branch }: BranchOption = {}, cards = 200): View {
  return makeView(label('alignment', ref, split), async () => {
    const files = await readSplit(ref, split);
    const data = needInspect(files, 'the alignment view');
    const summary = alignmentSummary(data, files.report, branch ?? data.branches[0]!);
    const shown = files.report.sentences.slice(0, cards);
    const images = await sentenceImages(
      files,
      shown.map((s) => s.id),
    );
    const payload: AlignmentPayload = {
      branch: summary.branch,
      method: summary.projection.method,
      points: summary.projection.points,
      sentences: Object.fromEntries(
        shown.map((s) => [s.id, { tokens: s.tokens, ...(images[s.id] ? { imageUri: images[s.id] } : {}) }]),
      ),
    };
    const png = await svgToPng(await renderChartSvg(alignmentScatterChart(summary)));
    return [jsonItem(MIME.alignment, payload), pngItem(png)];
  });
}

export function attentionViewOf(
  ref: RunRef,
  sentenceId?: string,
  { split = 'test', branch }: BranchOption = {},
): View {
  return makeView(label('attention', ref, split), async () => {
    const files = await readSplit(ref, split);
    const data = needInspect(files, 'the attention view');
    const id = sentenceId ?? attentionCandidates(files.report)[0] ?? files.report.sentences[0]!.id;
    const view = attentionView(data, files.report, id, branch ?? data.branches[0]!);
    const image = (await sentenceImages(files, [id]))[id];
    const payload: AttentionPayload = { view, ...(image ? { image } : {}) };
    return [jsonItem(MIME.attention, payload), htmlItem(attentionViewer(view, image ? { image } : {}))];
  });
}

function tokensOf(report: EvalReport, ids: Iterable<string>): Record<string, string[]> {
  const byId = sentencesById(report.sentences);
  return Object.fromEntries(
    [...new Set(ids)].flatMap((id) => (byId.has(id) ? [[id, byId.get(id)!.tokens]] : [])),
  );
}

export function errorsView(
  ref: RunRef,
  { split = 'test', limit = 50 }: SplitOption & { limit?: number } = {},
): View {
  return makeView(label('errors', ref, split), async () => {
    const { report } = await readSplit(ref, split);
    const errors = entityErrors(report);
    const payload: ErrorsPayload = {
      errors,
      tokens: tokensOf(
        report,
        errors.map((e) => e.sentenceId),
      ),
    };
    return [
      jsonItem(MIME.errors, payload),
      htmlItem(errorTable(errors, sentencesById(report.sentences), { limit })),
    ];
  });
}

export interface MisalignedOptions extends SplitOption {
  /** A text-only run on the same split: says whether the image changed each prediction. */
  compare?: RunRef;
  /** Pairs per image branch (default 30). */
  count?: number;
}

export function misalignedView(ref: RunRef, options: MisalignedOptions = {}): View {
  const split = options.split ?? 'test';
  return makeView(label('misaligned', ref, split), async () => {
    const files = await readSplit(ref, split);
    const data = needInspect(files, 'the misaligned-pairs view');
    const textOnly = options.compare ? (await readSplit(options.compare, split)).report : undefined;
    const pairs = misalignedPairs(data, files.report, options.count ?? 30, textOnly);
    const ids = pairs.map((p) => p.sentenceId);
    const images = await sentenceImages(files, ids);
    const payload: MisalignedPayload = { pairs, tokens: tokensOf(files.report, ids), images };
    const table = misalignedTable(pairs, sentencesById(files.report.sentences), { images });
    return [jsonItem(MIME.misaligned, payload), htmlItem(table)];
  });
}

/** The given sentences (default the first 10) with gold and predicted spans and their images. */
export function sentencesView(
  ref: RunRef,
  ids?: readonly string[],
  { split = 'test' }: SplitOption = {},
): View {
  return makeView(label('sentences', ref, split), async () => {
    const files = await readSplit(ref, split);
    const byId = sentencesById(files.report.sentences);
    const chosen = ids
      ? ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []))
      : files.report.sentences.slice(0, 10);
    const images = await sentenceImages(
      files,
      chosen.map((s) => s.id),
    );
    const payload: SentencesPayload = {
      sentences: chosen.map((s) => ({ ...s, ...(images[s.id] ? { imageUri: images[s.id] } : {}) })),
    };
    const viewers = chosen.map((s) => sentenceViewer(s, images[s.id] ? { image: images[s.id]! } : {}));
    return [jsonItem(MIME.sentences, payload), htmlItem(...viewers)];
  });
}
