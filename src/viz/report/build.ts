/**
 * The static report page, built purely from a `ReportModel`: one self-contained index.html (inline
 * CSS, one inline script allowed by hash, a strict Content-Security-Policy, no remote loads) and
 * the list of files it refers to (chart SVG/PNGs, image thumbnails, attention heatmaps), which
 * `write.node.ts` produces. Every piece of dataset text goes through the escaping `html` tag.
 */
import { ERROR_CLASSES } from '../../core/run/analysis.js';
import type { EvalSentence } from '../../core/run/evalFile.js';
import { checkSafeName } from '../../core/run/names.js';
import { tagsToSpans } from '../../core/schemes/spans.js';
import { attentionViewer } from '../html/attentionViewer.js';
import { errorTable, sentencesById } from '../html/errorTable.js';
import { type HtmlValue, html, type SafeHtml, safeImageSrc, trusted } from '../html/escape.js';
import { metricsTable, subsetsTable } from '../html/metricsTable.js';
import { misalignedTable } from '../html/misalignedTable.js';
import { sentenceViewer } from '../html/sentenceViewer.js';
import { VIEW_CSS } from '../html/styles.js';
import { ALL, languageColor, orderLanguages } from '../palette.js';
import { reportCharts } from './charts.js';
import {
  type BuiltReport,
  DEFAULT_REPORT_LIMITS,
  type HeatmapAsset,
  type ImageAsset,
  REPORT_SECTIONS,
  type ReportAssets,
  type ReportChart,
  type ReportModel,
  type ReportSectionId,
} from './model.js';
import { REPORT_CSS, REPORT_SCRIPT } from './page.js';
import { cspHash } from './sha256.js';

/** The page's policy: nothing remote, images from the report folder or data URIs, our script only. */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'none'",
    "img-src 'self' data:",
    "style-src 'unsafe-inline'",
    `script-src ${cspHash(REPORT_SCRIPT)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const isDataUri = (src: string) => src.startsWith('data:');

/** Hands out image sources: data URIs as they are, files as numbered thumbnails (one per file). */
class ImageRegistry {
  readonly assets: ImageAsset[] = [];
  private readonly byId = new Map<string, string | undefined>();
  private readonly bySource = new Map<string, string>();
  constructor(private readonly images: Readonly<Record<string, string>>) {}

  /** The `src` to use for a sentence's image, or undefined when it has none (or it is unsafe). */
  src(sentenceId: string): string | undefined {
    if (this.byId.has(sentenceId)) return this.byId.get(sentenceId);
    const source = Object.hasOwn(this.images, sentenceId) ? this.images[sentenceId] : undefined;
    let src: string | undefined;
    if (source !== undefined && isDataUri(source)) {
      src = safeImageSrc(source, { remote: false });
    } else if (source !== undefined && source !== '') {
      src = this.bySource.get(source);
      if (src === undefined) {
        src = `images/${String(this.assets.length + 1).padStart(4, '0')}.png`;
        this.bySource.set(source, src);
        this.assets.push({ sentenceId, source, file: src });
      }
    }
    this.byId.set(sentenceId, src);
    return src;
  }

  /** The id → src table for the builders that take one, for the given ids only. */
  table(ids: Iterable<string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const id of ids) {
      const src = this.src(id);
      if (src !== undefined) out[id] = src;
    }
    return out;
  }
}

function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);
}

function signed(x: number): string {
  return `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(2)}`;
}

function missing(text: string): SafeHtml {
  return html`<p class="missing">${text}</p>`;
}

function chartFigures(charts: readonly ReportChart[]): SafeHtml {
  return html`<div class="charts">${charts.map(
    (c) =>
      html`<figure class="chart" data-chart="${c.id}"><img src="${`charts/${c.id}.svg`}" alt="${c.title}"><figcaption>${c.title} · <a href="${`charts/${c.id}.png`}">PNG</a></figcaption></figure>`,
  )}</div>`;
}

function section(id: ReportSectionId, body: HtmlValue): SafeHtml {
  const title = REPORT_SECTIONS.find((s) => s.id === id)!.title;
  return html`<section id="${id}" aria-labelledby="${`${id}-title`}"><h2 id="${`${id}-title`}">${title}</h2>${body}</section>\n`;
}

function summaryCards(model: ReportModel): SafeHtml {
  const m = model.eval.metrics;
  const langs = orderLanguages(Object.keys(m.conlleval.byLanguage));
  const cards: [string, SafeHtml | string][] = [
    ['Split', model.eval.split],
    ['Sentences', String(model.eval.sentences.length)],
    [
      'Languages',
      html`${langs.map((l, i) => html`${i > 0 ? ' ' : ''}<span class="mm-swatch" style="background:${languageColor(l)}"></span><bdi>${l}</bdi>`)}`,
    ],
    ['F1 (conlleval)', `${fmt(m.conlleval.overall.overall.f1)} %`],
    ['F1 (strict IOB2)', `${fmt(m.strict.overall.overall.f1)} %`],
  ];
  const other = model.compare?.eval.metrics;
  if (other) {
    const d = m.conlleval.overall.overall.f1 - other.conlleval.overall.overall.f1;
    cards.push([
      `F1 vs ${model.compare!.name}`,
      html`${signed(d)} <small>(${fmt(other.conlleval.overall.overall.f1)} %)</small>`,
    ]);
  }
  const amb = m.subsets.ambiguous;
  if (amb) {
    const o = other?.subsets.ambiguous;
    cards.push([
      'F1 on ambiguous',
      html`${fmt(amb.f1)} % ${o ? html`<small>(${signed(amb.f1 - o.f1)} vs ${model.compare!.name})</small>` : ''}`,
    ]);
  }
  const events = model.events ?? [];
  const end = events.findLast((e) => e.type === 'runEnd');
  const evals = events.filter((e) => e.type === 'eval');
  const steps = events.findLast((e) => e.type === 'step');
  if (steps) cards.push(['Training steps', String(steps.step)]);
  const best = end?.bestF1 ?? (evals.length > 0 ? Math.max(...evals.map((e) => e.f1)) : undefined);
  if (best !== undefined) cards.push(['Best dev F1', `${fmt(best)} %`]);
  if (end) cards.push(['Run ended', `${end.reason}, ${fmt(end.elapsedSec / 60, 1)} min`]);
  return html`<dl class="summary">${cards.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

/** Token indexes for attention panels: tokens inside gold entities first, then the rest, in order. */
function attentionTokens(tokens: number, sentence: EvalSentence | undefined, max: number): number[] {
  const inEntity = new Set<number>();
  for (const span of tagsToSpans(sentence?.gold ?? [])) {
    for (let i = span.start; i < span.end; i++) inEntity.add(i);
  }
  const order = [
    ...[...inEntity].filter((i) => i < tokens),
    ...Array.from({ length: tokens }, (_, i) => i).filter((i) => !inEntity.has(i)),
  ];
  return order.slice(0, max).sort((a, b) => a - b);
}

function errorFilters(tableId: string, langs: readonly string[], total: number): SafeHtml {
  const select = (attr: string, label: string, values: readonly string[]) =>
    html`<label>${label} <select data-filter-for="${tableId}" data-filter-attr="${attr}"><option value="">all</option>${values.map(
      (v) => html`<option value="${v}">${v}</option>`,
    )}</select></label>`;
  return html`<div class="filters">${select('class', 'Class', ERROR_CLASSES)}${select('lang', 'Language', langs)}<output id="${`${tableId}-count`}">${total} shown</output></div>`;
}

/**
 * Builds the page and the list of files it needs. Pure: the same model gives the same bytes.
 * A chart id that is not a safe file name is an `E_UNSAFE_NAME` error.
 */
export function buildReport(model: ReportModel): BuiltReport {
  const limits = { ...DEFAULT_REPORT_LIMITS, ...model.limits };
  const a = model.analyses ?? {};
  const charts = model.charts ?? reportCharts(model);
  for (const c of charts) checkSafeName(c.id, 'chart id');
  const chartsOf = (id: ReportSectionId) => charts.filter((c) => c.section === id);
  const images = new ImageRegistry(model.images ?? {});
  const sentences = sentencesById(model.eval.sentences);
  const textSentences = model.compare ? sentencesById(model.compare.eval.sentences) : undefined;
  const compareName = model.compare?.name ?? 'text-only';
  const heatmaps: HeatmapAsset[] = [];
  const body: SafeHtml[] = [];

  body.push(section('summary', [summaryCards(model), metricsTable(model.eval)]));

  body.push(section('languages', chartFigures(chartsOf('languages'))));

  body.push(
    section(
      'compare',
      model.compare
        ? [
            chartFigures(chartsOf('compare')),
            metricsTable(model.eval, { compare: model.compare.eval, compareName }),
          ]
        : [
            chartFigures(chartsOf('compare')),
            missing(
              'No text-only run to compare with: evaluate one on the same split and pass it as the compare run.',
            ),
          ],
    ),
  );

  const hasSubsets = Object.keys(model.eval.metrics.subsets).length > 0;
  body.push(
    section('ambiguous', [
      hasSubsets
        ? html``
        : missing(
            'This split names no subsets; the sample dataset marks ambiguous sentences (e.g. "Jordan", "Amazon") as `ambiguous`.',
          ),
      chartFigures(chartsOf('ambiguous')),
      subsetsTable(model.eval, model.compare ? { compare: model.compare.eval, compareName } : {}),
    ]),
  );

  const training = chartsOf('training');
  body.push(
    section(
      'training',
      training.length > 0
        ? chartFigures(training)
        : missing('No training events (events.jsonl) for this run.'),
    ),
  );

  const confusion = chartsOf('confusion');
  body.push(
    section(
      'confusion',
      confusion.length > 0 ? chartFigures(confusion) : missing('No confusion matrix in the analyses.'),
    ),
  );

  if (a.errors) {
    const errorIds = [...new Set(a.errors.slice(0, limits.errors).map((e) => e.sentenceId))];
    const withImages = [...new Set(a.errors.map((e) => e.sentenceId))].slice(0, limits.errorSentences);
    const langs = orderLanguages(a.errors.map((e) => e.lang)).filter((l) => l !== ALL);
    body.push(
      section('errors', [
        chartFigures(chartsOf('errors')),
        errorFilters('errors-table', langs, Math.min(a.errors.length, limits.errors)),
        errorTable(a.errors, sentences, {
          id: 'errors-table',
          limit: limits.errors,
          images: images.table(errorIds),
          remote: false,
        }),
        html`<h3>Sentences with errors</h3>`,
        withImages.flatMap((id) => {
          const s = sentences.get(id);
          return s ? [sentenceViewer(s, { image: images.src(id), remote: false })] : [];
        }),
      ]),
    );
  } else {
    body.push(
      section('errors', [chartFigures(chartsOf('errors')), missing('No error analysis for this run.')]),
    );
  }

  if (a.imageEffects && a.imageEffects.length > 0) {
    const size = (e: (typeof a.imageEffects)[number]) =>
      Math.abs(e.correctMulti - e.correctText) + Math.abs(e.errorsMulti - e.errorsText);
    const side = (effect: 'helped' | 'hurt') => {
      const list = a.imageEffects!.filter((e) => e.effect === effect).sort((x, y) => size(y) - size(x));
      const shown = list.slice(0, limits.effects);
      return html`<h3>Image ${effect} (${list.length} sentence(s)${shown.length < list.length ? `, ${shown.length} shown` : ''})</h3>${shown.map(
        (e) => {
          const s = sentences.get(e.sentenceId);
          if (!s) return missing(`sentence ${e.sentenceId} is not in the eval file`);
          const t = textSentences?.get(e.sentenceId);
          return sentenceViewer(s, {
            image: images.src(e.sentenceId),
            remote: false,
            predictedLabel: 'Multimodal',
            ...(t ? { extra: [{ label: compareName, tags: t.pred }] } : {}),
            note: `correct entities ${e.correctText} → ${e.correctMulti}, errors ${e.errorsText} → ${e.errorsMulti} (${compareName} → multimodal)`,
          });
        },
      )}`;
    };
    body.push(section('image-effect', [side('helped'), side('hurt')]));
  } else {
    body.push(
      section(
        'image-effect',
        missing('No image-effect analysis (it needs a text-only run to compare with).'),
      ),
    );
  }

  if (a.alignment && a.alignment.length > 0) {
    body.push(
      section(
        'alignment',
        a.alignment.map(
          (summary, i) =>
            html`<h3>Branch <bdi>${summary.branch}</bdi></h3>${chartFigures(
              chartsOf('alignment').filter((c) => c.id.endsWith(`-${i}`)),
            )}`,
        ),
      ),
    );
  } else {
    body.push(section('alignment', missing('No alignment analysis (a text-only run has no image branch).')));
  }

  if (a.attention && a.attention.length > 0) {
    const views = a.attention.slice(0, limits.attention);
    body.push(
      section(
        'attention',
        views.map((view, v) => {
          const sentence = sentences.get(view.sentenceId);
          const tokens = attentionTokens(view.tokens.length, sentence, limits.attentionTokens);
          const source = model.images?.[view.sentenceId];
          const files: Record<number, string> = {};
          for (const t of tokens) {
            const file = `attention/${v}-${t}.png`;
            files[t] = file;
            heatmaps.push({
              file,
              sentenceId: view.sentenceId,
              branch: view.branch,
              token: t,
              ...(source !== undefined ? { image: source } : {}),
              weights: view.weights[t] ?? [],
              grid: view.grid,
            });
          }
          return html`<h3>Sentence <bdi>${view.sentenceId}</bdi></h3>${attentionViewer(view, { heatmaps: files, tokens, remote: false })}`;
        }),
      ),
    );
  } else {
    body.push(section('attention', missing('No attention maps for this run.')));
  }

  if (a.misaligned && a.misaligned.length > 0) {
    const shownIds = [...a.misaligned]
      .sort((x, y) => x.cosine - y.cosine)
      .slice(0, limits.misaligned)
      .map((p) => p.sentenceId);
    body.push(
      section(
        'misaligned',
        misalignedTable(a.misaligned, sentences, {
          images: images.table(shownIds),
          limit: limits.misaligned,
          remote: false,
        }),
      ),
    );
  } else {
    body.push(section('misaligned', missing('No misaligned-pairs list for this run.')));
  }

  const assets: ReportAssets = {
    charts: charts.map((c) => ({
      id: c.id,
      title: c.title,
      spec: c.spec,
      svg: `charts/${c.id}.svg`,
      png: `charts/${c.id}.png`,
    })),
    images: images.assets,
    heatmaps,
  };
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>mmner report — ${model.runName}</title>
<link rel="icon" href="data:,">
<style>${trusted(VIEW_CSS)}${trusted(REPORT_CSS)}</style>
</head>
<body>
<header>
<h1>mmner report: <bdi>${model.runName}</bdi></h1>
<p>${model.eval.split} split · ${model.eval.sentences.length} sentences${model.compare ? html` · compared with <bdi>${model.compare.name}</bdi>` : ''}</p>
<nav aria-label="Sections"><ul>${REPORT_SECTIONS.map((s) => html`<li><a href="${`#${s.id}`}">${s.title}</a></li>`)}</ul></nav>
</header>
<main>
${body}</main>
<footer>Written by mmner${model.generatedAt ? html` on ${model.generatedAt}` : ''}. Scores are conlleval's unless marked strict; rates in %.</footer>
<script>${trusted(REPORT_SCRIPT)}</script>
</body>
</html>
`;
  return { html: page.html, assets };
}
