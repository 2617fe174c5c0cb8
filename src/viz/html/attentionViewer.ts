/**
 * Where each word looked in the image: one panel per token with the attention over the region
 * grid, and the token's gate (how much of the image feature it let in). A panel is either a
 * ready heatmap image (the report's PNGs from attention.node.ts) or, in a browser with no Node,
 * the picture with an inline SVG grid whose cell opacity is the weight. Regions follow the
 * preprocessing's centre crop, so the picture is drawn `object-fit: cover` in a square frame.
 */
import type { AttentionView } from '../../core/run/analysis.js';
import { html, type ImageSrcOptions, type SafeHtml } from './escape.js';
import { imageCell } from './sentenceViewer.js';

export interface AttentionViewOptions extends ImageSrcOptions {
  /** The sentence's image (data URI or URL). */
  image?: string;
  /** Per token index, a ready heatmap image to show instead of the SVG overlay. */
  heatmaps?: Readonly<Record<number, string>>;
  /** Token indexes to draw panels for (default the first `maxTokens`). */
  tokens?: readonly number[];
  /** Most panels when `tokens` is not given (default 12). */
  maxTokens?: number;
}

/** Overlay opacity of the hottest cell; the rest scale linearly with their weight. */
const PEAK_OPACITY = 0.75;

/** The region grid as SVG rects over a unit-square-per-cell viewBox. */
export function attentionOverlaySvg(weights: readonly number[], grid: readonly [number, number]): SafeHtml {
  const [rows, cols] = grid;
  const max = Math.max(1e-12, ...weights.map((w) => (Number.isFinite(w) ? w : 0)));
  const cells: SafeHtml[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const w = weights[r * cols + c] ?? 0;
      const opacity = Number.isFinite(w) ? Math.max(0, Math.min(1, w / max)) * PEAK_OPACITY : 0;
      cells.push(
        html`<rect x="${c}" y="${r}" width="1" height="1" fill-opacity="${opacity.toFixed(3)}"><title>${(w * 100).toFixed(1)}%</title></rect>`,
      );
    }
  }
  return html`<svg class="mm-att-overlay" viewBox="0 0 ${cols} ${rows}" preserveAspectRatio="none" aria-hidden="true" fill="#ff3d00">${cells}</svg>`;
}

function gateBar(gate: number | undefined): SafeHtml {
  if (gate === undefined || !Number.isFinite(gate))
    return html`<span class="mm-gate-row"><span class="mm-gate-label">gate –</span></span>`;
  const pct = Math.max(0, Math.min(1, gate)) * 100;
  return html`<span class="mm-gate-row"><span class="mm-gate" title="gate ${gate.toFixed(2)}"><span style="width:${pct.toFixed(1)}%"></span></span><span class="mm-gate-label">gate ${gate.toFixed(2)}</span></span>`;
}

export function attentionViewer(view: AttentionView, options: AttentionViewOptions = {}): SafeHtml {
  const indexes = (options.tokens ?? view.tokens.map((_, i) => i).slice(0, options.maxTokens ?? 12)).filter(
    (i) => i >= 0 && i < view.tokens.length,
  );
  // The sentence line: every token shaded by its gate, so the words that used the image stand out.
  const line = view.tokens.map(
    (t, i) =>
      html`${i > 0 ? ' ' : ''}<bdi class="mm-att-token" style="background:rgba(255,61,0,${Math.max(0, Math.min(1, view.gate[i] ?? 0)).toFixed(3)})" title="gate ${(view.gate[i] ?? Number.NaN).toFixed(2)}">${t}</bdi>`,
  );
  const panels = indexes.map((i) => {
    const heatmap = options.heatmaps?.[i];
    const alt = `attention of token ${i + 1} (${view.tokens[i]}) over the image`;
    const frame = heatmap
      ? imageCell(heatmap, alt, options)
      : html`${imageCell(options.image, alt, options)}${attentionOverlaySvg(view.weights[i] ?? [], view.grid)}`;
    return html`<figure class="mm-att-cell" data-token="${i}"><div class="mm-att-frame">${frame}</div><figcaption><bdi class="mm-tok">${view.tokens[i]}</bdi>${gateBar(view.gate[i])}</figcaption></figure>`;
  });
  return html`<div class="mm-attention" data-sentence="${view.sentenceId}" data-branch="${view.branch}">
<p class="mm-att-line" dir="auto">${line}</p>
<div class="mm-att-grid">${panels}</div>
<p class="mm-note">${view.branch} branch, ${view.grid[0]}×${view.grid[1]} regions; shading: attention relative to the token's strongest region; token background: gate${
    indexes.length < view.tokens.length ? `; ${indexes.length} of ${view.tokens.length} tokens shown` : ''
  }</p>
</div>`;
}
