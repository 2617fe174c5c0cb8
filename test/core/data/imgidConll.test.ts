import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatImgidConll, readImgidConll } from '../../../src/core/data/imgidConll.js';
import type { Sentence } from '../../../src/core/types.js';
import { codesAt, errorsOf } from './helpers.js';

const collect = (text: string, extra = {}) =>
  readImgidConll(text, { file: 't.txt', mode: 'collect', ...extra });

test('reads sentences with ids holding any character, image = id, source lines', () => {
  const text =
    'IMGID:03433732---81KcMoDB8YL._SR500,500_\nOrange\tB-ORG\nshares\tO\n\nIMGID:17_06_12483\nNew\u00a0York\tB-LOC\n';
  const r = readImgidConll(text, { file: 't.txt', lang: 'en' });
  assert.deepEqual(r.sentences, [
    {
      id: '03433732---81KcMoDB8YL._SR500,500_',
      lang: 'en',
      tokens: ['Orange', 'shares'],
      tags: ['B-ORG', 'O'],
      image: '03433732---81KcMoDB8YL._SR500,500_',
      source: { file: 't.txt', line: 1 },
    },
    {
      id: '17_06_12483',
      lang: 'en',
      tokens: ['New\u00a0York'],
      tags: ['B-LOC'],
      image: '17_06_12483',
      source: { file: 't.txt', line: 5 },
    },
  ]);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.stats, { sentences: 2, tokens: 3, entities: { ORG: 1, LOC: 1 }, lines: 6 });
});

test('both file endings are valid: no trailing blank line, or one', () => {
  for (const text of ['IMGID:1\na\tO', 'IMGID:1\na\tO\n', 'IMGID:1\na\tO\n\n']) {
    const r = collect(text);
    assert.equal(r.sentences.length, 1, JSON.stringify(text));
    assert.deepEqual(r.problems, [], JSON.stringify(text));
  }
  assert.deepEqual(codesAt(collect('IMGID:1\na\tO\n\n\n').problems), ['W_DATA_BLANK_LINES@4']);
});

test('write → read round trip keeps tokens, tags and ids', () => {
  const sentences: Sentence[] = [
    { id: 'a.b,c_', lang: 'en', tokens: ['Jordan', 'x'], tags: ['B-PER', 'O'], image: 'a.b,c_' },
    { id: '2', lang: 'en', tokens: ['y'], tags: ['O'], image: '2' },
  ];
  const text = formatImgidConll(sentences);
  const back = readImgidConll(text, { file: 'w.txt', lang: 'en' }).sentences.map(({ source, ...s }) => s);
  assert.deepEqual(back, sentences);
});

test('each structural problem is an error at its line, all listed in collect mode', () => {
  const text = [
    'tok\tO', // 1: token before any IMGID
    '',
    'IMGID:', // 3: empty id
    'a\tO',
    '',
    'IMGID:7', // 6
    'a O', // 7: space instead of TAB
    'b\tO\tX', // 8: three fields
    '\tO', // 9: empty token
    'c', // 10: no tag
    'd\tb-per', // 11: bad tag
    'IMGID:8', // 12: no blank line before (warning)
    '',
    'IMGID:7', // 14: duplicate of line 6
    'e\tO',
    '',
    'IMGID:9', // 17: no tokens
  ].join('\n');
  const r = collect(text);
  assert.deepEqual(codesAt(r.problems), [
    'E_DATA_NO_IMGID@1',
    'E_DATA_EMPTY_IMGID@3',
    'E_DATA_SEPARATOR@7',
    'E_DATA_COLUMNS@8',
    'E_DATA_EMPTY_TOKEN@9',
    'E_DATA_COLUMNS@10',
    'E_DATA_BAD_TAG@11',
    'W_DATA_NO_BLANK_LINE@12',
    'E_DATA_EMPTY_SENTENCE@12',
    'E_DATA_DUPLICATE_ID@14',
    'E_DATA_EMPTY_SENTENCE@17',
  ]);
  const dup = r.problems.find((p) => p.code === 'E_DATA_DUPLICATE_ID')!;
  assert.match(dup.message, /id '7' is used twice: first at line 6/);
  assert.match(r.problems.find((p) => p.code === 'E_DATA_SEPARATOR')!.hint!, /one TAB/);
});

test('throw mode raises the first error as MmnerError with file:line and a hint', () => {
  assert.throws(
    () => readImgidConll('IMGID:1\na\tO\nb\tQ-PER\nc\tX\n', { file: 'bad.txt' }),
    (e: Error & { code?: string; line?: number; hint?: string }) =>
      e.code === 'E_DATA_BAD_TAG' && e.line === 3 && e.message.startsWith('bad.txt:3: ') && !!e.hint,
  );
});

test('an empty file and a file of blank lines are errors', () => {
  assert.deepEqual(codesAt(collect('').problems), ['E_DATA_EMPTY_FILE@-']);
  assert.deepEqual(
    codesAt(collect('\n\n').problems).filter((c) => c.startsWith('E_')),
    ['E_DATA_EMPTY_FILE@-'],
  );
});

test('a non-breaking space is not a separator: the hint says so', () => {
  const r = collect('IMGID:1\nfoo\u00a0O\n');
  assert.deepEqual(codesAt(errorsOf(r.problems)), ['E_DATA_COLUMNS@2']);
  assert.match(r.problems[0]!.hint!, /U\+00A0/);
});

test('a file with no TAB at all is read as space-separated', () => {
  const r = collect('IMGID:1\nJordan B-PER\nplays O\n');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.sentences[0]!.tags, ['B-PER', 'O']);
  assert.match(r.notes.join(), /separated by spaces/);
});

test('type map, known types, and conversion apply on reading', () => {
  const text = 'IMGID:1\nLouvre\tB-OTHER\nMuseum\tI-OTHER\nParis\tB-LOC\n';
  const r = readImgidConll(text, { file: 't', typeMap: { OTHER: 'MISC' }, targetScheme: 'BIOES' });
  assert.deepEqual(r.sentences[0]!.tags, ['B-MISC', 'E-MISC', 'S-LOC']);
  assert.deepEqual(r.stats.entities, { MISC: 1, LOC: 1 });
  const typed = collect(text, { types: ['PER', 'LOC', 'ORG', 'MISC'] });
  assert.deepEqual(codesAt(typed.problems), ['E_DATA_UNKNOWN_TYPE@2', 'E_DATA_UNKNOWN_TYPE@3']);
  assert.match(typed.problems[0]!.hint!, /--type-map/);
});

test('stray I- tags are one folded warning with the count and first lines', () => {
  const text = 'IMGID:1\nJ\tO\nCole\tI-PER\n\nIMGID:2\nx\tI-LOC\ny\tB-ORG\nz\tI-PER\n';
  const r = collect(text);
  assert.equal(r.problems.length, 1);
  const [w] = r.problems;
  assert.equal(w!.code, 'W_TAG_STRAY_I');
  assert.equal(w!.severity, 'warning');
  assert.equal(w!.count, 3);
  assert.deepEqual(w!.lines, [3, 6, 8]);
  assert.match(w!.message, /after O: 1, at sentence start: 1, after another type: 1/);
});
