/**
 * Plain-text tables the CLI prints from evaluation reports: one row per language plus `all`,
 * conlleval P/R/F1 and strict F1, and one column per named subset (e.g. F1 on `ambiguous`).
 */
import type { EvalReport } from '../eval/evaluate.js';

export function formatTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n') + '\n';
}

export function formatLanguageTable(report: EvalReport): string {
  const { conlleval, strict, subsets } = report.metrics;
  const subsetNames = Object.keys(subsets);
  const count = (lang: string) => report.sentences.filter((s) => lang === 'all' || s.lang === lang).length;
  const langs = Object.keys(conlleval.byLanguage);
  const rows = [...langs, 'all'].map((lang) => {
    const c = lang === 'all' ? conlleval.overall : conlleval.byLanguage[lang]!;
    const s = lang === 'all' ? strict.overall : strict.byLanguage[lang]!;
    return [
      lang,
      String(count(lang)),
      c.overall.precision.toFixed(2),
      c.overall.recall.toFixed(2),
      c.overall.f1.toFixed(2),
      s.overall.f1.toFixed(2),
      ...subsetNames.map((n) => (lang === 'all' ? subsets[n]!.f1.toFixed(2) : '')),
    ];
  });
  return `${report.split} (conlleval; strict = IOB2 strict)\n${formatTable(
    ['lang', 'sentences', 'P', 'R', 'F1', 'strict F1', ...subsetNames.map((n) => `F1 ${n}`)],
    rows,
  )}`;
}
