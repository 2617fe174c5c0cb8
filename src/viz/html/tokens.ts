/**
 * A sentence as markup: each token in its own `<bdi>` (so right-to-left text and stray bidi
 * controls stay inside the token), entity spans as `<mark>` coloured by type with the type name
 * after them. Shared by the sentence viewer, the error table and the misaligned-pairs table.
 */
import type { Span } from '../../core/types.js';
import { typeColor } from '../palette.js';
import { html, type SafeHtml } from './escape.js';

/** How a span compares with the other side (gold vs predicted). */
export type SpanStatus = 'match' | 'mismatch' | 'plain';

export interface TokenMarkupOptions {
  /** Spans of the other side: a span absent there is marked `mismatch` (dashed outline). */
  compareWith?: readonly Span[];
  /** Token range to emphasise (e.g. the span an error is about). */
  focus?: { start: number; end: number };
}

function sameSpan(a: Span, b: Span): boolean {
  return a.start === b.start && a.end === b.end && a.type === b.type;
}

function tokenMarkup(
  tokens: readonly string[],
  start: number,
  end: number,
  focus?: TokenMarkupOptions['focus'],
) {
  const out: SafeHtml[] = [];
  for (let i = start; i < end; i++) {
    const inFocus = focus !== undefined && i >= focus.start && i < focus.end;
    out.push(
      html`${i > start ? ' ' : ''}<bdi class="mm-tok${inFocus ? ' mm-focus' : ''}">${tokens[i] ?? ''}</bdi>`,
    );
  }
  return out;
}

/** Tokens with `spans` highlighted (spans sorted, non-overlapping, `end` exclusive). */
export function tokensWithSpans(
  tokens: readonly string[],
  spans: readonly Span[],
  options: TokenMarkupOptions = {},
): SafeHtml {
  const parts: SafeHtml[] = [];
  let at = 0;
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  for (const span of sorted) {
    if (span.start < at || span.end > tokens.length || span.end <= span.start) continue; // overlapping or out of range
    if (span.start > at)
      parts.push(html`${at > 0 ? ' ' : ''}`, ...tokenMarkup(tokens, at, span.start, options.focus));
    const status: SpanStatus =
      options.compareWith === undefined
        ? 'plain'
        : options.compareWith.some((o) => sameSpan(o, span))
          ? 'match'
          : 'mismatch';
    parts.push(
      html`${span.start > 0 ? ' ' : ''}<mark class="mm-ent mm-${status}" data-type="${span.type}" style="background:${typeColor(span.type)}">${tokenMarkup(tokens, span.start, span.end, options.focus)}<span class="mm-type"><bdi>${span.type}</bdi></span></mark>`,
    );
    at = span.end;
  }
  if (at < tokens.length)
    parts.push(html`${at > 0 ? ' ' : ''}`, ...tokenMarkup(tokens, at, tokens.length, options.focus));
  return html`<span class="mm-tokens" dir="auto">${parts}</span>`;
}

/** The text of tokens `[start, end)`, space-joined (for table cells and titles). */
export function spanText(tokens: readonly string[], span: { start: number; end: number }): string {
  return tokens.slice(span.start, span.end).join(' ');
}
