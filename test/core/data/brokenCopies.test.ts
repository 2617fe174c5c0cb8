/**
 * Broken copies of real files, made here in a temp folder: each kind of damage gives its code at
 * the damaged line (in the original numbering), and one copy with all of them lists them all.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDataFile } from '../../../src/core/data/readFile.node.js';
import type { ReadOptions } from '../../../src/core/data/readOptions.js';
import { codesAt, errorsOf, NO_SHARED_DATA, shared, tempDir } from './helpers.js';

const skip = NO_SHARED_DATA;
const dir = tempDir();
let counter = 0;

/** The lines of a real file (LF, no trailing empty element). */
function realLines(path: string): string[] {
  const text = readFileSync(shared(path), 'utf8');
  return text.replace(/\n+$/, '').split('\n');
}

/** Writes a copy and validates it in collect mode. */
async function validate(content: string | Uint8Array, opts: Partial<ReadOptions> = {}) {
  const path = join(dir, `copy${++counter}.txt`);
  writeFileSync(path, content);
  return readDataFile(path, { mode: 'collect', ...opts });
}

/** 1-based line numbers of the IMGID lines. */
const idLines = (lines: string[]) => lines.flatMap((l, i) => (l.startsWith('IMGID:') ? [i + 1] : []));

const T17 = 'twitter2017/valid.txt';

test('CRLF: accepted with one folded warning; an error after it keeps its line number', {
  skip,
}, async () => {
  const lines = realLines(T17);
  lines[4] = lines[4]!.replace(/\t.*$/, '\tb-per');
  const r = await validate(`${lines.join('\r\n')}\r\n`);
  assert.deepEqual(codesAt(r.problems), ['W_DATA_CRLF@1', 'E_DATA_BAD_TAG@5']);
  assert.equal(r.problems[0]!.count, lines.length);
  assert.equal(r.stats.sentences, 723);
});

test('BOM: stripped with a warning; the first id is clean', { skip }, async () => {
  const r = await validate(`\ufeff${realLines(T17).join('\n')}\n`);
  assert.deepEqual(codesAt(r.problems), ['W_DATA_BOM@1']);
  assert.equal(r.sentences[0]!.id, '17_06_12598');
});

test('trailing whitespace: trimmed, one warning with the count and lines', { skip }, async () => {
  const lines = realLines(T17);
  lines[2] += ' ';
  lines[9] += '\t';
  lines[100] += '  \t';
  const r = await validate(lines.join('\n'));
  assert.deepEqual(codesAt(r.problems), ['W_DATA_TRAILING_WHITESPACE@3']);
  assert.equal(r.problems[0]!.count, 3);
  assert.deepEqual(r.problems[0]!.lines, [3, 10, 101]);
  assert.equal(r.stats.tokens, 11309);
});

test('a space instead of the TAB', { skip }, async () => {
  const lines = realLines(T17);
  lines[3] = lines[3]!.replace('\t', ' ');
  const r = await validate(lines.join('\n'));
  assert.deepEqual(codesAt(r.problems), ['E_DATA_SEPARATOR@4']);
});

test('an empty file', { skip }, async () => {
  const r = await validate('');
  assert.deepEqual(codesAt(r.problems), ['E_DATA_EMPTY_FILE@-']);
  assert.match(r.problems[0]!.message, /empty/);
});

test('a malformed tag, and a type outside the known set', { skip }, async () => {
  const lines = realLines(T17);
  lines[5] = lines[5]!.replace(/\t.*$/, '\tX-PER');
  lines[6] = lines[6]!.replace(/\t.*$/, '\tB-PERSON');
  const r = await validate(lines.join('\n'), { types: ['PER', 'LOC', 'ORG', 'MISC'] });
  assert.deepEqual(codesAt(r.problems), ['E_DATA_BAD_TAG@6', 'E_DATA_UNKNOWN_TYPE@7']);
});

test('a wrong column count, in IMGID-CoNLL and in WikiNEuRal', { skip }, async () => {
  const lines = realLines(T17);
  lines[6] += '\tNNP';
  assert.deepEqual(codesAt((await validate(lines.join('\n'))).problems), ['E_DATA_COLUMNS@7']);
  const wiki = realLines('wikineural/de.test.first2000.conllu');
  wiki[40] = wiki[40]!.replace(/^\d+\t/, '');
  const r = await validate(wiki.join('\n'));
  assert.deepEqual(codesAt(r.problems), ['E_DATA_COLUMNS@41']);
  assert.match(r.problems[0]!.message, /expected 3 TAB-separated columns \(as on line 1\), found 2/);
});

test('a sentence without IMGID', { skip }, async () => {
  const lines = realLines(T17);
  const second = idLines(lines)[1]!;
  lines.splice(second - 1, 1);
  const r = await validate(lines.join('\n'));
  assert.deepEqual(codesAt(r.problems), [`E_DATA_NO_IMGID@${second}`]);
  assert.equal(r.stats.sentences, 722);
});

test('a duplicate id names both lines', { skip }, async () => {
  const lines = realLines(T17);
  const ids = idLines(lines);
  lines[ids[2]! - 1] = lines[0]!;
  const r = await validate(lines.join('\n'));
  assert.deepEqual(codesAt(r.problems), [`E_DATA_DUPLICATE_ID@${ids[2]}`]);
  assert.match(r.problems[0]!.message, /'17_06_12598' is used twice: first at line 1/);
});

test('non-UTF-8 bytes: the line and byte column of the first, and the iconv hint', { skip }, async () => {
  const lines = realLines(T17);
  const bytes = new TextEncoder().encode(lines.join('\n'));
  const lineStart = lines.slice(0, 7).join('\n').length + 1; // line 8, all ASCII before it
  assert.ok(lines.slice(0, 8).every((l) => /^[\x00-\x7f]*$/.test(l)));
  bytes[lineStart + 1] = 0xe9;
  const r = await validate(bytes);
  assert.deepEqual(codesAt(errorsOf(r.problems)).slice(0, 1), ['E_DATA_NOT_UTF8@8']);
  assert.match(r.problems[0]!.message, /byte 0xE9 at byte column 2/);
  assert.match(r.problems[0]!.hint!, /iconv/);
});

test('a 10 MB line', { skip }, async () => {
  const lines = realLines(T17);
  lines.splice(10, 0, 'x'.repeat(10 * 1024 * 1024));
  const t0 = performance.now();
  const r = await validate(lines.join('\n'));
  assert.ok(performance.now() - t0 < 3000);
  assert.deepEqual(codesAt(r.problems), ['E_DATA_LINE_TOO_LONG@11']);
});

test('one copy with many problems lists every one at its line', { skip }, async () => {
  const lines = realLines(T17);
  const ids = idLines(lines);
  const at = (line: number, edit: (l: string) => string) => {
    lines[line - 1] = edit(lines[line - 1]!);
  };
  at(3, (l) => `${l} `); // trailing space (warning)
  at(4, (l) => l.replace('\t', ' ')); // space instead of TAB
  at(6, (l) => l.replace(/\t.*$/, '\tB-')); // bad tag
  at(7, (l) => `${l}\tX`); // three columns
  at(ids[2]!, () => lines[0]!); // duplicate id
  at(ids[3]!, () => 'orphan\tO'); // a sentence without IMGID
  at(197, () => 'y'.repeat(2_000_000)); // over-long line (a token line)
  at(300, (l) => l.replace(/\t.*$/, '\tI-PER')); // may be a stray I- (warning)
  const text = `\ufeff${lines.join('\r\n')}`;
  const bytes = new TextEncoder().encode(text);
  // A latin-1 byte on line 400: find the line's start in the encoded bytes.
  const before = new TextEncoder().encode(`\ufeff${lines.slice(0, 399).join('\r\n')}\r\n`).length;
  bytes[before] = 0xe9;
  const r = await validate(bytes);
  const errors = codesAt(errorsOf(r.problems)).sort();
  assert.deepEqual(
    errors,
    [
      'E_DATA_NOT_UTF8@400',
      'E_DATA_SEPARATOR@4',
      'E_DATA_BAD_TAG@6',
      'E_DATA_COLUMNS@7',
      `E_DATA_DUPLICATE_ID@${ids[2]}`,
      `E_DATA_NO_IMGID@${ids[3]}`,
      'E_DATA_LINE_TOO_LONG@197',
    ].sort(),
  );
  const warnings = new Set(r.problems.filter((p) => p.severity === 'warning').map((p) => p.code));
  for (const w of ['W_DATA_BOM', 'W_DATA_CRLF', 'W_DATA_TRAILING_WHITESPACE']) assert.ok(warnings.has(w), w);
});
