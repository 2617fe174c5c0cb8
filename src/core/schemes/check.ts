/**
 * Tag-sequence oddities that scorers accept but a strict reading of the scheme does not: an
 * IOB2 `I-X` that continues no `X` (Twitter-2015's gold has hundreds), an unclosed BIOES entity,
 * an IOB1 `B-X` that follows no `X`. Reported as positions, so validation can count them.
 */
import { OUTSIDE, splitTag, type TagScheme } from './tags.js';

export const SchemeIssueKind = {
  /** An inside/end tag (`I-X`, BIOES `E-X`) that does not continue an entity of type X. */
  strayInside: 'stray-inside',
  /** BIOES: a `B-X` or `I-X` not followed by `I-X` or `E-X`. */
  unclosed: 'unclosed',
  /** IOB1: a `B-X` that does not directly follow a token of type X. */
  needlessBegin: 'needless-begin',
} as const;
export type SchemeIssueKind = (typeof SchemeIssueKind)[keyof typeof SchemeIssueKind];

export interface SchemeIssue {
  kind: SchemeIssueKind;
  /** Token index of the odd tag. */
  index: number;
  tag: string;
  /** The tag before it (`O` at the sentence start). */
  previous: string;
}

/** Lists the oddities of one sentence's tags under `scheme`; malformed tags are skipped. */
export function checkScheme(tags: readonly string[], scheme: TagScheme): SchemeIssue[] {
  const issues: SchemeIssue[] = [];
  const none = splitTag(OUTSIDE)!;
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i]!;
    if (tag === OUTSIDE) continue;
    const cur = splitTag(tag);
    if (!cur) continue;
    const previous = tags[i - 1] ?? OUTSIDE;
    const prev = splitTag(previous) ?? none;
    const continues = prev.prefix !== OUTSIDE && prev.type === cur.type;
    let kind: SchemeIssueKind | undefined;
    let unclosed = false;
    if (scheme === 'IOB2') {
      if (cur.prefix === 'I' && !continues) kind = 'stray-inside';
    } else if (scheme === 'IOB1') {
      if (cur.prefix === 'B' && !continues) kind = 'needless-begin';
    } else {
      const next = splitTag(tags[i + 1] ?? OUTSIDE) ?? none;
      const opensBefore = continues && (prev.prefix === 'B' || prev.prefix === 'I');
      if ((cur.prefix === 'I' || cur.prefix === 'E') && !opensBefore) kind = 'stray-inside';
      const closedAfter = next.type === cur.type && (next.prefix === 'I' || next.prefix === 'E');
      unclosed = (cur.prefix === 'B' || cur.prefix === 'I') && !closedAfter;
    }
    if (kind) issues.push({ kind, index: i, tag, previous });
    if (unclosed) issues.push({ kind: 'unclosed', index: i, tag, previous });
  }
  return issues;
}
