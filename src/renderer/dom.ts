/**
 * The few DOM helpers the views share. Markup enters the page only as `SafeHtml` (built by viz's
 * escaping `html` tag), through `setMarkup`; everything else is set as `textContent`.
 */
import { isMmnerError } from '../core/errors.js';
import { html, type SafeHtml } from '../viz/html/escape.js';

/** Replaces the children of `element` with the markup. */
export function setMarkup(element: Element, markup: SafeHtml): void {
  element.innerHTML = markup.html;
}

/** The first element matching `selector` inside `root`; a missing one is a bug of ours. */
export function required<T extends Element>(root: ParentNode, selector: string): T {
  const el = root.querySelector<T>(selector);
  if (!el) throw new Error(`renderer: no ${selector} in the view it just built`);
  return el;
}

/** The readable box shown instead of a view that could not be drawn. */
export function errorBox(error: unknown, what: string): SafeHtml {
  const message =
    error instanceof Error ? (isMmnerError(error) ? error.detail : error.message) : String(error);
  const hint = isMmnerError(error) ? error.hint : undefined;
  const code = isMmnerError(error) ? error.code : undefined;
  return html`<div class="mm-render-error" role="alert"><strong>mmner could not show this ${what}</strong><p>${message}</p>${
    hint ? html`<p class="mm-hint">${hint}</p>` : ''
  }${code ? html`<p class="mm-code">${code}</p>` : ''}</div>`;
}

/** A note listing vega's warnings about a chart (no element when there are none). */
export function warningNote(warnings: readonly string[]): HTMLElement[] {
  if (warnings.length === 0) return [];
  const note = document.createElement('p');
  note.className = 'mm-note mm-chart-warnings';
  note.textContent = `vega: ${warnings.join('; ')}`;
  return [note];
}
