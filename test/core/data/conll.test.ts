import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatConll, readConll } from '../../../src/core/data/conll.js';
import { codesAt } from './helpers.js';

const collect = (text: string, extra = {}) =>
  readConll(text, { file: 'dir/esp.testb', mode: 'collect', ...extra });

test('CoNLL-2002: space-separated token and tag, ids <file name>:<line>', () => {
  const r = collect('La B-LOC\nCoruña I-LOC\n, O\n\nEFECOM B-ORG\n');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.sentences.map((s) => [s.id, s.tokens, s.tags, s.image]),
    [
      ['esp.testb:1', ['La', 'Coruña', ','], ['B-LOC', 'I-LOC', 'O'], undefined],
      ['esp.testb:5', ['EFECOM'], ['B-ORG'], undefined],
    ],
  );
  assert.match(r.notes.join(), /2 space-separated columns/);
});

test('CoNLL-2003: -DOCSTART- separates documents, the tag is the last column by default', () => {
  const text =
    '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n-DOCSTART- -X- -X- O\n\nPeter NNP B-NP B-PER\n';
  const r = collect(text);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.sentences.map((s) => [s.tokens, s.tags]),
    [
      [
        ['EU', 'rejects'],
        ['B-ORG', 'O'],
      ],
      [['Peter'], ['B-PER']],
    ],
  );
  assert.match(r.notes.join(), /2 -DOCSTART- lines/);
  const chunks = collect(text, { tagColumn: 2 });
  assert.deepEqual(chunks.sentences[0]!.tags, ['B-NP', 'B-VP']);
});

test('WikiNEuRal: an index column restarting at 0 is detected, the token is column 1', () => {
  const r = collect('0\tOn\tO\n1\tSouth\tB-ORG\n2\tWales\tI-ORG\n\n0\tHe\tO\n');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.sentences[0]!.tokens, ['On', 'South', 'Wales']);
  assert.match(r.notes.join(), /token column 1 \(column 0 numbers the tokens/);
  // Forced back to column 0, the indices become the tokens.
  assert.deepEqual(collect('0\tOn\tO\n', { tokenColumn: 0 }).sentences[0]!.tokens, ['0']);
});

test('wrong column counts and mixed separators are errors naming expected and found', () => {
  const r = collect('0\tOn\tO\n1\tSouth\n2 Wales I-ORG\n3\t\tO\n');
  assert.deepEqual(codesAt(r.problems), ['E_DATA_COLUMNS@2', 'E_DATA_SEPARATOR@3', 'E_DATA_EMPTY_TOKEN@4']);
  assert.match(r.problems[0]!.message, /expected 3 TAB-separated columns \(as on line 1\), found 2/);
  const spaces = collect('a O\nb O\nc\tO\n');
  assert.deepEqual(codesAt(spaces.problems), ['E_DATA_SEPARATOR@3']);
});

test('a tag column outside the file is one error, not one per line', () => {
  const r = collect('a O\nb O\n', { tagColumn: 4 });
  assert.deepEqual(codesAt(r.problems), ['E_DATA_COLUMNS@1']);
  assert.match(r.problems[0]!.hint!, /--tag-column/);
});

test('empty files and bad tags', () => {
  assert.deepEqual(codesAt(collect('').problems), ['E_DATA_EMPTY_FILE@-']);
  assert.deepEqual(codesAt(collect('-DOCSTART- O\n\n').problems), ['E_DATA_EMPTY_FILE@-']);
  assert.deepEqual(codesAt(collect('a B-\nb E-PER\n').problems), ['E_DATA_BAD_TAG@1', 'E_DATA_BAD_TAG@2']);
  assert.deepEqual(codesAt(collect('a B-PER\nb E-PER\n', { scheme: 'BIOES' }).problems), []);
});

test('write → read round trip', () => {
  const sentences = [
    { id: 'x', lang: 'es', tokens: ['La', 'Coruña'], tags: ['B-LOC', 'I-LOC'] },
    { id: 'y', lang: 'es', tokens: ['.'], tags: ['O'] },
  ];
  const back = readConll(formatConll(sentences), { file: 'f', lang: 'es' }).sentences;
  assert.deepEqual(
    back.map((s) => [s.tokens, s.tags, s.lang]),
    sentences.map((s) => [s.tokens, s.tags, s.lang]),
  );
});
