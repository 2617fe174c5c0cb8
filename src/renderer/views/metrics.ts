/**
 * Scores per language (`MetricsPayload`) as a sortable table. viz's `metricsTable` needs a whole
 * eval report; the payload carries only the rates, so this adapter builds the same table (same
 * cells and classes) from the rows, plus the subsets table when there are subsets.
 */
import { html } from '../../viz/html/escape.js';
import { languageCell, numberCell } from '../../viz/html/metricsTable.js';
import { ALL, orderLanguages } from '../../viz/palette.js';
import { setMarkup } from '../dom.js';
import { metricsPayload } from '../payload.js';
import { makeSortable } from '../tables.js';
import type { View } from './view.js';

const header = (label: string, kind: 'text' | 'number' = 'number') =>
  html`<th scope="col" data-sort="${kind}">${label}</th>`;

export const renderMetrics: View = (value, element, context) => {
  const payload = metricsPayload(value);
  const order = orderLanguages(payload.rows.map((r) => r.lang));
  const rows = [...payload.rows].sort((a, b) => order.indexOf(a.lang) - order.indexOf(b.lang));
  const subsets = Object.entries(payload.subsets ?? {}).sort(([a], [b]) => a.localeCompare(b));
  setMarkup(
    element,
    html`<table class="mm-table mm-metrics" data-sortable>
<caption>Scores on <bdi>${payload.split}</bdi> (conlleval; rates in %)</caption>
<thead><tr>${header('Language', 'text')}${header('Sentences')}${header('Precision %')}${header('Recall %')}${header('F1 %')}${header('Strict F1 %')}</tr></thead>
<tbody>${rows.map(
      (r) =>
        html`<tr data-lang="${r.lang}"${r.lang === ALL ? html` class="mm-total"` : ''}>${languageCell(r.lang)}${numberCell(r.sentences, 0)}${numberCell(r.precision)}${numberCell(r.recall)}${numberCell(r.f1)}${numberCell(r.strictF1)}</tr>`,
    )}</tbody>
</table>${
      subsets.length > 0
        ? html`<table class="mm-table mm-subsets" data-sortable>
<caption>F1 per subset (%)</caption>
<thead><tr>${header('Subset', 'text')}${header('F1 %')}</tr></thead>
<tbody>${subsets.map(([name, f1]) => html`<tr><td><bdi>${name}</bdi></td>${numberCell(f1)}</tr>`)}</tbody>
</table>`
        : ''
    }`,
  );
  for (const table of Array.from(element.querySelectorAll('table'))) makeSortable(table, context.signal);
};
