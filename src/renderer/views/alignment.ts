/**
 * The sentence ↔ image projection (`AlignmentPayload`): viz's scatter (points coloured by
 * language, a line from each sentence to its image) with two additions for the notebook. Hovering
 * a point fills a side card with the sentence and its image; clicking one highlights the pair
 * (a vega param the marks are conditioned on) and asks the extension to open that sentence's
 * errors, when the notebook has renderer messaging.
 */
import type { AlignmentPayload } from '../../core/protocol/mime.js';
import { alignmentScatterChart } from '../../viz/charts/alignment.js';
import { html, type SafeHtml } from '../../viz/html/escape.js';
import { imageCell } from '../../viz/html/sentenceViewer.js';
import { languageColor } from '../../viz/palette.js';
import { required, setMarkup, warningNote } from '../dom.js';
import { drawChart } from '../embed.js';
import { ImagePolicy } from '../images.js';
import { alignmentPayload } from '../payload.js';
import type { View } from './view.js';

/** Pairs drawn at most (spread evenly over the input beyond), and points above which canvas draws them. */
const MAX_PAIRS = 10_000;
const SVG_MAX_POINTS = 4_000;

/** The vega param holding the selected sentence id ('' for none). */
const SELECTED = 'mm_selected';
const IS_SELECTED = `datum.id === ${SELECTED}`;

type Layer = { mark?: { type?: string } | string; encoding?: Record<string, unknown> };

/** Conditions the line and point layers on the selected id: the chosen pair drawn bold. */
export function withSelection(spec: Record<string, unknown>): Record<string, unknown> {
  const markType = (l: Layer) => (typeof l.mark === 'string' ? l.mark : l.mark?.type);
  const layers = (spec.layer as Layer[] | undefined) ?? [];
  const extra: Record<string, Record<string, unknown>> = {
    line: {
      strokeWidth: { condition: { test: IS_SELECTED, value: 3 }, value: 0.8 },
      strokeOpacity: { condition: { test: IS_SELECTED, value: 1 }, value: 0.35 },
    },
    point: {
      size: { condition: { test: IS_SELECTED, value: 140 }, value: 22 },
      strokeWidth: { condition: { test: IS_SELECTED, value: 2 }, value: 0 },
    },
  };
  return {
    ...spec,
    params: [...((spec.params as unknown[]) ?? []), { name: SELECTED, value: '' }],
    layer: layers.map((l) => {
      const add = extra[markType(l) ?? ''];
      return add ? { ...l, encoding: { ...l.encoding, ...add } } : l;
    }),
  };
}

const EMPTY_CARD = html`<p class="mm-note">Hover a point to see its sentence and image; click it to open the sentence's errors.</p>`;

function card(
  id: string,
  lang: string | undefined,
  info: { tokens: string[]; imageUri?: string } | undefined,
  image: string | undefined,
  selected: boolean,
): SafeHtml {
  return html`<div class="mm-card-head"><span class="mm-swatch" style="background:${languageColor(lang ?? '')}"></span><bdi>${lang ?? '?'}</bdi> · <bdi class="mm-id">${id}</bdi>${
    selected ? html` <span class="mm-badge">selected</span>` : ''
  }</div>${
    info
      ? html`${image !== undefined || info.imageUri !== undefined ? imageCell(image, `image of sentence ${id}`, { remote: false }) : ''}<p class="mm-card-text mm-tokens" dir="auto">${info.tokens.map(
          (t, i) => html`${i > 0 ? ' ' : ''}<bdi class="mm-tok">${t}</bdi>`,
        )}</p>`
      : html`<p class="mm-note">This sentence's text is not in the output (only a sample is).</p>`
  }`;
}

export const renderAlignment: View = async (value, element, context) => {
  const payload: AlignmentPayload = alignmentPayload(value);
  const policy = new ImagePolicy();
  const images = policy.admitAll(
    Object.fromEntries(
      Object.entries(payload.sentences ?? {}).flatMap(([id, s]) => (s.imageUri ? [[id, s.imageUri]] : [])),
    ),
  );
  const langOf = new Map(payload.points.map((p) => [p.id, p.lang]));
  setMarkup(
    element,
    html`<div class="mm-alignment"><div class="mm-chart"></div><aside class="mm-align-card" aria-live="polite">${EMPTY_CARD}</aside></div>${policy.note()}`,
  );
  const root = required<HTMLElement>(element, '.mm-alignment');
  const cardEl = required<HTMLElement>(element, '.mm-align-card');
  const spec = alignmentScatterChart(
    {
      branch: payload.branch,
      projection: { method: payload.method, points: payload.points },
      retrieval: {},
      cosine: { matched: [], shuffled: [] },
    },
    { maxPairs: MAX_PAIRS },
  );
  const { result, warnings } = await drawChart(
    required(element, '.mm-chart'),
    withSelection(spec as unknown as Record<string, unknown>),
    { tooltip: false, renderer: payload.points.length > SVG_MAX_POINTS ? 'canvas' : 'svg' },
  );
  context.onDispose(() => result.finalize());
  element.append(...warningNote(warnings));
  const { view } = result;
  const show = (id: string) => {
    setMarkup(
      cardEl,
      card(id, langOf.get(id), payload.sentences?.[id], images[id], root.dataset.selected === id),
    );
    cardEl.dataset.sentence = id;
  };
  const idOf = (item: unknown): string | undefined => {
    const id = (item as { datum?: { id?: unknown } } | null | undefined)?.datum?.id;
    return typeof id === 'string' ? id : undefined;
  };
  view.addEventListener('mouseover', (_event, item) => {
    const id = idOf(item);
    if (id !== undefined) show(id);
  });
  view.addEventListener('click', (_event, item) => {
    const id = idOf(item);
    if (id === undefined) return;
    root.dataset.selected = id;
    void view.signal(SELECTED, id).runAsync();
    show(id);
    context.postMessage?.({ type: 'openErrors', sentenceId: id });
  });
};
