/**
 * Score tables: per language (with `all`) counts, precision, recall and F1 in conlleval mode, the
 * strict F1 beside them, and, when a text-only run is given, its F1 and the difference; and the
 * per-subset table (e.g. `ambiguous`). Number cells carry `data-value` so a table can be sorted.
 */
import type { EvalReport } from '../../core/run/evalFile.js';
import { ALL, languageColor, orderLanguages } from '../palette.js';
import { html, type SafeHtml } from './escape.js';

export interface MetricsTableOptions {
  /** A second run (text-only) to compare with. */
  compare?: EvalReport;
  compareName?: string;
  /** Table caption. */
  caption?: string;
}

/** A right-aligned number cell with its exact value for sorting. */
export function numberCell(value: number | undefined, digits = 2): SafeHtml {
  if (value === undefined || Number.isNaN(value)) return html`<td class="mm-num" data-value="">–</td>`;
  return html`<td class="mm-num" data-value="${value}">${value.toFixed(digits)}</td>`;
}

/** A signed difference cell, coloured by sign. */
export function deltaCell(delta: number | undefined): SafeHtml {
  if (delta === undefined) return html`<td class="mm-num" data-value="">–</td>`;
  const cls = delta > 0 ? 'mm-up' : delta < 0 ? 'mm-down' : '';
  return html`<td class="mm-num ${cls}" data-value="${delta}">${delta > 0 ? '+' : delta < 0 ? '−' : '±'}${Math.abs(delta).toFixed(2)}</td>`;
}

export function languageCell(lang: string): SafeHtml {
  return html`<td><span class="mm-swatch" style="background:${languageColor(lang)}"></span><bdi>${lang}</bdi></td>`;
}

function sortable(label: string, kind: 'text' | 'number' = 'number'): SafeHtml {
  return html`<th scope="col" data-sort="${kind}">${label}</th>`;
}

export function metricsTable(report: EvalReport, options: MetricsTableOptions = {}): SafeHtml {
  const { conlleval, strict } = report.metrics;
  const other = options.compare?.metrics.conlleval;
  const langs = orderLanguages([...Object.keys(conlleval.byLanguage), ALL]);
  const sentences = new Map<string, number>();
  for (const s of report.sentences) sentences.set(s.lang, (sentences.get(s.lang) ?? 0) + 1);
  sentences.set(ALL, report.sentences.length);
  const rows = langs.map((lang) => {
    const c = lang === ALL ? conlleval.overall : conlleval.byLanguage[lang]!;
    const st = lang === ALL ? strict.overall : strict.byLanguage[lang];
    const o = other && (lang === ALL ? other.overall : other.byLanguage[lang]);
    return html`<tr data-lang="${lang}"${lang === ALL ? html` class="mm-total"` : ''}>${languageCell(lang)}${numberCell(sentences.get(lang) ?? 0, 0)}${numberCell(c.counts.foundGold, 0)}${numberCell(c.counts.foundPred, 0)}${numberCell(c.counts.correct, 0)}${numberCell(c.overall.precision)}${numberCell(c.overall.recall)}${numberCell(c.overall.f1)}${numberCell(st?.overall.f1)}${
      options.compare
        ? [numberCell(o?.overall.f1), deltaCell(o ? c.overall.f1 - o.overall.f1 : undefined)]
        : ''
    }</tr>`;
  });
  const name = options.compareName ?? 'text-only';
  return html`<table class="mm-table mm-metrics" data-sortable>
<caption>${options.caption ?? `Scores on ${report.split} (conlleval; rates in %)`}</caption>
<thead><tr>${sortable('Language', 'text')}${sortable('Sentences')}${sortable('Gold entities')}${sortable('Predicted')}${sortable('Correct')}${sortable('Precision %')}${sortable('Recall %')}${sortable('F1 %')}${sortable('Strict F1 %')}${
    options.compare ? [sortable(`${name} F1 %`), sortable('Δ F1')] : ''
  }</tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

/** F1 per subset (all languages) and on the whole split, with the compared run when given. */
export function subsetsTable(report: EvalReport, options: MetricsTableOptions = {}): SafeHtml {
  const other = options.compare?.metrics.subsets;
  const names = Object.keys(report.metrics.subsets).sort();
  const whole = report.metrics.conlleval.overall.overall;
  const otherWhole = options.compare?.metrics.conlleval.overall.overall;
  const row = (
    label: SafeHtml,
    s: { sentences: number; precision: number; recall: number; f1: number },
    o?: { f1: number },
  ) =>
    html`<tr><td>${label}</td>${numberCell(s.sentences, 0)}${numberCell(s.precision)}${numberCell(s.recall)}${numberCell(s.f1)}${
      options.compare ? [numberCell(o?.f1), deltaCell(o ? s.f1 - o.f1 : undefined)] : ''
    }</tr>`;
  const name = options.compareName ?? 'text-only';
  return html`<table class="mm-table mm-subsets" data-sortable>
<caption>${options.caption ?? `Subsets of ${report.split} (conlleval, all languages; rates in %)`}</caption>
<thead><tr>${sortable('Subset', 'text')}${sortable('Sentences')}${sortable('Precision %')}${sortable('Recall %')}${sortable('F1 %')}${
    options.compare ? [sortable(`${name} F1 %`), sortable('Δ F1')] : ''
  }</tr></thead>
<tbody>${names.map((n) => row(html`<bdi>${n}</bdi>`, report.metrics.subsets[n]!, other?.[n]))}${row(
    html`<em>whole split</em>`,
    { sentences: report.sentences.length, ...whole },
    otherWhole,
  )}</tbody>
</table>`;
}
