import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { isMmnerError } from '../../../src/core/errors.js';
import {
  type ScoreResult,
  StrictCounter,
  type StrictScheme,
  scoreSentences,
} from '../../../src/core/metrics/index.js';
import { DATA, perturb, prng, readTagged } from './golden.js';

/**
 * seqeval's strict entity walk (v1.Tokens.entities with the IOB2/IOBES pattern tables), written
 * sentence-at-a-time and independently of the streaming counter, as the reference.
 */
type Pattern = [prev: string, cur: string, type: 'ANY' | 'SAME' | 'DIFF'];
const TABLES: Record<StrictScheme, { start: Pattern[]; inside: Pattern[]; end: Pattern[] }> = {
  IOB2: {
    start: [['ANY', 'B', 'ANY']],
    inside: [
      ['B', 'I', 'SAME'],
      ['I', 'I', 'SAME'],
    ],
    end: [
      ['I', 'O', 'ANY'],
      ['I', 'I', 'DIFF'],
      ['I', 'B', 'ANY'],
      ['B', 'O', 'ANY'],
      ['B', 'I', 'DIFF'],
      ['B', 'B', 'ANY'],
    ],
  },
  BIOES: {
    start: [
      ['ANY', 'B', 'ANY'],
      ['ANY', 'S', 'ANY'],
    ],
    inside: [
      ['B', 'I', 'SAME'],
      ['B', 'E', 'SAME'],
      ['I', 'I', 'SAME'],
      ['I', 'E', 'SAME'],
    ],
    end: [
      ['S', 'ANY', 'ANY'],
      ['E', 'ANY', 'ANY'],
    ],
  },
};

interface Tok {
  prefix: string;
  type: string;
}
const tok = (tag: string): Tok => ({ prefix: tag[0]!, type: tag.slice(2) });
const matches = (ps: Pattern[], prev: Tok, cur: Tok) =>
  ps.some(
    ([p, c, t]) =>
      (p === 'ANY' || p === prev.prefix) &&
      (c === 'ANY' || c === cur.prefix) &&
      (t === 'ANY' || (t === 'SAME') === (prev.type === cur.type)),
  );

function referenceEntities(tags: readonly string[], scheme: StrictScheme): string[] {
  const table = TABLES[scheme];
  const ext = [...tags.map(tok), tok('O')];
  const out: string[] = [];
  let i = 0;
  let prev = tok('O');
  while (i < ext.length) {
    const cur = ext[i]!;
    if (matches(table.start, prev, cur)) {
      let end = ext.length - 1;
      let p = cur;
      for (let j = i + 1; j < ext.length; j++) {
        if (matches(table.inside, p, ext[j]!)) p = ext[j]!;
        else {
          end = j;
          break;
        }
      }
      if (matches(table.end, ext[end - 1]!, ext[end]!)) out.push(`${cur.type}:${i}:${end}`);
      i = end;
    } else {
      i++;
    }
    prev = ext[i - 1]!;
  }
  return out;
}

function reference(gold: string[][], pred: string[][], scheme: StrictScheme) {
  const perType = new Map<string, { gold: number; pred: number; correct: number }>();
  const t = (type: string) =>
    perType.get(type) ?? perType.set(type, { gold: 0, pred: 0, correct: 0 }).get(type)!;
  let foundGold = 0;
  let foundPred = 0;
  let correct = 0;
  gold.forEach((g, s) => {
    const ge = referenceEntities(g, scheme);
    const pe = new Set(referenceEntities(pred[s]!, scheme));
    for (const e of pe) t(e.split(':')[0]!).pred++;
    foundPred += pe.size;
    for (const e of ge) {
      foundGold++;
      t(e.split(':')[0]!).gold++;
      if (pe.has(e)) {
        correct++;
        t(e.split(':')[0]!).correct++;
      }
    }
  });
  return { foundGold, foundPred, correct, perType };
}

function randomSentences(seed: number, scheme: StrictScheme, lengths: readonly number[]): string[][] {
  const rnd = prng(seed);
  const prefixes = scheme === 'IOB2' ? ['B', 'I'] : ['B', 'I', 'E', 'S'];
  return lengths.map((length) =>
    Array.from({ length }, () =>
      rnd() < 0.4 ? 'O' : `${prefixes[Math.floor(rnd() * prefixes.length)]}-${rnd() < 0.5 ? 'A' : 'B'}`,
    ),
  );
}

function sameAsReference(r: ScoreResult, ref: ReturnType<typeof reference>) {
  assert.deepEqual(
    [r.counts.foundGold, r.counts.foundPred, r.counts.correct],
    [ref.foundGold, ref.foundPred, ref.correct],
  );
  for (const t of r.types) {
    const e = ref.perType.get(t.type)!;
    assert.deepEqual([t.foundGold, t.foundPred, t.correct], [e.gold, e.pred, e.correct], t.type);
  }
}

for (const scheme of ['IOB2', 'BIOES'] as const) {
  test(`strict ${scheme} counts what seqeval's strict walk counts, on 3,000 random sentences`, () => {
    const rnd = prng(10);
    const lengths = Array.from({ length: 3000 }, () => Math.floor(rnd() * 12));
    const gold = randomSentences(scheme === 'IOB2' ? 11 : 12, scheme, lengths);
    const pred = randomSentences(scheme === 'IOB2' ? 13 : 14, scheme, lengths);
    const r = scoreSentences(gold, pred, { mode: 'strict', scheme });
    const ref = reference(gold, pred, scheme);
    assert.ok(ref.correct > 100, 'the random data has matches to count');
    sameAsReference(r, ref);
    // Fed in two halves with result() between, the stream gives the same numbers.
    const counter = new StrictCounter(scheme);
    gold.forEach((g, s) => {
      if (s > 0) counter.boundary();
      if (s === 1500) counter.result();
      for (let i = 0; i < g.length; i++) counter.token(g[i]!, pred[s]![i]!);
    });
    assert.deepEqual(counter.result(), r);
  });
}

test('strict IOB2: a stray I- starts nothing; B-X I-Y ends at the type change', () => {
  const r = scoreSentences(
    [['O', 'I-PER', 'I-PER', 'B-LOC', 'I-ORG']],
    [['O', 'I-PER', 'I-PER', 'B-LOC', 'O']],
    {
      mode: 'strict',
    },
  );
  assert.deepEqual(r.counts, { tokens: 5, correctTags: 4, foundGold: 1, foundPred: 1, correct: 1 });
  assert.deepEqual(
    r.types.map((t) => t.type),
    ['LOC'],
  );
  // conlleval counts the I-PER run and the I-ORG as chunks too.
  const lenient = scoreSentences(
    [['O', 'I-PER', 'I-PER', 'B-LOC', 'I-ORG']],
    [['O', 'I-PER', 'I-PER', 'B-LOC', 'O']],
  );
  assert.deepEqual([lenient.counts.foundGold, lenient.counts.correct], [3, 2]);
});

test('strict: an entity ends at a sentence break and at the end of input', () => {
  const r = scoreSentences(
    [['B-PER'], ['I-PER', 'B-LOC', 'I-LOC']],
    [['B-PER'], ['I-PER', 'B-LOC', 'I-LOC']],
    {
      mode: 'strict',
    },
  );
  assert.deepEqual([r.counts.foundGold, r.counts.correct], [2, 2]);
});

test('strict BIOES: only closed entities count', () => {
  const gold = [['B-PER', 'I-PER', 'E-PER', 'S-LOC', 'B-ORG', 'I-ORG', 'O', 'B-PER', 'E-LOC', 'E-PER']];
  const pred = [['B-PER', 'E-PER', 'O', 'S-LOC', 'B-ORG', 'E-ORG', 'O', 'S-PER', 'O', 'O']];
  const r = scoreSentences(gold, pred, { mode: 'strict', scheme: 'BIOES' });
  // gold: PER 0-3, LOC 3-4 (B-ORG I-ORG O and B-PER E-LOC never close); pred: PER 0-2, LOC, ORG 4-6, PER 7-8.
  assert.deepEqual([r.counts.foundGold, r.counts.foundPred, r.counts.correct], [2, 4, 1]);
  assert.equal(r.scheme, 'BIOES');
});

test('strict: tags outside the scheme are errors naming the tag', () => {
  for (const [tag, scheme] of [
    ['E-PER', 'IOB2'],
    ['S-PER', 'IOB2'],
    ['PER', 'IOB2'],
    ['B-', 'IOB2'],
    ['B', 'BIOES'],
    ['X-PER', 'BIOES'],
  ] as const) {
    assert.throws(
      () => scoreSentences([['O', tag]], [['O', 'O']], { mode: 'strict', scheme }),
      (e) => isMmnerError(e) && e.code === 'E_SCORE_TAG' && e.message.includes(`'${tag}'`),
      tag,
    );
  }
});

const hasData = existsSync(DATA);
test('phrase counts of the real gold files (SOURCES.md): conlleval vs strict IOB2', {
  skip: !hasData && `no ${DATA}`,
}, () => {
  const expected: [string, number, number][] = [
    ['twitter2015/test.txt', 5207, 5072],
    ['twitter2015/train.txt', 6352, 6166],
    ['twitter2015/valid.txt', 1594, 1541],
    ['twitter2017/test.txt', 1351, 1351],
  ];
  for (const [file, lenient, strict] of expected) {
    const tags = readTagged(`${DATA}/${file}`).map((s) => s.tags);
    assert.equal(scoreSentences(tags, tags).counts.foundGold, lenient, `${file} conlleval`);
    const r = scoreSentences(tags, tags, { mode: 'strict' });
    assert.equal(r.counts.foundGold, strict, `${file} strict`);
    assert.equal(r.overall.f1, 100);
  }
});

test('on valid IOB2 on both sides, strict and conlleval agree', { skip: !hasData && `no ${DATA}` }, () => {
  const sentences = readTagged(`${DATA}/twitter2017/test.txt`);
  const gold = sentences.map((s) => s.tags);
  const pred = perturb(sentences, { seed: 21, types: ['PER', 'LOC', 'ORG', 'MISC'], spelling: 'IOB2' });
  const a = scoreSentences(gold, pred);
  const b = scoreSentences(gold, pred, { mode: 'strict' });
  assert.ok(a.counts.correct < a.counts.foundGold);
  assert.deepEqual(b.counts, a.counts);
  assert.deepEqual(b.types, a.types);
});
