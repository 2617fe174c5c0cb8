/**
 * Multimodal run vs text-only run: F1 side by side per language and per subset (e.g. `ambiguous`,
 * where the image should matter most), with the difference written above each pair. Bars keep
 * the language colour; the run is told apart by opacity (text-only pale, multimodal solid).
 */
import type { ScoreMode } from '../../core/metrics/result.js';
import type { EvalReport } from '../../core/run/evalFile.js';
import { ALL, ALL_COLOR, orderLanguages } from '../palette.js';
import { type ChartSpec, chartFrame, languageColorEncoding, round2 } from './common.js';

export interface CompareOptions {
  /** Names of the two runs in legends (default `multimodal`, `text-only`). */
  multiName?: string;
  textName?: string;
  mode?: ScoreMode;
  title?: string;
}

interface Bar {
  group: string;
  lang: string;
  run: string;
  f1: number;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;
}

/** Bars with run opacity and a Δ label per group (when both runs are there). */
function pairedBars(
  bars: Bar[],
  groups: string[],
  runs: string[],
  groupTitle: string,
  color: ReturnType<typeof languageColorEncoding> | { value: string },
  barWidth: number,
  /** Long group names (subsets) are broken into lines at spaces, then cut to the group's width. */
  wrapLabels = false,
) {
  const deltas = groups.flatMap((group) => {
    const [a, b] = runs.map((run) => bars.find((x) => x.group === group && x.run === run)?.f1);
    if (a === undefined || b === undefined) return [];
    return [{ group, top: Math.max(a, b), label: `Δ ${signed(a - b)}` }];
  });
  // One bar step per run plus a gap; labels are cut to the group's width so they never overlap.
  const groupWidth = Math.round((runs.length * barWidth) / 0.8);
  const x = {
    field: 'group',
    type: 'nominal' as const,
    title: groupTitle,
    sort: groups,
    scale: { paddingInner: 0.2, paddingOuter: 0.1 },
    axis: {
      labelAngle: 0,
      labelLimit: groupWidth - 4,
      ...(wrapLabels ? { labelExpr: "split(datum.label, ' ')" } : {}),
    },
  };
  const y = {
    type: 'quantitative' as const,
    title: 'F1 (%)',
    scale: { domain: [0, 105] },
    axis: { format: '.0f' },
  };
  return {
    width: groups.length * groupWidth,
    layer: [
      {
        data: { values: bars },
        mark: { type: 'bar' as const, tooltip: true },
        encoding: {
          x,
          xOffset: { field: 'run', type: 'nominal' as const, sort: runs, scale: { paddingInner: 0.08 } },
          y: { ...y, field: 'f1' },
          color,
          opacity: {
            field: 'run',
            type: 'nominal' as const,
            title: 'Run',
            sort: runs,
            scale: { domain: runs, range: runs.map((_, i) => (i === 0 ? 1 : 0.4)) },
          },
          tooltip: [
            { field: 'group', title: groupTitle },
            { field: 'run', title: 'Run' },
            { field: 'f1', title: 'F1 (%)', format: '.2f' },
          ],
        },
      },
      {
        data: { values: deltas },
        mark: { type: 'text' as const, dy: -8, fontSize: 11, color: '#222222' },
        encoding: { x, y: { ...y, field: 'top' }, text: { field: 'label', type: 'nominal' as const } },
      },
    ],
  };
}

/** F1 per language (and `all`) of the multimodal run beside the text-only run. */
export function compareLanguagesChart(
  multi: EvalReport,
  text: EvalReport | undefined,
  options: CompareOptions = {},
): ChartSpec {
  const mode = options.mode ?? 'conlleval';
  const runs = [options.multiName ?? 'multimodal', ...(text ? [options.textName ?? 'text-only'] : [])];
  const reports = text ? [multi, text] : [multi];
  const langs = orderLanguages([...reports.flatMap((r) => Object.keys(r.metrics[mode].byLanguage)), ALL]);
  const bars = reports.flatMap((r, i) =>
    langs.flatMap((lang) => {
      const s = lang === ALL ? r.metrics[mode].overall : r.metrics[mode].byLanguage[lang];
      return s ? [{ group: lang, lang, run: runs[i]!, f1: round2(s.overall.f1) }] : [];
    }),
  );
  return {
    ...chartFrame(
      options.title ?? `F1 per language: ${runs.join(' vs ')} (${multi.split})`,
      text ? 'Δ = first run − second run, in F1 points' : 'no second run to compare with',
    ),
    height: 220,
    ...pairedBars(bars, langs, runs, 'Language', languageColorEncoding(langs), 24),
  };
}

/** F1 on each subset (all languages) and on the whole split, for both runs. */
export function compareSubsetsChart(
  multi: EvalReport,
  text: EvalReport | undefined,
  options: CompareOptions = {},
): ChartSpec {
  const runs = [options.multiName ?? 'multimodal', ...(text ? [options.textName ?? 'text-only'] : [])];
  const reports = text ? [multi, text] : [multi];
  const whole = `whole ${multi.split}`;
  const subsets = [...new Set(reports.flatMap((r) => Object.keys(r.metrics.subsets)))].sort();
  const groups = [...subsets, whole];
  const bars = reports.flatMap((r, i) => [
    ...subsets.flatMap((name) => {
      const s = r.metrics.subsets[name];
      return s ? [{ group: name, lang: ALL, run: runs[i]!, f1: round2(s.f1), sentences: s.sentences }] : [];
    }),
    {
      group: whole,
      lang: ALL,
      run: runs[i]!,
      f1: round2(r.metrics.conlleval.overall.overall.f1),
      sentences: r.sentences.length,
    },
  ]);
  return {
    ...chartFrame(
      options.title ?? `F1 per subset: ${runs.join(' vs ')} (${multi.split})`,
      subsets.length > 0
        ? 'conlleval F1 over all languages; Δ = first run − second run'
        : 'this split has no named subsets',
    ),
    height: 220,
    ...pairedBars(bars, groups, runs, 'Subset', { value: ALL_COLOR }, 40, true),
  };
}
