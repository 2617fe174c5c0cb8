/**
 * Scores per language: precision, recall and F1 as grouped bars (one bar per language, coloured
 * by language, plus `all`), and the type × language F1 heatmap. Both read an eval file's metrics.
 */

import type { ScoreMode, ScoreResult } from '../../core/metrics/result.js';
import type { EvalReport } from '../../core/run/evalFile.js';
import { ALL, orderLanguages } from '../palette.js';
import { type ChartSpec, chartFrame, languageColorEncoding, percentAxis, round2 } from './common.js';

export interface ScoreChartOptions {
  /** Which scores to draw (default `conlleval`, the report's main numbers). */
  mode?: ScoreMode;
  /** Title (default names the split). */
  title?: string;
}

const MODE_LABEL: Record<ScoreMode, string> = { conlleval: 'conlleval', strict: 'strict IOB2' };
const METRICS = [
  ['precision', 'Precision'],
  ['recall', 'Recall'],
  ['f1', 'F1'],
] as const;

/** Per-language results with `all` (the overall scores) last, in display order. */
export function scoresByLanguage(report: EvalReport, mode: ScoreMode): [string, ScoreResult][] {
  const m = report.metrics[mode];
  return orderLanguages([...Object.keys(m.byLanguage), ALL]).map((lang) => [
    lang,
    lang === ALL ? m.overall : m.byLanguage[lang]!,
  ]);
}

/** Grouped bars: P, R and F1 (in %) with one bar per language. */
export function languageScoresChart(report: EvalReport, options: ScoreChartOptions = {}): ChartSpec {
  const mode = options.mode ?? 'conlleval';
  const scores = scoresByLanguage(report, mode);
  const langs = scores.map(([lang]) => lang);
  const values = scores.flatMap(([lang, s]) =>
    METRICS.map(([key, metric]) => ({
      lang,
      metric,
      value: round2(s.overall[key]),
      goldEntities: s.counts.foundGold,
    })),
  );
  return {
    ...chartFrame(
      options.title ?? `Precision, recall and F1 per language (${report.split})`,
      `${MODE_LABEL[mode]} entity scores; "all" is over every language`,
    ),
    data: { values },
    width: { step: 14, for: 'offset' },
    height: 220,
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: {
        field: 'metric',
        type: 'nominal',
        title: null,
        sort: METRICS.map(([, label]) => label),
        axis: { labelAngle: 0, labelFontSize: 12 },
      },
      xOffset: { field: 'lang', type: 'nominal', sort: langs },
      y: percentAxis('value', 'Score (%)'),
      color: languageColorEncoding(langs),
      tooltip: [
        { field: 'lang', title: 'Language' },
        { field: 'metric', title: 'Metric' },
        { field: 'value', title: 'Score (%)', format: '.2f' },
        { field: 'goldEntities', title: 'Gold entities' },
      ],
    },
  };
}

/** F1 (in %) per entity type and language as a heatmap with the value in each cell. */
export function typeLanguageHeatmap(report: EvalReport, options: ScoreChartOptions = {}): ChartSpec {
  const mode = options.mode ?? 'conlleval';
  const scores = scoresByLanguage(report, mode);
  const langs = scores.map(([lang]) => lang);
  const values = scores.flatMap(([lang, s]) =>
    s.types.map((t) => ({
      lang,
      type: t.type,
      f1: round2(t.f1),
      goldEntities: t.foundGold,
      predicted: t.foundPred,
    })),
  );
  const types = [...new Set(values.map((v) => v.type))].sort();
  const encoding = {
    x: { field: 'lang', type: 'nominal', title: 'Language', sort: langs, axis: { labelAngle: 0 } },
    y: { field: 'type', type: 'nominal', title: 'Entity type', sort: types },
  } as const;
  return {
    ...chartFrame(
      options.title ?? `F1 per entity type and language (${report.split})`,
      `${MODE_LABEL[mode]} F1 in %; empty cells: no gold or predicted entity of that type`,
    ),
    data: { values },
    width: { step: 56 },
    height: { step: 30 },
    layer: [
      {
        mark: { type: 'rect', tooltip: true },
        encoding: {
          ...encoding,
          color: {
            field: 'f1',
            type: 'quantitative',
            title: 'F1 (%)',
            scale: { domain: [0, 100], scheme: 'blues' },
          },
          tooltip: [
            { field: 'lang', title: 'Language' },
            { field: 'type', title: 'Type' },
            { field: 'f1', title: 'F1 (%)', format: '.2f' },
            { field: 'goldEntities', title: 'Gold entities' },
            { field: 'predicted', title: 'Predicted entities' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          ...encoding,
          text: { field: 'f1', type: 'quantitative', format: '.1f' },
          color: { condition: { test: 'datum.f1 > 60', value: 'white' }, value: '#222222' },
        },
      },
    ],
  };
}
