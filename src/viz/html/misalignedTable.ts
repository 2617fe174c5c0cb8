/**
 * The least aligned sentence–image pairs (lowest cosine first): the sentence with its gold spans,
 * its image, the branch and cosine, and whether the image changed the prediction. These are the
 * pairs where a sentence-level contrastive objective pulls text towards an unrelated picture.
 */
import type { MisalignedPair } from '../../core/run/analysis.js';
import type { EvalSentence } from '../../core/run/evalFile.js';
import { tagsToSpans } from '../../core/schemes/spans.js';
import { html, type ImageSrcOptions, type SafeHtml } from './escape.js';
import { languageCell, numberCell } from './metricsTable.js';
import { imageCell } from './sentenceViewer.js';
import { tokensWithSpans } from './tokens.js';

export interface MisalignedTableOptions extends ImageSrcOptions {
  images?: Readonly<Record<string, string>>;
  /** Rows shown (default 50). */
  limit?: number;
}

export function misalignedTable(
  pairs: readonly MisalignedPair[],
  sentences: ReadonlyMap<string, EvalSentence>,
  options: MisalignedTableOptions = {},
): SafeHtml {
  const sorted = [...pairs].sort((a, b) => a.cosine - b.cosine);
  const shown = sorted.slice(0, options.limit ?? 50);
  const rows = shown.map((p, i) => {
    const s = sentences.get(p.sentenceId);
    const changed = p.changedByImage === undefined ? '–' : p.changedByImage ? 'yes' : 'no';
    return html`<tr data-lang="${p.lang}" data-branch="${p.branch}" data-sentence="${p.sentenceId}">${numberCell(i + 1, 0)}<td class="mm-image-cell">${imageCell(options.images?.[p.sentenceId], `image of sentence ${p.sentenceId}`, options)}</td><td>${
      s
        ? tokensWithSpans(s.tokens, tagsToSpans(s.gold))
        : html`<span class="mm-none">sentence not in the eval file</span>`
    }<div class="mm-id"><bdi>${p.sentenceId}</bdi></div></td>${languageCell(p.lang)}<td><bdi>${p.branch}</bdi></td>${numberCell(p.cosine, 3)}<td>${changed}</td></tr>`;
  });
  return html`<table class="mm-table mm-misaligned" data-sortable>
<caption>${pairs.length} pair(s), lowest sentence–image cosine first${shown.length < pairs.length ? `, first ${shown.length} shown` : ''}; gold spans shown</caption>
<thead><tr><th scope="col" data-sort="number">#</th><th scope="col">Image</th><th scope="col" data-sort="text">Sentence</th><th scope="col" data-sort="text">Language</th><th scope="col" data-sort="text">Branch</th><th scope="col" data-sort="number">Cosine</th><th scope="col" data-sort="text">Image changed prediction</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}
