/**
 * Error classes per language (missed, spurious, wrong type, wrong boundary, both) as grouped
 * bars, from the error analysis' counts. The `all` row is drawn only when it is the only one, so
 * it does not flatten the per-language bars.
 */
import { ERROR_CLASSES, type ErrorCounts } from '../../core/run/analysis.js';
import { ALL, orderLanguages } from '../palette.js';
import { type ChartSpec, chartFrame, languageColorEncoding } from './common.js';

export function errorCountsChart(counts: ErrorCounts, title = 'Errors per class and language'): ChartSpec {
  const all = orderLanguages(Object.keys(counts));
  const langs = all.length > 1 ? all.filter((l) => l !== ALL) : all;
  const values = langs.flatMap((lang) =>
    ERROR_CLASSES.map((cls) => ({ lang, class: cls, count: counts[lang]?.[cls] ?? 0 })),
  );
  const total = ERROR_CLASSES.reduce((sum, cls) => sum + (counts[ALL]?.[cls] ?? 0), 0);
  return {
    ...chartFrame(title, counts[ALL] ? `${total} entity errors over all languages` : 'entity errors'),
    data: { values },
    width: { step: 12, for: 'offset' },
    height: 200,
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: {
        field: 'class',
        type: 'nominal',
        title: 'Error class',
        sort: [...ERROR_CLASSES],
        // `wrong-type-boundary` on three lines keeps the labels apart without slanting them.
        axis: { labelAngle: 0, labelExpr: "split(datum.label, '-')" },
      },
      xOffset: { field: 'lang', type: 'nominal', sort: langs },
      y: { field: 'count', type: 'quantitative', title: 'Errors (entities)' },
      color: languageColorEncoding(langs),
      tooltip: [
        { field: 'lang', title: 'Language' },
        { field: 'class', title: 'Class' },
        { field: 'count', title: 'Errors' },
      ],
    },
  };
}
