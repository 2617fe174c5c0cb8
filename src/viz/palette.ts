/**
 * The colours every view shares, so a language (or an entity type) has one colour in every chart,
 * table and sentence viewer of a run. The four task languages have fixed colours; any other code
 * gets one from a second palette by a hash of its name, so it too is the same everywhere.
 */

/** Fixed language colours, in the order languages are listed everywhere. */
export const LANGUAGE_COLORS: Readonly<Record<string, string>> = Object.freeze({
  en: '#4c78a8',
  fr: '#f58518',
  de: '#54a24b',
  es: '#e45756',
});

/** Colours for languages outside the four (chosen by hash, so stable across charts). */
export const EXTRA_LANGUAGE_COLORS: readonly string[] = Object.freeze([
  '#72b7b2',
  '#b279a2',
  '#9d755d',
  '#eeca3b',
  '#ff9da6',
  '#79706e',
]);

/** The pseudo-language of scores over all languages, drawn in a neutral grey. */
export const ALL = 'all';
export const ALL_COLOR = '#5f5f5f';

/** Entity type colours: light, so token text stays readable on them. */
export const TYPE_COLORS: Readonly<Record<string, string>> = Object.freeze({
  PER: '#b9d3f0',
  LOC: '#c4e6bc',
  ORG: '#fbd3a6',
  MISC: '#e2c8ec',
});
export const EXTRA_TYPE_COLORS: readonly string[] = Object.freeze([
  '#f7c6c7',
  '#c8ecec',
  '#f3e8a4',
  '#d9d9d9',
]);

/** FNV-1a over UTF-16 units: a small stable hash for picking a fallback colour. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The colour of a language code (or of `all`). */
export function languageColor(lang: string): string {
  if (lang === ALL) return ALL_COLOR;
  // hasOwn: a language or type named `constructor` must not find Object's own members.
  return (
    (Object.hasOwn(LANGUAGE_COLORS, lang) ? LANGUAGE_COLORS[lang] : undefined) ??
    EXTRA_LANGUAGE_COLORS[hash(lang) % EXTRA_LANGUAGE_COLORS.length]!
  );
}

/** The background colour of an entity type's spans. */
export function typeColor(type: string): string {
  return (
    (Object.hasOwn(TYPE_COLORS, type) ? TYPE_COLORS[type] : undefined) ??
    EXTRA_TYPE_COLORS[hash(type) % EXTRA_TYPE_COLORS.length]!
  );
}

/**
 * Languages in display order: en, fr, de, es, then the others alphabetically, `all` last.
 * @example orderLanguages(['es', 'all', 'pt', 'en']) // → ['en', 'es', 'pt', 'all']
 */
export function orderLanguages(langs: Iterable<string>): string[] {
  const fixed = Object.keys(LANGUAGE_COLORS);
  const set = new Set(langs);
  const rest = [...set].filter((l) => l !== ALL && !fixed.includes(l)).sort();
  return [...fixed.filter((l) => set.has(l)), ...rest, ...(set.has(ALL) ? [ALL] : [])];
}
