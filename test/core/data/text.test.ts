import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProblemCollector } from '../../../src/core/data/problems.js';
import { decodeText, eachLine } from '../../../src/core/data/text.js';
import { codesAt } from './helpers.js';

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));

function lines(text: string, max?: number) {
  const problems = new ProblemCollector('collect');
  const got: [number, string][] = [];
  eachLine(text, 'f.txt', problems, (l, no) => got.push([no, l]), max);
  return { got, problems: problems.finish() };
}

test('strict UTF-8: the first bad byte is named by line and byte column, with totals', () => {
  const problems = new ProblemCollector('collect');
  const text = decodeText(
    bytes('ok\nCaf', [0xe9], ' au lait\nfine\n', [0xff, 0x41], '\n'),
    'f.txt',
    problems,
  );
  const [p] = problems.finish();
  assert.equal(p?.code, 'E_DATA_NOT_UTF8');
  assert.equal(p?.line, 2);
  assert.match(p!.message, /byte 0xE9 at byte column 4/);
  assert.match(p!.message, /2 invalid bytes on 2 lines in all \(lines 2, 4\)/);
  assert.match(p!.hint!, /iconv -f latin1 -t utf-8/);
  assert.equal(text.split('\n').length, 5, 'decoded leniently to go on');
});

test('throw mode stops at the first bad byte with an MmnerError naming file:line', () => {
  assert.throws(
    () => decodeText(bytes('a\nb\n', [0xc3, 0x28]), 'x.txt', new ProblemCollector('throw')),
    (e: Error & { code?: string; line?: number }) =>
      e.code === 'E_DATA_NOT_UTF8' && e.line === 3 && /x\.txt:3:/.test(e.message),
  );
});

test('overlong encodings and surrogates are not UTF-8', () => {
  for (const bad of [
    [0xc0, 0xaf],
    [0xe0, 0x80, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
  ]) {
    const problems = new ProblemCollector('collect');
    decodeText(bytes('x', bad), 'f', problems);
    assert.deepEqual(codesAt(problems.finish()), ['E_DATA_NOT_UTF8@1'], bad.join(','));
  }
  const ok = new ProblemCollector('collect');
  assert.equal(decodeText(bytes('€ 😀 ü'), 'f', ok), '€ 😀 ü');
  assert.deepEqual(ok.finish(), []);
});

test('a UTF-8 BOM is stripped with a warning; UTF-16 is an error with the iconv hint', () => {
  const problems = new ProblemCollector('collect');
  assert.equal(decodeText(bytes([0xef, 0xbb, 0xbf], 'IMGID:1\n'), 'f', problems), 'IMGID:1\n');
  assert.deepEqual(codesAt(problems.finish()), ['W_DATA_BOM@1']);
  const u16 = new ProblemCollector('collect');
  assert.equal(decodeText(bytes([0xff, 0xfe], [65, 0, 10, 0]), 'f', u16), 'A\n');
  const [p] = u16.finish();
  assert.equal(p?.code, 'E_DATA_NOT_UTF8');
  assert.match(p!.hint!, /iconv -f utf-16/);
});

test('eachLine: CRLF and trailing blanks are accepted, folded into one warning each, lines unshifted', () => {
  const { got, problems } = lines('a\r\nb \r\n\t\r\nc\t \nd');
  assert.deepEqual(got, [
    [1, 'a'],
    [2, 'b'],
    [3, ''],
    [4, 'c'],
    [5, 'd'],
  ]);
  assert.deepEqual(
    problems.map((p) => [p.code, p.count, p.lines]),
    [
      ['W_DATA_CRLF', 3, [1, 2, 3]],
      ['W_DATA_TRAILING_WHITESPACE', 3, [2, 3, 4]],
    ],
  );
  assert.deepEqual(lines('a\n').got, [[1, 'a']], 'a final line end makes no extra line');
  assert.deepEqual(lines('').got, []);
});

test('eachLine: a line over the limit is an error with its length, and is skipped', () => {
  const { got, problems } = lines(`a\n${'x'.repeat(101)}\nb`, 100);
  assert.deepEqual(got, [
    [1, 'a'],
    [3, 'b'],
  ]);
  assert.deepEqual(codesAt(problems), ['E_DATA_LINE_TOO_LONG@2']);
  assert.match(problems[0]!.message, /101 characters long \(limit 100\)/);
});

test('eachLine: control characters are errors, a lone CR says so', () => {
  const { problems } = lines('a\u0000b\nc\rd\ne\u00a0f\n');
  assert.deepEqual(codesAt(problems), ['E_DATA_CONTROL_CHAR@1', 'E_DATA_CONTROL_CHAR@2']);
  assert.match(problems[0]!.message, /U\+0000 at column 2/);
  assert.match(problems[1]!.hint!, /old Mac line ends/);
});
