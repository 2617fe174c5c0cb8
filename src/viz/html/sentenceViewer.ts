/**
 * One sentence beside its image: the gold spans and the predicted spans side by side, coloured by
 * type, with predictions that are not in gold (and gold spans not predicted) outlined. Extra
 * prediction rows (e.g. the text-only run's) show what the image changed.
 */
import type { EvalSentence } from '../../core/run/evalFile.js';
import { tagsToSpans } from '../../core/schemes/spans.js';
import { languageColor } from '../palette.js';
import { html, type ImageSrcOptions, type SafeHtml, safeImageSrc } from './escape.js';
import { tokensWithSpans } from './tokens.js';

export interface SentenceViewOptions extends ImageSrcOptions {
  /** The image: a data URI or a URL/relative path (checked by `safeImageSrc`). */
  image?: string;
  /** Label of the prediction column (default `Predicted`). */
  predictedLabel?: string;
  /** More prediction columns, e.g. `{ label: 'text-only', tags }`. */
  extra?: readonly { label: string; tags: readonly string[] }[];
  /** A line under the sentence (e.g. why it is shown). */
  note?: string;
}

/** The image cell: the picture, or a labelled placeholder when there is none (or it was refused). */
export function imageCell(src: string | undefined, alt: string, options: ImageSrcOptions = {}): SafeHtml {
  const safe = safeImageSrc(src, options);
  return safe
    ? html`<img class="mm-thumb" src="${safe}" alt="${alt}" decoding="async">`
    : html`<div class="mm-thumb mm-noimage" role="img" aria-label="${alt}">no image</div>`;
}

export function sentenceViewer(sentence: EvalSentence, options: SentenceViewOptions = {}): SafeHtml {
  const gold = tagsToSpans(sentence.gold);
  const pred = tagsToSpans(sentence.pred);
  const columns = [
    { label: 'Gold', body: tokensWithSpans(sentence.tokens, gold, { compareWith: pred }) },
    {
      label: options.predictedLabel ?? 'Predicted',
      body: tokensWithSpans(sentence.tokens, pred, { compareWith: gold }),
    },
    ...(options.extra ?? []).map((e) => ({
      label: e.label,
      body: tokensWithSpans(sentence.tokens, tagsToSpans(e.tags), { compareWith: gold }),
    })),
  ];
  return html`<figure class="mm-sentence" data-sentence="${sentence.id}" data-lang="${sentence.lang}">
<div class="mm-sentence-image">${imageCell(options.image, `image of sentence ${sentence.id}`, options)}</div>
<div class="mm-sentence-columns">${columns.map(
    (c) => html`<div class="mm-sentence-column"><div class="mm-column-label">${c.label}</div>${c.body}</div>`,
  )}</div>
<figcaption><span class="mm-swatch" style="background:${languageColor(sentence.lang)}"></span><bdi>${sentence.lang}</bdi> · <bdi class="mm-id">${sentence.id}</bdi>${
    sentence.subsets?.length
      ? html` · ${sentence.subsets.map((s, i) => html`${i > 0 ? ', ' : ''}<bdi>${s}</bdi>`)}`
      : ''
  }${options.note ? html` — ${options.note}` : ''}</figcaption>
</figure>`;
}
