import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatJsonl, readJsonl } from '../../../src/core/data/jsonl.js';
import type { Sentence } from '../../../src/core/types.js';
import { codesAt } from './helpers.js';

const collect = (text: string) => readJsonl(text, { file: 'f.jsonl', mode: 'collect', lang: 'de' });

test('write → read round trip, with and without an image', () => {
  const sentences: Sentence[] = [
    { id: 'a', lang: 'fr', tokens: ['Emmanuel', 'Macron'], tags: ['B-PER', 'I-PER'], image: 'a.b,c' },
    { id: 'b', lang: 'es', tokens: ['"quoted"', 'tab\there'], tags: ['O', 'O'] },
  ];
  const text = formatJsonl(sentences);
  assert.equal(text.split('\n').length, 3);
  assert.match(text, /"image":null/);
  const back = readJsonl(text, { file: 'f' }).sentences.map(({ source, ...s }) => s);
  assert.deepEqual(back, sentences);
});

test('lang falls back to the reader option; ids may be integers', () => {
  const r = collect('{"id": 7, "tokens": ["Berlin"], "tags": ["B-LOC"]}\n');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.sentences[0]!.id, '7');
  assert.equal(r.sentences[0]!.lang, 'de');
  assert.equal(r.sentences[0]!.image, undefined);
});

test('syntax errors give the line and column; wrong fields and lengths are errors', () => {
  const text = [
    '{"id":"1","tokens":["a"],"tags":["O"]}',
    '{"id":"2","tokens":["a"],"tags":["O"],}',
    '["not", "an", "object"]',
    '{"id":"","tokens":["a"],"tags":["O"]}',
    '{"id":"5","tokens":["a","b"],"tags":["O"]}',
    '{"id":"6","tokens":"a b","tags":["O"],"image":3}',
    '{"id":"1","tokens":["a"],"tags":["B-"],"extra":true}',
  ].join('\n');
  const r = collect(text);
  assert.deepEqual(codesAt(r.problems), [
    'E_DATA_JSON_SYNTAX@2',
    'E_DATA_JSON_FIELD@3',
    'E_DATA_JSON_FIELD@4',
    'E_DATA_LENGTH_MISMATCH@5',
    'E_DATA_JSON_FIELD@6',
    'E_DATA_JSON_FIELD@6',
    'W_DATA_UNKNOWN_FIELD@7',
    'E_DATA_BAD_TAG@7',
    'E_DATA_DUPLICATE_ID@7',
  ]);
  assert.match(r.problems[0]!.message, /column 39/);
  assert.match(r.problems.find((p) => p.code === 'E_DATA_LENGTH_MISMATCH')!.message, /2 tokens but 1 tags/);
});

test('blank lines are a folded warning; an empty file is an error', () => {
  assert.deepEqual(codesAt(collect('\n{"id":"1","tokens":["a"],"tags":["O"]}\n\n').problems), [
    'W_DATA_BLANK_LINES@1',
  ]);
  assert.deepEqual(codesAt(collect('').problems), ['E_DATA_EMPTY_FILE@-']);
});
