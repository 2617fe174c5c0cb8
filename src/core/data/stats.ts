/**
 * Dataset counts per language × split (sentences, tokens, entities per type, subset sizes,
 * images found and missing) with totals, and their plain-text table. Pure: `mmner data stats`
 * loads the dataset and passes sentences, subsets and the found image ids.
 */
import { tagsToSpans } from '../schemes/spans.js';
import { ENTITY_TYPES, type Sentence } from '../types.js';

export interface StatsRow {
  /** A language code, or `all` in total rows. */
  lang: string;
  /** A split name, or `all` in total rows. */
  split: string;
  sentences: number;
  tokens: number;
  /** Entities per type: PER, LOC, ORG, MISC always, other types when present. */
  entities: Record<string, number>;
  /** Sentences of this row in each subset of the manifest. */
  subsets: Record<string, number>;
  images: { found: number; missing: number };
}

export interface DatasetStats {
  name: string;
  types: string[];
  subsets: string[];
  /** One row per language and split, then one per split (`lang: all`), then the grand total. */
  rows: StatsRow[];
}

export interface StatsInput {
  name: string;
  /** Split name → sentences (in manifest order). */
  splits: Record<string, readonly Sentence[]>;
  /** Subset name → ids. */
  subsets: Record<string, readonly string[]>;
  /** Image ids whose file exists; sentences without `image` count as neither found nor missing. */
  foundImages: ReadonlySet<string>;
}

function emptyRow(
  lang: string,
  split: string,
  types: readonly string[],
  subsets: readonly string[],
): StatsRow {
  return {
    lang,
    split,
    sentences: 0,
    tokens: 0,
    entities: Object.fromEntries(types.map((t) => [t, 0])),
    subsets: Object.fromEntries(subsets.map((s) => [s, 0])),
    images: { found: 0, missing: 0 },
  };
}

function addInto(into: StatsRow, row: StatsRow): void {
  into.sentences += row.sentences;
  into.tokens += row.tokens;
  for (const [t, c] of Object.entries(row.entities)) into.entities[t] = (into.entities[t] ?? 0) + c;
  for (const [s, c] of Object.entries(row.subsets)) into.subsets[s] = (into.subsets[s] ?? 0) + c;
  into.images.found += row.images.found;
  into.images.missing += row.images.missing;
}

export function computeStats(input: StatsInput): DatasetStats {
  const subsetNames = Object.keys(input.subsets);
  const members = subsetNames.map((name) => [name, new Set(input.subsets[name])] as const);
  const types = new Set<string>(ENTITY_TYPES);
  for (const sentences of Object.values(input.splits)) {
    for (const s of sentences) for (const span of tagsToSpans(s.tags)) types.add(span.type);
  }
  const typeList = [...types];
  const rows: StatsRow[] = [];
  const splitTotals: StatsRow[] = [];
  const total = emptyRow('all', 'all', typeList, subsetNames);
  const langs: string[] = [];
  for (const sentences of Object.values(input.splits))
    for (const s of sentences) if (!langs.includes(s.lang)) langs.push(s.lang);

  for (const [split, sentences] of Object.entries(input.splits)) {
    const byLang = new Map(langs.map((l) => [l, emptyRow(l, split, typeList, subsetNames)]));
    for (const s of sentences) {
      const row = byLang.get(s.lang)!;
      row.sentences++;
      row.tokens += s.tokens.length;
      for (const span of tagsToSpans(s.tags)) row.entities[span.type]!++;
      for (const [name, ids] of members) if (ids.has(s.id)) row.subsets[name]!++;
      if (s.image !== undefined) {
        if (input.foundImages.has(s.image)) row.images.found++;
        else row.images.missing++;
      }
    }
    const splitTotal = emptyRow('all', split, typeList, subsetNames);
    for (const row of byLang.values()) {
      if (row.sentences === 0) continue;
      rows.push(row);
      addInto(splitTotal, row);
    }
    splitTotals.push(splitTotal);
    addInto(total, splitTotal);
  }
  return { name: input.name, types: typeList, subsets: subsetNames, rows: [...rows, ...splitTotals, total] };
}

/** A right-aligned plain-text table, one line per row, a rule before the totals. */
export function formatStatsTable(stats: DatasetStats): string {
  const header = [
    'lang',
    'split',
    'sentences',
    'tokens',
    ...stats.types,
    ...stats.subsets,
    'images',
    'missing',
  ];
  const cells = stats.rows.map((r) => [
    r.lang,
    r.split,
    ...[
      r.sentences,
      r.tokens,
      ...stats.types.map((t) => r.entities[t] ?? 0),
      ...stats.subsets.map((s) => r.subsets[s] ?? 0),
      r.images.found,
      r.images.missing,
    ].map(String),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const firstTotal = stats.rows.findIndex((r) => r.lang === 'all');
  const body = cells.map(line);
  if (firstTotal > 0) body.splice(firstTotal, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return `${[line(header), ...body].join('\n')}\n`;
}
