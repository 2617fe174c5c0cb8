/**
 * The entity confusion matrix as a heatmap: gold type per row, predicted type per column, with the
 * `O` row (spurious predictions) and `O` column (missed entities). Cells are shaded by their share
 * of the gold row, so a rare type's confusions are as visible as a common one's; the count is
 * written in the cell.
 */
import type { ConfusionMatrix } from '../../core/run/analysis.js';
import { type ChartSpec, chartFrame, round2 } from './common.js';

/** The label that stands for "no entity" on either side. */
export const NO_ENTITY = 'O';

export function confusionChart(matrix: ConfusionMatrix, title = 'Entity confusion matrix'): ChartSpec {
  const values: { gold: string; pred: string; count: number; share: number }[] = [];
  for (const [i, gold] of matrix.labels.entries()) {
    const row = matrix.counts[i] ?? [];
    const total = row.reduce((a, b) => a + b, 0);
    for (const [j, pred] of matrix.labels.entries()) {
      if (gold === NO_ENTITY && pred === NO_ENTITY) continue; // not counted: no entity on either side
      const count = row[j] ?? 0;
      values.push({ gold, pred, count, share: total > 0 ? round2((100 * count) / total) : 0 });
    }
  }
  const labels = [...matrix.labels];
  const encoding = {
    x: {
      field: 'pred',
      type: 'nominal' as const,
      title: 'Predicted type (O = gold entity missed)',
      sort: labels,
      axis: { labelAngle: 0, orient: 'top' as const },
    },
    y: {
      field: 'gold',
      type: 'nominal' as const,
      title: 'Gold type (O = spurious prediction)',
      sort: labels,
    },
  };
  return {
    ...chartFrame(title, 'cell: entities; shade: share of the gold row (%)'),
    data: { values },
    width: { step: 52 },
    height: { step: 34 },
    layer: [
      {
        mark: { type: 'rect', tooltip: true },
        encoding: {
          ...encoding,
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'Row share (%)',
            scale: { domain: [0, 100], scheme: 'oranges' },
            legend: { gradientLength: Math.max(60, 34 * labels.length - 20) },
          },
          tooltip: [
            { field: 'gold', title: 'Gold' },
            { field: 'pred', title: 'Predicted' },
            { field: 'count', title: 'Entities' },
            { field: 'share', title: 'Share of row (%)', format: '.1f' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          ...encoding,
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.share > 55', value: 'white' }, value: '#222222' },
        },
      },
    ],
  };
}
