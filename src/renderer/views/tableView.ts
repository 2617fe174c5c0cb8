/**
 * What the errors and misaligned-pairs views share: sentences rebuilt from the payload's tokens
 * (the payloads carry tokens, not whole eval sentences), and a table with its filter bar wired
 * for sorting and filtering.
 */
import type { EvalSentence } from '../../core/run/evalFile.js';
import { spansToTags } from '../../core/schemes/spans.js';
import type { Span } from '../../core/types.js';
import { html, type SafeHtml } from '../../viz/html/escape.js';
import { required, setMarkup } from '../dom.js';
import { type FilterSpec, filterBar, makeSortable, wireFilters } from '../tables.js';
import type { ViewContext } from './view.js';

/** Spans sorted, with any that overlap an earlier one (or leave the sentence) dropped. */
function disjoint(spans: readonly Span[], length: number): Span[] {
  const out: Span[] = [];
  let end = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start || a.end - b.end)) {
    if (s.start >= end && s.end > s.start && s.end <= length) {
      out.push(s);
      end = s.end;
    }
  }
  return out;
}

/** Sentences by id from tokens, with the given gold and predicted spans (others left `O`). */
export function sentencesFromTokens(
  tokens: Readonly<Record<string, string[]>>,
  lang: ReadonlyMap<string, string>,
  spans: ReadonlyMap<string, { gold: Span[]; pred: Span[] }> = new Map(),
): Map<string, EvalSentence> {
  const out = new Map<string, EvalSentence>();
  for (const [id, toks] of Object.entries(tokens)) {
    const s = spans.get(id);
    out.set(id, {
      id,
      lang: lang.get(id) ?? '',
      tokens: toks,
      gold: spansToTags(disjoint(s?.gold ?? [], toks.length), toks.length, 'IOB2'),
      pred: spansToTags(disjoint(s?.pred ?? [], toks.length), toks.length, 'IOB2'),
    });
  }
  return out;
}

/**
 * Puts `table` (viz markup) under a filter bar over `rows` (the rows' data attributes), then makes
 * the headers sort and the selects filter.
 */
export function showTable(
  element: HTMLElement,
  table: SafeHtml,
  rows: readonly Record<string, string>[],
  filters: readonly FilterSpec[],
  context: ViewContext,
  note: SafeHtml | '' = '',
): void {
  setMarkup(element, html`<div class="mm-table-view">${filterBar(rows, filters)}${table}${note}</div>`);
  const tableEl = required<HTMLTableElement>(element, 'table');
  makeSortable(tableEl, context.signal);
  wireFilters(required(element, '.mm-filters'), tableEl, context.signal);
}
