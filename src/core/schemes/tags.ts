/**
 * Tag schemes as data: which prefixes each scheme writes at which position of an entity, and the
 * syntax of one tag (`O` or `<prefix>-<TYPE>`). Parsing, checking and conversion all read these
 * tables, so a scheme is added here and nowhere else.
 */

export const TagScheme = { IOB1: 'IOB1', IOB2: 'IOB2', BIOES: 'BIOES' } as const;
export type TagScheme = keyof typeof TagScheme;
export const TAG_SCHEMES: readonly TagScheme[] = ['IOB1', 'IOB2', 'BIOES'];
export function isTagScheme(s: string): s is TagScheme {
  return Object.hasOwn(TagScheme, s);
}

/** The prefix a scheme writes on the first / inner / last token of an entity, or a one-token one. */
export interface SchemeEncoding {
  first: string;
  inside: string;
  last: string;
  single: string;
  /** IOB1 only: the prefix of an entity's first token when it directly follows one of its type. */
  firstAfterSameType?: string;
}

export const SCHEME_ENCODINGS: Readonly<Record<TagScheme, SchemeEncoding>> = {
  IOB1: { first: 'I', inside: 'I', last: 'I', single: 'I', firstAfterSameType: 'B' },
  IOB2: { first: 'B', inside: 'I', last: 'I', single: 'B' },
  BIOES: { first: 'B', inside: 'I', last: 'E', single: 'S' },
};

/** The prefixes a scheme may use (besides the bare `O`). */
export function schemePrefixes(scheme: TagScheme): ReadonlySet<string> {
  const e = SCHEME_ENCODINGS[scheme];
  return new Set([
    e.first,
    e.inside,
    e.last,
    e.single,
    ...(e.firstAfterSameType ? [e.firstAfterSameType] : []),
  ]);
}

export const OUTSIDE = 'O';

/** A tag split into prefix and type; `O` has prefix `O` and type ''. Shared: do not mutate. */
export interface ParsedTag {
  readonly prefix: string;
  readonly type: string;
}

/** Entity type names: a letter, then letters, digits, `_`, `.` or `-` (`creative-work` is fine). */
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const OUTSIDE_TAG: ParsedTag = Object.freeze({ prefix: OUTSIDE, type: '' });
// A dataset has a handful of distinct tags; caching their parse keeps per-token work to a lookup.
const parsedCache = new Map<string, ParsedTag | null>();
const CACHE_LIMIT = 4096;

/** Splits a tag without judging its prefix; undefined when it is not `O` and not `X-TYPE`. */
export function splitTag(tag: string): ParsedTag | undefined {
  if (tag === OUTSIDE) return OUTSIDE_TAG;
  const cached = parsedCache.get(tag);
  if (cached !== undefined) return cached ?? undefined;
  let parsed: ParsedTag | null = null;
  if (tag.length >= 3 && tag[1] === '-' && TYPE_NAME.test(tag.slice(2))) {
    parsed = Object.freeze({ prefix: tag[0]!, type: tag.slice(2) });
  }
  if (parsedCache.size < CACHE_LIMIT) parsedCache.set(tag, parsed);
  return parsed ?? undefined;
}

/** Why a tag is not valid in a scheme, with what to do; undefined when it is valid. */
export function tagProblem(tag: string, scheme: TagScheme): { message: string; hint: string } | undefined {
  if (tag === OUTSIDE) return undefined;
  const prefixes = schemePrefixes(scheme);
  const parsed = splitTag(tag);
  if (parsed && prefixes.has(parsed.prefix)) return undefined;
  const form = `O or ${[...prefixes].map((p) => `${p}-TYPE`).join(' / ')} (${scheme})`;
  if (tag === '') return { message: 'empty tag', hint: `a tag is ${form}` };
  const upper = tag.toUpperCase();
  if (upper !== tag && (upper === OUTSIDE || prefixes.has(splitTag(upper)?.prefix ?? ''))) {
    const fixed = upper === OUTSIDE ? OUTSIDE : `${upper[0]}${tag.slice(1)}`;
    return {
      message: `tag '${tag}' has a lower-case prefix`,
      hint: `tags are case-sensitive: write '${fixed}'`,
    };
  }
  if (parsed) {
    const other = TAG_SCHEMES.find((s) => s !== scheme && schemePrefixes(s).has(parsed.prefix));
    const hint = other
      ? `'${parsed.prefix}-' belongs to ${other}: if the file is ${other}, say so (--scheme ${other}, or "scheme" in the manifest)`
      : `a tag is ${form}`;
    return { message: `tag '${tag}' has prefix '${parsed.prefix}-', which ${scheme} does not use`, hint };
  }
  if (/^[A-Za-z]-$/.test(tag))
    return { message: `tag '${tag}' has no entity type`, hint: `a tag is ${form}` };
  if (/^[A-Za-z][_:.][A-Za-z]/.test(tag)) {
    return {
      message: `tag '${tag}' separates prefix and type with '${tag[1]}'`,
      hint: `write '${tag[0]}-${tag.slice(2)}'`,
    };
  }
  return { message: `tag '${tag}' is not a tag of ${scheme}`, hint: `a tag is ${form}` };
}

/** Replaces the entity type of a tag by `typeMap[type]` when there is one (`B-OTHER` → `B-MISC`). */
export function mapTagType(tag: string, typeMap: Readonly<Record<string, string>> | undefined): string {
  if (!typeMap || tag === OUTSIDE) return tag;
  const parsed = splitTag(tag);
  if (!parsed) return tag;
  const to = Object.hasOwn(typeMap, parsed.type) ? typeMap[parsed.type] : undefined;
  return to === undefined ? tag : `${parsed.prefix}-${to}`;
}
