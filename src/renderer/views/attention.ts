/**
 * One sentence's attention over its image (`AttentionPayload`), interactive: the picture with the
 * heatmap of one token over it, and the sentence as a row of token buttons, each showing its
 * gate. Hovering or focusing a token (mouse or keyboard) draws that token's weights over the
 * region grid; the shading reuses viz's SVG overlay, so the report and the notebook agree.
 */
import { attentionOverlaySvg } from '../../viz/html/attentionViewer.js';
import { html } from '../../viz/html/escape.js';
import { imageCell } from '../../viz/html/sentenceViewer.js';
import { required, setMarkup } from '../dom.js';
import { ImagePolicy } from '../images.js';
import { attentionPayload } from '../payload.js';
import type { View } from './view.js';

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** The index of the largest value (the first on ties), -1 for an empty list. */
function argmax(xs: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < xs.length; i++) if (best < 0 || xs[i]! > xs[best]!) best = i;
  return best;
}

export const renderAttention: View = (value, element, context) => {
  const { view, image } = attentionPayload(value);
  const images = new ImagePolicy();
  const src = images.admit(image);
  const [rows, cols] = view.grid;
  const tokens = view.tokens.map((t, i) => {
    const gate = view.gate[i]!;
    const shade = Math.max(0, Math.min(1, gate));
    return html`<button type="button" class="mm-att-tok" data-token="${i}" aria-pressed="false" style="--mm-gate:${shade.toFixed(3)}"><bdi class="mm-tok">${t}</bdi><span class="mm-att-gate">gate ${gate.toFixed(2)}</span></button>`;
  });
  setMarkup(
    element,
    html`<div class="mm-attention-live" data-sentence="${view.sentenceId}" data-branch="${view.branch}">
<div class="mm-att-frame mm-att-large">${imageCell(src, `image of sentence ${view.sentenceId}`, { remote: false })}<div class="mm-att-layer"></div></div>
<div class="mm-att-side">
<p class="mm-att-tokens" dir="auto" aria-label="Tokens: hover or focus one to see where it looked">${tokens}</p>
<p class="mm-att-caption" aria-live="polite"></p>
<p class="mm-note"><bdi>${view.branch}</bdi> branch, ${rows}×${cols} regions; shading relative to the token's strongest region; a token's background is its gate (how much of the image it let in).</p>
${images.note()}
</div>
</div>`,
  );
  const layer = required<HTMLElement>(element, '.mm-att-layer');
  const caption = required<HTMLElement>(element, '.mm-att-caption');
  const buttons = Array.from(element.querySelectorAll<HTMLButtonElement>('button.mm-att-tok'));
  const show = (i: number) => {
    const weights = view.weights[i] ?? [];
    setMarkup(layer, attentionOverlaySvg(weights, view.grid));
    layer.dataset.token = String(i);
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.token === String(i)));
    const top = argmax(weights);
    caption.textContent =
      top < 0
        ? ''
        : `“${view.tokens[i]}”: gate ${view.gate[i]!.toFixed(2)}; strongest region row ${Math.floor(top / cols) + 1}, column ${(top % cols) + 1} (${percent(weights[top]!)})`;
  };
  for (const b of buttons) {
    const i = Number(b.dataset.token);
    b.addEventListener('pointerenter', () => show(i), { signal: context.signal });
    b.addEventListener('focus', () => show(i), { signal: context.signal });
  }
  // Start on the token that let the most of the image in: the one most worth looking at.
  if (view.tokens.length > 0) show(argmax(view.gate));
};
