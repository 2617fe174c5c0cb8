/**
 * The entity errors as a table: the sentence with the erroneous span emphasised, the class, the
 * gold and predicted spans, the language and (optionally) the image. Each row carries
 * `data-class`, `data-lang` and `data-sentence` so a page (the report's script, the notebook
 * renderer) can filter rows without reparsing cells.
 */
import type { EntityError } from '../../core/run/analysis.js';
import type { EvalSentence } from '../../core/run/evalFile.js';
import { tagsToSpans } from '../../core/schemes/spans.js';
import { typeColor } from '../palette.js';
import { html, type ImageSrcOptions, type SafeHtml } from './escape.js';
import { languageCell } from './metricsTable.js';
import { imageCell } from './sentenceViewer.js';
import { spanText, tokensWithSpans } from './tokens.js';

export interface ErrorTableOptions extends ImageSrcOptions {
  /** Images by sentence id (data URIs or URLs); a thumbnail column is added when given. */
  images?: Readonly<Record<string, string>>;
  /** Rows shown (default all); the caption says how many were left out. */
  limit?: number;
  /** `id` of the table element, for filter controls. */
  id?: string;
}

function spanCell(span: EntityError['gold'], sentence: EvalSentence | undefined): SafeHtml {
  if (!span) return html`<td class="mm-none">—</td>`;
  const text = sentence ? spanText(sentence.tokens, span) : `tokens ${span.start}–${span.end - 1}`;
  return html`<td><mark class="mm-ent" data-type="${span.type}" style="background:${typeColor(span.type)}"><bdi>${text}</bdi><span class="mm-type"><bdi>${span.type}</bdi></span></mark></td>`;
}

/** Sentences by id, from an eval file's list. */
export function sentencesById(sentences: readonly EvalSentence[]): Map<string, EvalSentence> {
  return new Map(sentences.map((s) => [s.id, s]));
}

export function errorTable(
  errors: readonly EntityError[],
  sentences: ReadonlyMap<string, EvalSentence>,
  options: ErrorTableOptions = {},
): SafeHtml {
  const shown = errors.slice(0, options.limit ?? errors.length);
  const withImages = options.images !== undefined;
  const rows = shown.map((e) => {
    const s = sentences.get(e.sentenceId);
    const focus = e.gold ?? e.pred;
    // The sentence with its predicted spans, so the error is seen in context.
    const text = s
      ? tokensWithSpans(s.tokens, tagsToSpans(s.pred), {
          compareWith: tagsToSpans(s.gold),
          ...(focus ? { focus } : {}),
        })
      : html`<span class="mm-none">sentence not in the eval file</span>`;
    return html`<tr data-class="${e.class}" data-lang="${e.lang}" data-sentence="${e.sentenceId}">${
      withImages
        ? html`<td class="mm-image-cell">${imageCell(options.images?.[e.sentenceId], `image of sentence ${e.sentenceId}`, options)}</td>`
        : ''
    }<td>${text}<div class="mm-id"><bdi>${e.sentenceId}</bdi></div></td>${languageCell(e.lang)}<td class="mm-class">${e.class}</td>${spanCell(e.gold, s)}${spanCell(e.pred, s)}</tr>`;
  });
  const left = errors.length - shown.length;
  return html`<table class="mm-table mm-error-table" data-sortable data-filterable${options.id ? html` id="${options.id}"` : ''}>
<caption>${errors.length} entity error(s)${left > 0 ? `, first ${shown.length} shown` : ''}; predicted spans in context, the error's tokens underlined</caption>
<thead><tr>${withImages ? html`<th scope="col">Image</th>` : ''}<th scope="col" data-sort="text">Sentence</th><th scope="col" data-sort="text">Language</th><th scope="col" data-sort="text">Class</th><th scope="col" data-sort="text">Gold</th><th scope="col" data-sort="text">Predicted</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}
