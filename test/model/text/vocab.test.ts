import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CASING_CLASSES,
  casingOf,
  encodeTextBatch,
  PAD_ID,
  TextVocab,
  UNK_ID,
  wordChars,
} from '../../../src/model/text/vocab.js';

const train = [
  { tokens: ['Donald', 'Trump', 'visits', 'Paris', 'in', '2017'] },
  { tokens: ['trump', 'in', 'Paris', '!'] },
  { tokens: ['Zoë', 'in', 'Köln'] },
];

test('word ids: lower-cased keys, digits → 0, unseen → <unk>, deterministic order', () => {
  const v = TextVocab.build(train);
  assert.equal(v.words[PAD_ID], '<pad>');
  assert.equal(v.words[UNK_ID], '<unk>');
  // "in" (3×) first, then the two-count words in code-point order.
  assert.deepEqual(v.words.slice(2, 5), ['in', 'paris', 'trump']);
  assert.equal(v.wordId('TRUMP'), v.wordId('trump'));
  assert.equal(v.wordId('1999'), v.wordId('2017'));
  assert.equal(v.wordId('Berlin'), UNK_ID);
  assert.equal(v.countOf(v.wordId('trump')), 2);
  assert.deepEqual(TextVocab.build(train).toJSON(), v.toJSON());
});

test('cased tables fall back to the lower-case key; minWordCount drops rare words', () => {
  const v = TextVocab.build(train, { lowercase: false });
  assert.notEqual(v.wordId('Trump'), v.wordId('trump'));
  assert.equal(v.wordId('IN'), v.wordId('in'));
  assert.equal(v.wordId('Visits'), v.wordId('visits'));
  assert.equal(v.wordId('Berlin'), UNK_ID);
  const rare = TextVocab.build(train, { minWordCount: 2 });
  assert.equal(rare.wordId('visits'), UNK_ID);
  assert.notEqual(rare.wordId('paris'), UNK_ID);
});

test('characters: NFC code points, unseen → <unk>', () => {
  const v = TextVocab.build(train);
  assert.equal(v.charId('ë'), v.charId('e\u0308'.normalize('NFC')));
  assert.equal(v.charId('ß'), UNK_ID);
  assert.ok(v.charId('T') > UNK_ID);
});

test('casing classes', () => {
  const cases: [string, string][] = [
    ['paris', 'lower'],
    ['USA', 'upper'],
    ['Paris', 'title'],
    ['I', 'title'],
    ['iPhone', 'mixed'],
    ['McDonald', 'mixed'],
    ['2017', 'numeric'],
    ['10:30', 'numeric'],
    ['A380', 'alnum'],
    ['!', 'punct'],
    ['@realDonaldTrump', 'mention'],
    ['#NBAAwards', 'hashtag'],
    ['https://t.co/x1', 'url'],
    ['www.example.com', 'url'],
    ['東京', 'uncased'],
    ['😀', 'other'],
    ['', 'other'],
  ];
  for (const [token, want] of cases) assert.equal(casingOf(token), want, token);
  assert.equal(CASING_CLASSES[0], '<pad>');
});

test('JSON round trip keeps every id; bad JSON is an MmnerError', () => {
  const v = TextVocab.build(train, { lowercase: false, minCharCount: 2 });
  const back = TextVocab.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
  assert.deepEqual(back.toJSON(), v.toJSON());
  for (const t of ['Trump', 'trump', 'Köln', 'zz']) assert.equal(back.wordId(t), v.wordId(t));
  assert.throws(() => TextVocab.fromJSON({ format: 'x' }), { name: 'MmnerError', code: 'E_CHECKPOINT' });
  assert.throws(() => TextVocab.fromJSON({ ...v.toJSON(), words: ['a', 'b'] }), { code: 'E_CHECKPOINT' });
});

test('long words keep head and tail; empty tokens get one <unk> char', () => {
  assert.deepEqual(wordChars('abcdefghij', 4), ['a', 'b', 'i', 'j']);
  assert.deepEqual(wordChars('abcdefghij', 5), ['a', 'b', 'c', 'i', 'j']);
  assert.deepEqual(wordChars('', 5), ['<unk>']);
});

test('encodeTextBatch: shapes, padding and casing ids', () => {
  const v = TextVocab.build(train);
  const e = encodeTextBatch(
    v,
    { lengths: [3, 1], maxLen: 4, tokens: [['Trump', 'in', 'Gelsenkirchenerstrasse'], ['']] },
    { maxWordLen: 8 },
  );
  assert.equal(e.maxChars, 8);
  assert.equal(e.wordIds.length, 8);
  assert.equal(e.charIds.length, 8 * 8);
  assert.deepEqual([...e.mask], [1, 1, 1, 0, 1, 0, 0, 0]);
  assert.deepEqual([...e.charLengths], [5, 2, 8, 0, 1, 0, 0, 0]);
  assert.equal(e.wordIds[0], v.wordId('trump'));
  assert.equal(e.wordIds[3], PAD_ID);
  assert.equal(e.casing[0], CASING_CLASSES.indexOf('title'));
  assert.equal(e.casing[3], 0);
  assert.equal(e.charIds[4 * 8], UNK_ID); // the empty token
  assert.equal(e.charIds[1 * 8 + 2], PAD_ID); // after "in"
  assert.throws(() => encodeTextBatch(v, { lengths: [2], maxLen: 1, tokens: [['a', 'b']] }), {
    code: 'E_SHAPE',
  });
});
