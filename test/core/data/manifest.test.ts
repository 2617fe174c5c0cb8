import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifest, parseTypeMap, unsafePathReason } from '../../../src/core/data/manifest.js';
import { ProblemCollector } from '../../../src/core/data/problems.js';
import { codesAt } from './helpers.js';

function parse(text: string) {
  const problems = new ProblemCollector('collect');
  const parsed = parseManifest(text, 'ds/dataset.json', problems);
  return { parsed, problems: problems.finish() };
}

const GOOD = `{
  "version": 1,
  "name": "sample",
  "scheme": "IOB2",
  "typeMap": { "OTHER": "MISC" },
  "images": { "dir": "images", "missing": "blank" },
  "splits": {
    "train": [
      { "lang": "en", "file": "en/train.txt", "format": "imgid-conll" },
      { "lang": "de", "file": "de/train.conll", "format": "conll", "tokenColumn": 1 }
    ],
    "test": [{ "lang": "fr", "file": "fr/test.jsonl", "format": "jsonl" }]
  },
  "subsets": { "ambiguous": "ambiguous.ids" }
}`;

test('a good manifest parses with no problems and keeps the line of each field', () => {
  const { parsed, problems } = parse(GOOD);
  assert.deepEqual(problems, []);
  assert.equal(parsed!.manifest.splits.train![1]!.tokenColumn, 1);
  assert.equal(parsed!.lineOf('splits.train[1].file'), 10);
  assert.equal(parsed!.lineOf('images.dir'), 6);
});

test('syntax errors give line and column', () => {
  const { parsed, problems } = parse('{\n  "version": 1,\n  "name": "x"\n  "splits": {}\n}');
  assert.equal(parsed, undefined);
  assert.deepEqual(codesAt(problems), ['E_MANIFEST_SYNTAX@4']);
  assert.match(problems[0]!.message, /column 3/);
});

test('every bad field is reported at its line; unknown fields are warnings', () => {
  const text = GOOD.replace('"version": 1', '"version": 2')
    .replace('"scheme": "IOB2"', '"scheme": "IOB3", "colour": "red"')
    .replace('"missing": "blank"', '"missing": "skip"')
    .replace('"format": "jsonl"', '"format": "csv"')
    .replace('"lang": "de"', '"lang": "German"')
    .replace('"tokenColumn": 1', '"tokenColumn": -1, "weight": 2');
  const { parsed, problems } = parse(text);
  assert.equal(parsed, undefined);
  assert.deepEqual(codesAt(problems), [
    'W_MANIFEST_UNKNOWN_FIELD@4',
    'E_MANIFEST_FIELD@2',
    'E_MANIFEST_FIELD@4',
    'E_MANIFEST_FIELD@6',
    'W_MANIFEST_UNKNOWN_FIELD@10',
    'E_MANIFEST_FIELD@10',
    'E_MANIFEST_FIELD@10',
    'E_MANIFEST_FIELD@12',
  ]);
  assert.match(problems[1]!.message, /^version: must be 1, found 2/);
});

test('paths must stay inside the manifest folder', () => {
  assert.equal(unsafePathReason('en/train.txt'), undefined);
  assert.equal(unsafePathReason('./a/../b.txt'), undefined);
  assert.match(unsafePathReason('../other/train.txt')!, /leaves the manifest's folder/);
  assert.match(unsafePathReason('a/../../b')!, /leaves/);
  assert.match(unsafePathReason('/etc/passwd')!, /absolute/);
  assert.match(unsafePathReason('C:\\data\\x.txt')!, /absolute/);
  assert.match(unsafePathReason('..\\x.txt')!, /leaves/);
  assert.match(unsafePathReason('')!, /empty/);
  const { problems } = parse(
    GOOD.replace('"en/train.txt"', '"../../secret.txt"').replace('"dir": "images"', '"dir": "/tmp"'),
  );
  assert.deepEqual(codesAt(problems), ['E_MANIFEST_PATH@6', 'E_MANIFEST_PATH@9']);
});

test('missing required parts and a non-object', () => {
  assert.deepEqual(codesAt(parse('[1]').problems), ['E_MANIFEST_FIELD@1']);
  assert.deepEqual(codesAt(parse('{"version":1,"name":"x","splits":{}}').problems), ['E_MANIFEST_FIELD@1']);
  assert.deepEqual(codesAt(parse('{"version":1,"name":"x","splits":{"train":[]}}').problems), [
    'E_MANIFEST_FIELD@1',
  ]);
});

test('parseTypeMap reads FROM=TO pairs', () => {
  assert.deepEqual(parseTypeMap(['OTHER=MISC', 'A=B,C = D']), { OTHER: 'MISC', A: 'B', C: 'D' });
  assert.throws(() => parseTypeMap(['OTHER']), /FROM=TO/);
});
