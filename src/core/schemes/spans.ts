/**
 * The one walker between tags and spans. Reading is scheme-agnostic and lenient, with conlleval's
 * chunk rules (an `I-X` after `O` or after another type starts an entity), so it decodes IOB1,
 * IOB2 and BIOES alike; writing follows a scheme's encoding table. Conversion is read-then-write.
 */
import type { Span } from '../types.js';
import { OUTSIDE, type ParsedTag, SCHEME_ENCODINGS, splitTag, type TagScheme } from './tags.js';

function parts(tag: string | undefined): ParsedTag {
  // Malformed tags are read as O: validation reports them, decoding must not throw.
  return splitTag(tag ?? OUTSIDE) ?? splitTag(OUTSIDE)!;
}

/** Whether an entity open at `prev` ends before `cur` (conlleval's endOfChunk). */
function endsBefore(prev: ParsedTag, cur: ParsedTag): boolean {
  if (prev.prefix === OUTSIDE) return false;
  if (prev.prefix === 'E' || prev.prefix === 'S') return true;
  if (cur.prefix === OUTSIDE || cur.prefix === 'B' || cur.prefix === 'S') return true;
  return prev.type !== cur.type;
}

/** Whether `cur` starts an entity after `prev` (conlleval's startOfChunk). */
function startsAt(prev: ParsedTag, cur: ParsedTag): boolean {
  if (cur.prefix === OUTSIDE) return false;
  if (cur.prefix === 'B' || cur.prefix === 'S') return true;
  if (prev.prefix === OUTSIDE || prev.prefix === 'E' || prev.prefix === 'S') return true;
  return prev.type !== cur.type;
}

/** The entities of a tag sequence, in order, `end` exclusive. */
export function tagsToSpans(tags: readonly string[]): Span[] {
  const spans: Span[] = [];
  let open: Span | undefined;
  let prev = parts(undefined);
  for (let i = 0; i <= tags.length; i++) {
    const cur = parts(tags[i]);
    if (open && endsBefore(prev, cur)) {
      open.end = i;
      spans.push(open);
      open = undefined;
    }
    if (i < tags.length && startsAt(prev, cur)) open = { type: cur.type, start: i, end: i + 1 };
    prev = cur;
  }
  return spans;
}

/** Writes spans (sorted, non-overlapping) as tags of `length` tokens in `scheme`. */
export function spansToTags(spans: readonly Span[], length: number, scheme: TagScheme): string[] {
  const enc = SCHEME_ENCODINGS[scheme];
  const tags = new Array<string>(length).fill(OUTSIDE);
  let prevEnd = -1;
  let prevType = '';
  for (const s of spans) {
    if (s.start < prevEnd || s.end <= s.start || s.end > length) {
      throw new RangeError(`spans must be sorted, non-empty, non-overlapping and inside ${length} tokens`);
    }
    const afterSame = s.start === prevEnd && s.type === prevType && enc.firstAfterSameType;
    for (let i = s.start; i < s.end; i++) {
      let prefix: string;
      if (s.end - s.start === 1) prefix = enc.single;
      else if (i === s.start) prefix = enc.first;
      else if (i === s.end - 1) prefix = enc.last;
      else prefix = enc.inside;
      if (i === s.start && afterSame) prefix = enc.firstAfterSameType!;
      tags[i] = `${prefix}-${s.type}`;
    }
    prevEnd = s.end;
    prevType = s.type;
  }
  return tags;
}

/**
 * Converts a tag sequence between schemes. The same scheme returns a copy unchanged (no repair);
 * otherwise entities are read leniently, so an IOB2 `I-X` after `O` becomes an entity's start.
 */
export function convertTags(tags: readonly string[], from: TagScheme, to: TagScheme): string[] {
  if (from === to) return tags.slice();
  return spansToTags(tagsToSpans(tags), tags.length, to);
}
