/**
 * IMGID-CoNLL, the Twitter-2015/2017 and MMNERD layout: an `IMGID:<id>` line, one
 * `token<TAB>tag` line per token, one blank line between sentences.
 */
import type { Sentence } from '../types.js';

/** Writes sentences in IMGID-CoNLL (LF line ends, one blank line between sentences). */
export function formatImgidConll(sentences: readonly Sentence[]): string {
  return sentences
    .map((s) => `IMGID:${s.image ?? s.id}\n${s.tokens.map((t, i) => `${t}\t${s.tags[i]}\n`).join('')}`)
    .join('\n');
}
