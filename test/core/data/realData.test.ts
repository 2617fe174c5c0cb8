/**
 * Every real file of ../shared/data reads without an error, with the counts SOURCES.md gives
 * (sentences, tokens, conlleval phrases) and the measured stray-I warnings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDataFile } from '../../../src/core/data/readFile.node.js';
import { NO_SHARED_DATA, shared } from './helpers.js';

interface Expected {
  path: string;
  format: string;
  sentences: number;
  tokens: number;
  /** Entities as conlleval reads them (SOURCES.md "gold phrases"). */
  phrases: number;
  /** I- tags that continue no entity (W_TAG_STRAY_I count); 0 when none. */
  stray: number;
}

const FILES: Expected[] = [
  {
    path: 'twitter2015/train.txt',
    format: 'imgid-conll',
    sentences: 4000,
    tokens: 64439,
    phrases: 6352,
    stray: 186,
  },
  {
    path: 'twitter2015/valid.txt',
    format: 'imgid-conll',
    sentences: 1000,
    tokens: 16178,
    phrases: 1594,
    stray: 53,
  },
  {
    path: 'twitter2015/test.txt',
    format: 'imgid-conll',
    sentences: 3257,
    tokens: 52822,
    phrases: 5207,
    stray: 135,
  },
  {
    path: 'twitter2017/train.txt',
    format: 'imgid-conll',
    sentences: 3373,
    tokens: 53007,
    phrases: 6049,
    stray: 0,
  },
  {
    path: 'twitter2017/valid.txt',
    format: 'imgid-conll',
    sentences: 723,
    tokens: 11309,
    phrases: 1324,
    stray: 0,
  },
  {
    path: 'twitter2017/test.txt',
    format: 'imgid-conll',
    sentences: 723,
    tokens: 11330,
    phrases: 1351,
    stray: 0,
  },
  {
    path: 'mmnerd-en/train.txt',
    format: 'imgid-conll',
    sentences: 19968,
    tokens: 328043,
    phrases: 41172,
    stray: 0,
  },
  {
    path: 'mmnerd-en/valid.txt',
    format: 'imgid-conll',
    sentences: 2463,
    tokens: 40584,
    phrases: 5109,
    stray: 0,
  },
  {
    path: 'mmnerd-en/test.txt',
    format: 'imgid-conll',
    sentences: 2533,
    tokens: 41889,
    phrases: 5181,
    stray: 0,
  },
  {
    path: 'wikineural/en.test.first2000.conllu',
    format: 'conll',
    sentences: 2000,
    tokens: 46992,
    phrases: 3380,
    stray: 70,
  },
  {
    path: 'wikineural/fr.test.first2000.conllu',
    format: 'conll',
    sentences: 2000,
    tokens: 47814,
    phrases: 3559,
    stray: 6,
  },
  {
    path: 'wikineural/de.test.first2000.conllu',
    format: 'conll',
    sentences: 2000,
    tokens: 34323,
    phrases: 2776,
    stray: 0,
  },
  {
    path: 'wikineural/es.test.first500.conllu',
    format: 'conll',
    sentences: 500,
    tokens: 11295,
    phrases: 749,
    stray: 0,
  },
  {
    path: 'conll2002-es/esp.testb',
    format: 'conll',
    sentences: 1517,
    tokens: 51533,
    phrases: 3559,
    stray: 0,
  },
];

for (const f of FILES) {
  test(`reads ${f.path}: ${f.sentences} sentences, ${f.tokens} tokens, ${f.stray} stray I-`, {
    skip: NO_SHARED_DATA,
  }, async () => {
    // Throw mode: any error would fail the test with its file:line.
    const r = await readDataFile(shared(f.path), { file: f.path, typeMap: { OTHER: 'MISC' } });
    assert.equal(r.format, f.format);
    assert.equal(r.stats.sentences, f.sentences);
    assert.equal(r.stats.tokens, f.tokens);
    assert.equal(
      Object.values(r.stats.entities).reduce((a, b) => a + b, 0),
      f.phrases,
    );
    const codes = r.problems.map((p) => p.code);
    assert.deepEqual(codes, f.stray > 0 ? ['W_TAG_STRAY_I'] : []);
    assert.equal(r.problems[0]?.count ?? 0, f.stray);
    assert.ok(r.sentences.every((s) => s.tags.length === s.tokens.length && s.tokens.every((t) => t !== '')));
    assert.deepEqual(
      new Set(r.sentences.flatMap((s) => s.tags.map((t) => t.slice(2))).filter(Boolean)),
      new Set(['PER', 'LOC', 'ORG', 'MISC']),
      'OTHER is mapped to MISC',
    );
  });
}

test('Twitter-2015 strict IOB2 phrase counts = conlleval phrases − stray I-', {
  skip: NO_SHARED_DATA,
}, async () => {
  const r = await readDataFile(shared('twitter2015/test.txt'), { file: 'test.txt' });
  const begins = r.sentences.flatMap((s) => s.tags).filter((t) => t.startsWith('B-')).length;
  assert.equal(begins, 5072); // SOURCES.md: seqeval strict IOB2
  assert.equal(begins, 5207 - 135);
  assert.match(r.problems[0]!.message, /after O: 126, at sentence start: 3, after another type: 6/);
});

test('MMNERD ids keep their dots and commas; Unicode-space tokens are tokens', {
  skip: NO_SHARED_DATA,
}, async () => {
  const mm = await readDataFile(shared('mmnerd-en/test.txt'), { file: 'test.txt' });
  assert.ok(mm.sentences.some((s) => s.id === '03433732---81KcMoDB8YL._SR500,500_' && s.image === s.id));
  // twitter2015/valid.txt:9658 is `U+00A0<TAB>O`; twitter2017/train.txt has five `U+200B<TAB>O`.
  const t15 = await readDataFile(shared('twitter2015/valid.txt'), { file: 'valid.txt' });
  assert.equal(t15.sentences.flatMap((s) => s.tokens).filter((t) => t === '\u00a0').length, 1);
  const t17 = await readDataFile(shared('twitter2017/train.txt'), { file: 'train.txt' });
  assert.equal(t17.sentences.flatMap((s) => s.tokens).filter((t) => t === '\u200b').length, 5);
});
