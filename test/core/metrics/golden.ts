/**
 * Recreates the golden conlleval inputs from the real data files: predictions derived from gold
 * tags by a seeded generator (dropped, retyped, shifted, split, merged and spurious entities;
 * stray I- tags; IOB1/BIOES spellings; malformed tags). Shared by the golden test and by
 * test/fixtures/conlleval/make-expected.mjs, so only expected reports are committed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared data folder beside the repository (`../shared/data`), or MMNER_SHARED_DATA. */
export const DATA =
  process.env.MMNER_SHARED_DATA ?? fileURLToPath(new URL('../../../../shared/data', import.meta.url));

/** mulberry32: a tiny seeded PRNG, stable across platforms. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TaggedSentence {
  tokens: string[];
  tags: string[];
}

/** CoNLL columns or IMGID-CoNLL: last column the tag, the one before it the token. */
export function readTagged(path: string): TaggedSentence[] {
  const sentences: TaggedSentence[] = [];
  let cur: TaggedSentence = { tokens: [], tags: [] };
  const flush = () => {
    if (cur.tokens.length > 0) sentences.push(cur);
    cur = { tokens: [], tags: [] };
  };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('IMGID:')) {
      flush();
      continue;
    }
    const cols = line.includes('\t') ? line.split('\t') : line.split(' ');
    cur.tokens.push(cols[cols.length - 2]!);
    cur.tags.push(cols[cols.length - 1]!);
  }
  flush();
  return sentences;
}

interface Span {
  type: string;
  start: number;
  end: number;
}

/** Lenient decoding (an I- after O or after another type starts an entity). */
function spansOf(tags: readonly string[]): Span[] {
  const spans: Span[] = [];
  let open: Span | undefined;
  tags.forEach((tag, i) => {
    const type = tag === 'O' ? '' : tag.slice(2);
    if (open && (tag === 'O' || tag.startsWith('B-') || type !== open.type)) {
      spans.push(open);
      open = undefined;
    }
    if (!open && tag !== 'O') open = { type, start: i, end: i + 1 };
    else if (open) open.end = i + 1;
  });
  if (open) spans.push(open);
  return spans;
}

export type Spelling = 'IOB2' | 'IOB1' | 'BIOES';

function encode(spans: readonly Span[], length: number, spelling: Spelling): string[] {
  const tags = new Array<string>(length).fill('O');
  let prev: Span | undefined;
  for (const s of spans) {
    for (let i = s.start; i < s.end; i++) {
      let p = 'I';
      if (spelling === 'IOB2') p = i === s.start ? 'B' : 'I';
      else if (spelling === 'IOB1')
        p = i === s.start && prev?.end === s.start && prev.type === s.type ? 'B' : 'I';
      else if (s.end - s.start === 1) p = 'S';
      else p = i === s.start ? 'B' : i === s.end - 1 ? 'E' : 'I';
      tags[i] = `${p}-${s.type}`;
    }
    prev = s;
  }
  return tags;
}

export const MALFORMED = [
  'B',
  'I',
  'PER',
  'B-',
  'I-',
  'B-0',
  '[-PER',
  ']-LOC',
  '.-ORG',
  'B-I-PER',
  'E-LOC',
  'S-ORG',
  'b-per',
  'X-MISC',
  'O-PER',
  '-',
];

export interface PerturbOptions {
  seed: number;
  types: readonly string[];
  spelling: Spelling;
  /** Probability per O token of a stray `I-X`. */
  stray?: number;
  /** Probability per token of a malformed tag from MALFORMED. */
  malformed?: number;
}

/** Predicted tags for every sentence, derived from its gold tags. */
export function perturb(sentences: readonly TaggedSentence[], o: PerturbOptions): string[][] {
  const rnd = prng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  return sentences.map(({ tags }) => {
    const n = tags.length;
    const out: Span[] = [];
    for (const s of spansOf(tags)) {
      const r = rnd();
      if (r < 0.07) continue; // dropped
      const t = { ...s };
      if (r < 0.14) t.type = pick(o.types.filter((x) => x !== s.type));
      else if (r < 0.19) t.start = Math.min(Math.max(0, t.start + (rnd() < 0.5 ? -1 : 1)), t.end - 1);
      else if (r < 0.24) t.end = Math.max(Math.min(n, t.end + (rnd() < 0.5 ? -1 : 1)), t.start + 1);
      else if (r < 0.27 && t.end - t.start >= 2) {
        const cut = t.start + 1 + Math.floor(rnd() * (t.end - t.start - 1));
        out.push({ ...t, end: cut });
        t.start = cut;
      } else if (r < 0.3) t.end = Math.min(n, t.end + 2); // swallows what follows
      out.push(t);
    }
    for (let i = 0; i < n; i++) {
      if (tags[i] === 'O' && rnd() < 0.012)
        out.push({ type: pick(o.types), start: i, end: Math.min(n, i + 1 + Math.floor(rnd() * 2)) });
    }
    out.sort((a, b) => a.start - b.start || b.end - a.end);
    const kept: Span[] = [];
    for (const s of out) if (s.start >= (kept[kept.length - 1]?.end ?? 0)) kept.push(s);
    const pred = encode(kept, n, o.spelling);
    for (let i = 0; i < n; i++) {
      if (pred[i] === 'O' && rnd() < (o.stray ?? 0)) pred[i] = `I-${pick(o.types)}`;
      if (rnd() < (o.malformed ?? 0)) pred[i] = pick(MALFORMED);
    }
    return pred;
  });
}

export interface GoldenCase {
  name: string;
  /** Data file under DATA. */
  source: string;
  perturb: PerturbOptions;
  /** conlleval's delimiter: one space (default) or a tab (run with -d '\t'). */
  delimiter: ' ' | '\t';
  /** Adds a -DOCSTART- line first and every 100 sentences, and -X- lines for some breaks. */
  boundaryLines?: boolean;
  /** Only the first N sentences. */
  limit?: number;
}

const TW15 = ['PER', 'LOC', 'ORG', 'OTHER'];
const PLOM = ['PER', 'LOC', 'ORG', 'MISC'];

export const GOLDEN_CASES: readonly GoldenCase[] = [
  {
    name: 'tw15-test-iob2',
    source: 'twitter2015/test.txt',
    delimiter: ' ',
    perturb: { seed: 1, types: TW15, spelling: 'IOB2' },
  },
  {
    name: 'tw15-test-iob2-stray',
    source: 'twitter2015/test.txt',
    delimiter: ' ',
    perturb: { seed: 2, types: TW15, spelling: 'IOB2', stray: 0.01 },
  },
  {
    name: 'tw15-test-iob1',
    source: 'twitter2015/test.txt',
    delimiter: ' ',
    perturb: { seed: 3, types: TW15, spelling: 'IOB1', stray: 0.005 },
  },
  {
    name: 'tw15-test-bioes',
    source: 'twitter2015/test.txt',
    delimiter: ' ',
    perturb: { seed: 4, types: TW15, spelling: 'BIOES' },
  },
  {
    name: 'tw15-test-malformed-tab',
    source: 'twitter2015/test.txt',
    delimiter: '\t',
    boundaryLines: true,
    perturb: { seed: 5, types: TW15, spelling: 'IOB2', stray: 0.005, malformed: 0.01 },
  },
  {
    name: 'tw17-test-iob2',
    source: 'twitter2017/test.txt',
    delimiter: ' ',
    perturb: { seed: 6, types: PLOM, spelling: 'IOB2', stray: 0.005 },
  },
  {
    name: 'wikineural-en-iob1',
    source: 'wikineural/en.test.first2000.conllu',
    delimiter: '\t',
    perturb: { seed: 7, types: PLOM, spelling: 'IOB1', stray: 0.003 },
  },
  {
    name: 'conll2002-es-bioes',
    source: 'conll2002-es/esp.testb',
    delimiter: ' ',
    limit: 500,
    boundaryLines: true,
    perturb: { seed: 8, types: PLOM, spelling: 'BIOES', malformed: 0.005 },
  },
];

/** The conlleval input of a golden case: `token [doc] gold pred` lines, sentences apart. */
export function goldenInput(c: GoldenCase): string {
  let sentences = readTagged(`${DATA}/${c.source}`);
  if (c.limit) sentences = sentences.slice(0, c.limit);
  const pred = perturb(sentences, c.perturb);
  const d = c.delimiter;
  const extra = c.boundaryLines; // a 4th column, so -DOCSTART- -X- O O fits
  const row = (cols: string[]) => `${cols.join(d)}\n`;
  let out = '';
  sentences.forEach((s, k) => {
    if (extra && k % 100 === 0) out += row(['-DOCSTART-', '-X-', 'O', k % 200 === 0 ? 'O' : 'B-PER']);
    if (k > 0) out += extra && k % 7 === 0 ? row(['-X-', '-X-', 'O', 'O']) : '\n';
    s.tokens.forEach((tok, i) => {
      out += row(extra ? [tok, 'x', s.tags[i]!, pred[k]![i]!] : [tok, s.tags[i]!, pred[k]![i]!]);
    });
  });
  return out;
}

/** Random tag soup over every chunk tag conlleval knows and some it does not. */
export function tagSoupInput(seed: number, tokens: number): string {
  const rnd = prng(seed);
  const chunks = ['B', 'I', 'E', 'S', 'O', 'O', 'O', '[', ']', '.', 'X', ''];
  const types = ['A', 'B', 'AB', '', '0'];
  const tag = () => {
    const c = chunks[Math.floor(rnd() * chunks.length)]!;
    if (c === 'O' && rnd() < 0.8) return 'O';
    const r = rnd();
    return r < 0.1 && c !== '' ? c : `${c}-${types[Math.floor(rnd() * types.length)]}`;
  };
  let out = '';
  for (let i = 0; i < tokens; i++) {
    const r = rnd();
    if (r < 0.05) out += '\n';
    else if (r < 0.07) out += '-X- O O\n';
    out += `w${i} ${tag()} ${tag()}\n`;
  }
  return out;
}

export const TAG_SOUP = { name: 'tag-soup', seed: 9, tokens: 20000 } as const;
