import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MmnerError } from '../../../src/core/errors.js';
import { cleanText, isPunctuation, WordPieceTokenizer } from '../../../src/core/tokenize/index.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/hf/bert-tiny');

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const VOCAB = [
  ...SPECIALS,
  'un',
  '##aff',
  '##able',
  'Paris',
  'paris',
  'Montréal',
  'montreal',
  'München',
  'munchen',
  'York',
  's',
  "'",
  ',',
  '.',
  '^',
  '$',
  '5',
  '«',
  '»',
  '東',
  'a',
  '##a',
  'b',
  'Zo',
  '##o',
  'Z',
];
const cased = new WordPieceTokenizer(VOCAB);
const uncased = new WordPieceTokenizer(VOCAB, { lowercase: true });

test('WordPiece: greedy longest match first, ## continuations', () => {
  assert.deepEqual(cased.tokenize('unaffable'), ['un', '##aff', '##able']);
  // Longest first: "Zo" + "##o", not "Z" + "##o" + "##o".
  assert.deepEqual(cased.tokenize('Zoo'), ['Zo', '##o']);
  // A word that gets stuck part-way is one [UNK], not a partial match.
  assert.deepEqual(cased.tokenize('unaffablex'), ['[UNK]']);
  assert.deepEqual(cased.tokenize('xyz'), ['[UNK]']);
});

test('cased: case and accents kept; punctuation split off', () => {
  assert.deepEqual(cased.tokenize('Montréal,'), ['Montréal', ',']);
  assert.deepEqual(cased.tokenize('München.'), ['München', '.']);
  assert.deepEqual(cased.tokenize('PARIS'), ['[UNK]']);
  assert.deepEqual(cased.tokenize('paris Paris'), ['paris', 'Paris']);
});

test('uncased: lower-cased and accents stripped', () => {
  assert.deepEqual(uncased.tokenize('MONTRÉAL'), ['montreal']);
  assert.deepEqual(uncased.tokenize('München'), ['munchen']);
  assert.deepEqual(uncased.tokenize('PaRiS'), ['paris']);
  assert.equal(uncased.options.stripAccents, true);
  // Accents can be kept while lower-casing when asked.
  const keep = new WordPieceTokenizer(VOCAB, { lowercase: true, stripAccents: false });
  assert.deepEqual(keep.tokenize('MONTRÉAL'), ['[UNK]']);
});

test("punctuation: BERT's ASCII ranges plus Unicode P*", () => {
  assert.deepEqual(cased.tokenize("York's"), ['York', "'", 's']);
  // ^ and $ are not Unicode punctuation (Sk, Sc) but BERT splits all ASCII symbols.
  assert.deepEqual(cased.tokenize('a^b'), ['a', '^', 'b']);
  assert.deepEqual(cased.tokenize('$5'), ['$', '5']);
  assert.deepEqual(cased.tokenize('«Paris»'), ['«', 'Paris', '»']);
  assert.ok(isPunctuation('¿') && isPunctuation('—') && isPunctuation('~'));
  // € is a currency symbol (Sc) outside ASCII: not punctuation, so it stays in the word.
  assert.ok(!isPunctuation('€') && !isPunctuation('a') && !isPunctuation('7'));
  assert.deepEqual(cased.tokenize('5€'), ['[UNK]']);
});

test('CJK ideographs become words of their own', () => {
  assert.deepEqual(cased.basicTokenize('東京Paris'), ['東', '京', 'Paris']);
  assert.deepEqual(cased.tokenize('東京'), ['東', '[UNK]']);
  // Hangul is not split per character.
  assert.deepEqual(cased.basicTokenize('서울'), ['서울']);
});

test('words over 100 characters are [UNK]; 100 are still split', () => {
  assert.deepEqual(cased.tokenize('a'.repeat(101)), ['[UNK]']);
  const hundred = cased.tokenize('a'.repeat(100));
  assert.equal(hundred.length, 100);
  assert.deepEqual(hundred.slice(0, 2), ['a', '##a']);
  // Counted in code points, not UTF-16 units: 60 astral characters are 60 characters.
  assert.equal(cased.basicTokenize('𝔸'.repeat(60))[0]!.length, 120);
  assert.deepEqual(new WordPieceTokenizer(VOCAB, { maxCharsPerWord: 3 }).tokenize('aaaa aaa'), [
    '[UNK]',
    'a',
    '##a',
    '##a',
  ]);
});

test('cleaning: control characters, NUL and U+FFFD dropped; all whitespace splits', () => {
  assert.equal(cleanText('Pa\u0000ri\u0007s\ufffd'), 'Paris');
  assert.equal(cleanText('a\tb\nc\rd\u00a0e'), 'a b c d e');
  // Zero-width space and soft hyphen are format characters (Cf): dropped.
  assert.deepEqual(cased.tokenize('Pa\u200bris'), ['Paris']);
  assert.deepEqual(cased.tokenize('Pa\u00adris'), ['Paris']);
  assert.deepEqual(cased.tokenize('Paris\u00a0Paris\u3000Paris'), ['Paris', 'Paris', 'Paris']);
  assert.deepEqual(cased.tokenize(''), []);
  // NFD input is composed first, so a decomposed é still finds the vocabulary's é.
  assert.deepEqual(cased.tokenize('Montre\u0301al'), ['Montréal']);
});

test('pre-split words: each has a first subword; empty and control-only words are [UNK]', () => {
  const words = ['Paris,', '\u0000\u0007', 'unaffable', '', 'Zoo'];
  const { ids, firstSubword } = cased.encodeWords(words);
  const id = (t: string) => VOCAB.indexOf(t);
  assert.deepEqual(ids, [
    id('Paris'),
    id(','),
    id('[UNK]'),
    id('un'),
    id('##aff'),
    id('##able'),
    id('[UNK]'),
    id('Zo'),
    id('##o'),
  ]);
  assert.deepEqual(firstSubword, [0, 2, 3, 6, 7]);
  assert.deepEqual(cased.wordIds(' '), [cased.unkId]);
  assert.deepEqual(cased.encodeWords([]), { ids: [], firstSubword: [] });
  assert.deepEqual([cased.clsId, cased.sepId, cased.padId, cased.unkId], [2, 3, 0, 1]);
});

test('vocab.txt: line number is the id; CRLF and a final newline are fine; a repeat keeps its last id', () => {
  const t = WordPieceTokenizer.fromVocabText('[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhi\r\n##s\r\nhi\r\n');
  assert.equal(t.vocabSize, 7);
  assert.deepEqual(t.wordIds('his'), [6, 5]);
  assert.throws(
    () => WordPieceTokenizer.fromVocabText('[PAD]\n[UNK]\n[SEP]\n', {}, 'v/vocab.txt'),
    (e: unknown) => e instanceof MmnerError && e.code === 'E_TOKENIZER' && /\[CLS\]/.test(e.message),
  );
  assert.throws(() => WordPieceTokenizer.fromVocabText(''), /empty/);
});

test('tokenizer.json: vocabulary and BertNormalizer flags; other models refused', () => {
  const vocab = Object.fromEntries(VOCAB.map((t, i) => [t, i]));
  const json = (normalizer: unknown, type = 'WordPiece') =>
    JSON.stringify({ normalizer, model: { type, unk_token: '[UNK]', vocab } });
  const lower = WordPieceTokenizer.fromTokenizerJson(
    json({ type: 'BertNormalizer', lowercase: true, strip_accents: null }),
  );
  assert.deepEqual(lower.tokenize('MONTRÉAL'), ['montreal']);
  const keepCase = WordPieceTokenizer.fromTokenizerJson(json({ type: 'BertNormalizer', lowercase: false }));
  assert.deepEqual(keepCase.tokenize('Montréal'), ['Montréal']);
  const seq = WordPieceTokenizer.fromTokenizerJson(
    json({
      type: 'Sequence',
      normalizers: [{ type: 'NFD' }, { type: 'Lowercase' }, { type: 'StripAccents' }],
    }),
  );
  assert.deepEqual(seq.tokenize('MÜNCHEN'), ['munchen']);
  const refused = (text: string, pattern: RegExp) =>
    assert.throws(
      () => WordPieceTokenizer.fromTokenizerJson(text, {}, 'tok.json'),
      (e: unknown) => e instanceof MmnerError && e.file === 'tok.json' && pattern.test(e.message),
    );
  refused(json(null, 'BPE'), /BPE tokenizer, not WordPiece/);
  refused(json({ type: 'Precompiled' }), /normalizer of type "Precompiled"/);
  refused('{not json', /not valid JSON/);
  refused('{"model": {"type": "WordPiece"}}', /model\.vocab/);
});

interface ReferenceCase {
  words: string[];
  ids: number[];
  first_subword: number[];
  tokens: string[];
}
const reference = JSON.parse(readFileSync(join(FIXTURE, 'reference.json'), 'utf8')) as {
  cases: ReferenceCase[];
};

test('fixture: ids equal the Python reference, from vocab.txt and from tokenizer.json', () => {
  const fromVocab = WordPieceTokenizer.fromVocabText(readFileSync(join(FIXTURE, 'vocab.txt'), 'utf8'));
  const fromJson = WordPieceTokenizer.fromTokenizerJson(
    readFileSync(join(FIXTURE, 'tokenizer.json'), 'utf8'),
  );
  assert.equal(fromJson.options.lowercase, false);
  assert.ok(reference.cases.length >= 6);
  for (const tokenizer of [fromVocab, fromJson]) {
    for (const c of reference.cases) {
      const { ids, firstSubword } = tokenizer.encodeWords(c.words);
      assert.deepEqual([tokenizer.clsId, ...ids, tokenizer.sepId], c.ids, c.words.join(' '));
      assert.deepEqual(
        firstSubword.map((i) => i + 1),
        c.first_subword,
        c.words.join(' '),
      );
    }
  }
});
