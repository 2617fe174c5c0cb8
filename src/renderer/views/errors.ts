/**
 * Entity errors (`ErrorsPayload`) as viz's error table, sortable, filterable by language and
 * error class. Each sentence shows the erroneous predicted spans in context (the payload has no
 * other tags) with the error's tokens underlined.
 */
import type { Span } from '../../core/types.js';
import { errorTable } from '../../viz/html/errorTable.js';
import { errorsPayload } from '../payload.js';
import { sentencesFromTokens, showTable } from './tableView.js';
import type { View } from './view.js';

/** Most rows in one output (filters work over these); the caption says how many were left out. */
export const MAX_ERROR_ROWS = 1000;

export const renderErrors: View = (value, element, context) => {
  const { errors, tokens } = errorsPayload(value);
  const shown = errors.slice(0, MAX_ERROR_ROWS);
  const lang = new Map(errors.map((e) => [e.sentenceId, e.lang]));
  const spans = new Map<string, { gold: Span[]; pred: Span[] }>();
  for (const e of errors) {
    const s = spans.get(e.sentenceId) ?? { gold: [], pred: [] };
    if (e.gold) s.gold.push(e.gold);
    if (e.pred) s.pred.push(e.pred);
    spans.set(e.sentenceId, s);
  }
  showTable(
    element,
    errorTable(errors, sentencesFromTokens(tokens, lang, spans), { limit: MAX_ERROR_ROWS, remote: false }),
    shown.map((e) => ({ lang: e.lang, class: e.class })),
    [
      { attr: 'lang', label: 'Language' },
      { attr: 'class', label: 'Error class' },
    ],
    context,
  );
};
