/**
 * Contamination check between two sets of sentences: which sentences of A also occur in B by
 * the same tokens, the same tokens and tags, or the same image id. Hash maps keyed by the joined
 * tokens make it linear in the data.
 */
import type { Sentence } from '../types.js';

export const OverlapKind = { tokens: 'tokens', tokensAndTags: 'tokens+tags', image: 'image' } as const;
export type OverlapKind = (typeof OverlapKind)[keyof typeof OverlapKind];
export const OVERLAP_KINDS: readonly OverlapKind[] = ['tokens', 'tokens+tags', 'image'];

/** A sentence as examples show it. */
export interface OverlapRef {
  id: string;
  file?: string;
  line?: number;
}

export interface OverlapCount {
  kind: OverlapKind;
  /** Sentences of A with at least one match in B. */
  inA: number;
  /** Sentences of B with at least one match in A. */
  inB: number;
  /** Distinct shared keys (sentences repeated within a side count once here). */
  distinct: number;
  examples: { a: OverlapRef; b: OverlapRef }[];
}

export interface OverlapReport {
  sizeA: number;
  sizeB: number;
  kinds: OverlapCount[];
}

// U+0000 cannot occur in a token of a text format (readers reject control characters).
const SEP = '\u0000';

function keyOf(s: Sentence, kind: OverlapKind): string | undefined {
  if (kind === 'image') return s.image;
  const tokens = s.tokens.join(SEP);
  return kind === 'tokens' ? tokens : `${tokens}${SEP}${SEP}${s.tags.join(SEP)}`;
}

function sameTags(x: Sentence, y: Sentence): boolean {
  return x.tags.length === y.tags.length && x.tags.every((t, i) => t === y.tags[i]);
}

function ref(s: Sentence): OverlapRef {
  return { id: s.id, ...(s.source ? { file: s.source.file, line: s.source.line } : {}) };
}

/** Counts shared sentences of A and B for each kind, with up to `examples` pairs each. */
export function findOverlap(a: readonly Sentence[], b: readonly Sentence[], examples = 5): OverlapReport {
  const kinds = OVERLAP_KINDS.map((kind): OverlapCount => {
    const inB = new Map<string, Sentence>();
    for (const s of b) {
      const k = keyOf(s, kind);
      if (k !== undefined && !inB.has(k)) inB.set(k, s);
    }
    const matchedKeys = new Set<string>();
    const found: OverlapCount = { kind, inA: 0, inB: 0, distinct: 0, examples: [] };
    const plain: OverlapCount['examples'] = [];
    for (const s of a) {
      const k = keyOf(s, kind);
      const other = k === undefined ? undefined : inB.get(k);
      if (!other || k === undefined) continue;
      found.inA++;
      if (!matchedKeys.has(k)) {
        // Pairs that the stricter kind would not match say more: show them first.
        const telling =
          kind === 'tokens'
            ? !sameTags(s, other)
            : kind === 'image'
              ? keyOf(s, 'tokens') !== keyOf(other, 'tokens')
              : false;
        if (telling && found.examples.length < examples) found.examples.push({ a: ref(s), b: ref(other) });
        else if (!telling && plain.length < examples) plain.push({ a: ref(s), b: ref(other) });
      }
      matchedKeys.add(k);
    }
    found.examples.push(...plain.slice(0, examples - found.examples.length));
    for (const s of b) {
      const k = keyOf(s, kind);
      if (k !== undefined && matchedKeys.has(k)) found.inB++;
    }
    found.distinct = matchedKeys.size;
    return found;
  });
  return { sizeA: a.length, sizeB: b.length, kinds };
}
