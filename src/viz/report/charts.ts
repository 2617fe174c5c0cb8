/**
 * The report's default charts, built from whatever the model holds: a chart whose input is
 * missing is left out (its section says why instead). Ids are fixed names plus a branch index,
 * never dataset text, since they become file names.
 */
import { alignmentScatterChart, cosineHistogramChart, retrievalChart } from '../charts/alignment.js';
import { compareLanguagesChart, compareSubsetsChart } from '../charts/compare.js';
import { confusionChart } from '../charts/confusion.js';
import { errorCountsChart } from '../charts/errorCounts.js';
import { languageScoresChart, typeLanguageHeatmap } from '../charts/languageScores.js';
import { trainingCurvesChart } from '../charts/trainingCurves.js';
import { DEFAULT_REPORT_LIMITS, type ReportChart, type ReportModel } from './model.js';

export function reportCharts(model: ReportModel): ReportChart[] {
  const limits = { ...DEFAULT_REPORT_LIMITS, ...model.limits };
  const a = model.analyses ?? {};
  const names = { multiName: 'multimodal', textName: model.compare?.name ?? 'text-only' };
  const text = model.compare?.eval;
  const charts: ReportChart[] = [
    {
      id: 'language-scores',
      section: 'languages',
      title: 'P/R/F1 per language',
      spec: languageScoresChart(model.eval),
    },
    {
      id: 'type-language-f1',
      section: 'languages',
      title: 'F1 per type and language',
      spec: typeLanguageHeatmap(model.eval),
    },
  ];
  if (text) {
    charts.push({
      id: 'compare-languages',
      section: 'compare',
      title: 'F1 per language, both runs',
      spec: compareLanguagesChart(model.eval, text, names),
    });
  }
  charts.push({
    id: 'compare-subsets',
    section: 'ambiguous',
    title: 'F1 per subset',
    spec: compareSubsetsChart(model.eval, text, names),
  });
  if (model.events?.some((e) => e.type === 'step' || e.type === 'eval')) {
    charts.push({
      id: 'training-curves',
      section: 'training',
      title: 'Training curves',
      spec: trainingCurvesChart(model.events),
    });
  }
  if (a.confusion) {
    charts.push({
      id: 'confusion',
      section: 'confusion',
      title: 'Confusion matrix',
      spec: confusionChart(a.confusion),
    });
  }
  if (a.errorCounts) {
    charts.push({
      id: 'error-counts',
      section: 'errors',
      title: 'Errors per class',
      spec: errorCountsChart(a.errorCounts),
    });
  }
  for (const [i, summary] of (a.alignment ?? []).entries()) {
    charts.push(
      {
        id: `alignment-scatter-${i}`,
        section: 'alignment',
        title: `Embedding projection (${summary.branch})`,
        spec: alignmentScatterChart(summary, { maxPairs: limits.scatterPairs }),
      },
      {
        id: `cosine-${i}`,
        section: 'alignment',
        title: `Cosine histogram (${summary.branch})`,
        spec: cosineHistogramChart(summary),
      },
      {
        id: `retrieval-${i}`,
        section: 'alignment',
        title: `Retrieval (${summary.branch})`,
        spec: retrievalChart(summary),
      },
    );
  }
  return charts;
}
