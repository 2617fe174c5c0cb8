/** Sentences with gold and predicted spans beside their images (`SentencesPayload`). */
import { html } from '../../viz/html/escape.js';
import { sentenceViewer } from '../../viz/html/sentenceViewer.js';
import { setMarkup } from '../dom.js';
import { ImagePolicy } from '../images.js';
import { sentencesPayload } from '../payload.js';
import type { View } from './view.js';

/** Most sentences drawn in one output; a note says how many were left out. */
export const MAX_SENTENCES = 200;

export const renderSentences: View = (value, element) => {
  const { sentences } = sentencesPayload(value);
  const images = new ImagePolicy();
  const shown = sentences.slice(0, MAX_SENTENCES);
  const views = shown.map(({ imageUri, ...s }) =>
    sentenceViewer(s, { image: images.admit(imageUri), remote: false }),
  );
  setMarkup(
    element,
    html`<div class="mm-sentences">${views}${
      shown.length < sentences.length
        ? html`<p class="mm-note">${shown.length} of ${sentences.length} sentences shown.</p>`
        : ''
    }${sentences.length === 0 ? html`<p class="mm-note">No sentences.</p>` : ''}${images.note()}</div>`,
  );
};
