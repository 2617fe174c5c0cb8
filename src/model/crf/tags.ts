/**
 * The CRF's tag vocabulary: IOB2 tags over a list of entity types in a fixed order (`O`, then
 * `B-X`, `I-X` per type) or BIOES tags (`O`, then `B-X`, `I-X`, `E-X`, `S-X`), and which
 * transitions the scheme allows. The CRF turns the disallowed ones into a large negative score,
 * so a decoded sequence is always valid in its scheme; `iob2View` reads it back as IOB2.
 */
import { MmnerError } from '../../core/errors.js';
import { OUTSIDE, type ParsedTag, splitTag } from '../../core/schemes/index.js';

/**
 * The IOB2 tags for `entityTypes`, in the order the CRF indexes them:
 * `['O', 'B-<t0>', 'I-<t0>', 'B-<t1>', 'I-<t1>', …]`. Tag `k` of type `i` is `1 + 2i` (B) or
 * `2 + 2i` (I).
 */
export function iob2Tags(entityTypes: readonly string[]): string[] {
  checkTypes(entityTypes);
  return [OUTSIDE, ...entityTypes.flatMap((t) => [`B-${t}`, `I-${t}`])];
}

/** The schemes the CRF can tag in (data and output are IOB2 either way). */
export const CRF_SCHEMES = ['IOB2', 'BIOES'] as const;
export type CrfScheme = (typeof CRF_SCHEMES)[number];

/**
 * The CRF's tags in `scheme`: IOB2 as `iob2Tags`; BIOES `['O', 'B-<t0>', 'I-<t0>', 'E-<t0>',
 * 'S-<t0>', …]`, where an entity's last token (`E`) and one-token entities (`S`) have tags of
 * their own, so the model scores where an entity ends, not only where it starts.
 */
export function crfTags(entityTypes: readonly string[], scheme: CrfScheme): string[] {
  if (scheme === 'IOB2') return iob2Tags(entityTypes);
  if (scheme !== 'BIOES') {
    throw new MmnerError('CRF_TAGS', `unknown CRF tag scheme '${String(scheme)}'`, {
      hint: `use one of ${CRF_SCHEMES.join(', ')}`,
    });
  }
  checkTypes(entityTypes);
  return [OUTSIDE, ...entityTypes.flatMap((t) => [`B-${t}`, `I-${t}`, `E-${t}`, `S-${t}`])];
}

/** Each tag as IOB2 (`E-X` → `I-X`, `S-X` → `B-X`): exact for any path valid in BIOES. */
export function iob2View(tags: readonly string[]): string[] {
  return tags.map((tag) => {
    const p = splitTag(tag);
    if (p?.prefix === 'E') return `I-${p.type}`;
    if (p?.prefix === 'S') return `B-${p.type}`;
    return tag;
  });
}

function checkTypes(entityTypes: readonly string[]): void {
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
 * The rules over `tags` (any order). IOB2 (each `O`, `B-X` or `I-X`): `I-X` only after `B-X` or
 * `I-X`, never first in a sentence; anything else may follow anything, and any tag may end.
 * BIOES (some tag is `E-X` or `S-X`): `I-X` and `E-X` only after `B-X` or `I-X`; `O`, `B-X` and
 * `S-X` only first or after `O`, `E-Y` or `S-Y`; a sentence ends only on `O`, `E-X` or `S-X`.
 */
export function allowedTransitions(tags: readonly string[]): TransitionRules {
  const bioes = tags.some((tag) => /^[ES]-/.test(tag));
  const prefixes = bioes ? ['O', 'B', 'I', 'E', 'S'] : ['O', 'B', 'I'];
  const parsed = tags.map((tag) => {
    const p = splitTag(tag);
    if (!p || !prefixes.includes(p.prefix)) {
      throw new MmnerError('CRF_TAGS', `tag '${tag}' is not an ${bioes ? 'BIOES' : 'IOB2'} tag`, {
        hint: 'CRF tags are O, B-TYPE, I-TYPE (IOB2) and E-TYPE, S-TYPE (BIOES); make them with crfTags',
      });
    }
    return p;
  });
  // In BIOES, `inside` tags continue an entity and `open` tags leave one to continue.
  const inside = (p: ParsedTag) => p.prefix === 'I' || (bioes && p.prefix === 'E');
  const open = (p: ParsedTag) => bioes && (p.prefix === 'B' || p.prefix === 'I');
  const k = tags.length;
  const transitions = new Uint8Array(k * k);
  const start = new Uint8Array(k);
  const end = new Uint8Array(k);
  for (let to = 0; to < k; to++) {
    const t = parsed[to]!;
    start[to] = inside(t) ? 0 : 1;
    end[to] = open(t) ? 0 : 1;
    for (let from = 0; from < k; from++) {
      const f = parsed[from]!;
      const ok = inside(t) ? (f.prefix === 'B' || f.prefix === 'I') && f.type === t.type : !open(f);
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
