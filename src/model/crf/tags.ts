/**
 * The CRF's tag vocabulary: IOB2 tags over a list of entity types in a fixed order
 * (`O`, then `B-X`, `I-X` per type), and which transitions IOB2 allows. The CRF turns the
 * disallowed ones into a large negative score, so a decoded sequence is always valid IOB2.
 */
import { MmnerError } from '../../core/errors.js';
import { OUTSIDE, splitTag } from '../../core/schemes/index.js';

/**
 * The IOB2 tags for `entityTypes`, in the order the CRF indexes them:
 * `['O', 'B-<t0>', 'I-<t0>', 'B-<t1>', 'I-<t1>', …]`. Tag `k` of type `i` is `1 + 2i` (B) or
 * `2 + 2i` (I).
 */
export function iob2Tags(entityTypes: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const type of entityTypes) {
    if (!splitTag(`B-${type}`)) {
      throw new MmnerError('CRF_TAGS', `'${type}' is not an entity type name`, {
        hint: 'an entity type is a letter followed by letters, digits, _, . or - (e.g. PER)',
      });
    }
    if (seen.has(type)) {
      throw new MmnerError('CRF_TAGS', `entity type '${type}' is listed twice`, {
        hint: 'list each entity type once',
      });
    }
    seen.add(type);
  }
  return [OUTSIDE, ...entityTypes.flatMap((t) => [`B-${t}`, `I-${t}`])];
}

/**
 * Which transitions a tag sequence may take. All arrays hold 1 (allowed) or 0 (not allowed).
 * `transitions` is `[numTags (to), numTags (from)]` row-major, the layout of `Crf.transitions`:
 * entry `to * numTags + from` says whether tag `to` may follow tag `from`.
 */
export interface TransitionRules {
  readonly numTags: number;
  /** `[to, from]`, row-major. */
  readonly transitions: Uint8Array;
  /** `[numTags]`: may a sentence start with this tag. */
  readonly start: Uint8Array;
  /** `[numTags]`: may a sentence end with this tag. */
  readonly end: Uint8Array;
}

/**
 * The IOB2 rules over `tags` (any order, each `O`, `B-X` or `I-X`): `I-X` only after `B-X` or
 * `I-X`, never first in a sentence; anything else may follow anything, and any tag may end.
 */
export function allowedTransitions(tags: readonly string[]): TransitionRules {
  const parsed = tags.map((tag) => {
    const p = splitTag(tag);
    if (!p || (p.prefix !== OUTSIDE && p.prefix !== 'B' && p.prefix !== 'I')) {
      throw new MmnerError('CRF_TAGS', `tag '${tag}' is not an IOB2 tag`, {
        hint: 'CRF tags are O, B-TYPE or I-TYPE (make them with iob2Tags)',
      });
    }
    return p;
  });
  const k = tags.length;
  const transitions = new Uint8Array(k * k);
  const start = new Uint8Array(k);
  const end = new Uint8Array(k).fill(1);
  for (let to = 0; to < k; to++) {
    const t = parsed[to]!;
    start[to] = t.prefix === 'I' ? 0 : 1;
    for (let from = 0; from < k; from++) {
      const f = parsed[from]!;
      const ok = t.prefix !== 'I' || (f.prefix !== OUTSIDE && f.type === t.type);
      transitions[to * k + from] = ok ? 1 : 0;
    }
  }
  return { numTags: k, transitions, start, end };
}

/** Rules that allow everything: an unconstrained CRF. */
export function noTransitionRules(numTags: number): TransitionRules {
  return {
    numTags,
    transitions: new Uint8Array(numTags * numTags).fill(1),
    start: new Uint8Array(numTags).fill(1),
    end: new Uint8Array(numTags).fill(1),
  };
}

/** Whether a tag-index path obeys `rules` (start, every transition, end). */
export function isAllowedPath(path: readonly number[], rules: TransitionRules): boolean {
  if (path.length === 0) return true;
  if (!rules.start[path[0]!]) return false;
  for (let t = 1; t < path.length; t++) {
    if (!rules.transitions[path[t]! * rules.numTags + path[t - 1]!]) return false;
  }
  return rules.end[path[path.length - 1]!] === 1;
}
