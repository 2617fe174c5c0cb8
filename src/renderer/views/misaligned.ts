/**
 * The least aligned sentence–image pairs (`MisalignedPayload`) as viz's table, sortable and
 * filterable by language and image branch; images only from inline data URIs.
 */
import { misalignedTable } from '../../viz/html/misalignedTable.js';
import { ImagePolicy } from '../images.js';
import { misalignedPayload } from '../payload.js';
import { sentencesFromTokens, showTable } from './tableView.js';
import type { View } from './view.js';

/** Most rows in one output (viz's table keeps the lowest cosines). */
export const MAX_PAIRS = 500;

export const renderMisaligned: View = (value, element, context) => {
  const { pairs, tokens, images } = misalignedPayload(value);
  const policy = new ImagePolicy();
  const admitted = policy.admitAll(images);
  const lang = new Map(pairs.map((p) => [p.sentenceId, p.lang]));
  const shown = [...pairs].sort((a, b) => a.cosine - b.cosine).slice(0, MAX_PAIRS);
  showTable(
    element,
    misalignedTable(pairs, sentencesFromTokens(tokens, lang), {
      images: admitted,
      limit: MAX_PAIRS,
      remote: false,
    }),
    shown.map((p) => ({ lang: p.lang, branch: p.branch })),
    [
      { attr: 'lang', label: 'Language' },
      { attr: 'branch', label: 'Branch' },
    ],
    context,
    policy.note(),
  );
};
