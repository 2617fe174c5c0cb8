/**
 * The located JSON parser and the dataset manifest. The parser agrees with JSON.parse on every
 * text (values, own `__proto__` keys, which texts are errors); the manifest parser returns what
 * JSON.parse reads, with every path inside the manifest's folder, or throws an MmnerError at a
 * line; `collect` mode agrees with `throw` mode.
 */
import assert from 'node:assert/strict';
import { posix, win32 } from 'node:path';
import fc from 'fast-check';
import { JsonSyntaxError, parseJsonLocated } from '../../../src/core/data/json.js';
import { type DatasetManifest, parseManifest } from '../../../src/core/data/manifest.js';
import { ProblemCollector } from '../../../src/core/data/problems.js';
import { decodeText } from '../../../src/core/data/text.js';
import { SAFE_NAME } from '../../../src/core/run/names.js';
import { splitTag, TAG_SCHEMES } from '../../../src/core/schemes/tags.js';
import {
  anyBytes,
  applyJsonEdits,
  deepJson,
  type Json,
  jsonEdit,
  jsonStyle,
  jsonValue,
  objectOf,
  PROTO_KEYS,
  toJsonText,
} from '../arbitraries.js';
import { assertFast, assertLine, assertReaderError, attempt, type ErrorExpectation } from '../invariant.js';
import { type FuzzTarget, fuzzTarget } from '../target.js';

const FILE = 'fuzz/dataset.json';
const utf8 = new TextEncoder();

// ---- the located JSON parser ---------------------------------------------------------------

/** parseJsonLocated(text) reads what JSON.parse reads, and fails where it fails. */
export function checkJsonParser(text: string): void {
  const reference = attempt(() => JSON.parse(text) as unknown);
  const located = attempt(() => parseJsonLocated(text));
  assertFast(located.ms, text.length, 'parseJsonLocated');
  if (!located.ok) {
    const e = located.error;
    assert.ok(e instanceof JsonSyntaxError, `only JsonSyntaxError: ${String(e)}`);
    const lines = text.split('\n').length;
    assert.ok(
      e.line >= 1 && e.line <= lines && e.column >= 1,
      `position ${e.line}:${e.column} of ${lines} lines`,
    );
    // Deep nesting is refused on purpose (the call stack), though JSON.parse takes it.
    if (reference.ok) assert.match(e.detail, /nested deeper/, `JSON.parse reads it: ${e.message}`);
    return;
  }
  assert.ok(reference.ok, `JSON.parse refuses it, parseJsonLocated does not`);
  assert.deepStrictEqual(located.value.value, reference.value);
}

/** Text edits that make JSON invalid in the usual ways (or keep it valid). */
const textEdit = fc.record({
  at: fc.nat(),
  cut: fc.nat(3),
  insert: fc.constantFrom('', ',', '"', '{', ']', '\\', '\n', 'e', '-', '0', '\u0000', '\ud800'),
});

function applyTextEdits(text: string, edits: readonly { at: number; cut: number; insert: string }[]): string {
  let t = text;
  for (const e of edits) {
    const at = e.at % (t.length + 1);
    t = t.slice(0, at) + e.insert + t.slice(at + e.cut);
  }
  return t;
}

const jsonText = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(jsonValue, jsonStyle).map(([v, s]) => toJsonText(v, s)) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(jsonValue, jsonStyle, fc.array(textEdit, { minLength: 1, maxLength: 3 }))
      .map(([v, s, e]) => applyTextEdits(toJsonText(v, s), e)),
  },
  { weight: 1, arbitrary: deepJson(3000) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

// ---- the manifest --------------------------------------------------------------------------

/** A path is safe when it resolves inside the folder (not to it) on POSIX and on Windows. */
function assertInside(p: unknown, what: string): void {
  assert.equal(typeof p, 'string', `${what} is a string`);
  const path = p as string;
  const px = posix.resolve('/data/set', path);
  assert.ok(px.startsWith('/data/set/'), `${what} '${path}' resolves to ${px} (POSIX)`);
  const wn = win32.resolve('C:\\data\\set', path);
  assert.ok(wn.startsWith('C:\\data\\set\\'), `${what} '${path}' resolves to ${wn} (Windows)`);
}

/** What a successful parse promises: JSON.parse's reading, with every path inside the folder. */
function assertManifest(m: DatasetManifest, text: string): void {
  assert.deepStrictEqual(m, JSON.parse(text.replace(/^\ufeff/, '')), 'the manifest is the JSON as read');
  assert.equal(m.version, 1);
  assert.ok(typeof m.name === 'string' && m.name !== '');
  const splits = Object.entries(m.splits);
  assert.ok(splits.length > 0, 'at least one split');
  for (const [split, entries] of splits) {
    assert.ok(SAFE_NAME.test(split), `split name ${JSON.stringify(split)} is a plain name`);
    assert.ok(Array.isArray(entries) && entries.length > 0, `split ${split} has files`);
    for (const e of entries) assertInside(e.file, `splits.${split} file`);
  }
  if (m.images) assertInside(m.images.dir, 'images.dir');
  for (const to of Object.values(m.typeMap ?? {}))
    assert.ok(splitTag(`B-${to}`), `typeMap renames to a type name: ${to}`);
  for (const [name, p] of Object.entries(m.subsets ?? {})) assertInside(p, `subsets.${name}`);
}

/** The manifest invariant for one text: modes agree, errors name file and line, success is sound. */
export function checkManifest(input: Uint8Array | string): void {
  const text = typeof input === 'string' ? input : undefined;
  const run = (mode: 'throw' | 'collect') => {
    const problems = new ProblemCollector(mode);
    const decoded = decodeText(input, FILE, problems);
    return { parsed: parseManifest(decoded, FILE, problems), problems: problems.finish(), decoded };
  };
  const thrown = attempt(() => run('throw'));
  assertFast(thrown.ms, input.length, 'throw mode');
  const collected = attempt(() => run('collect'));
  if (!collected.ok) {
    assertReaderError(collected.error, { file: FILE });
    assert.fail(`collect mode threw: ${(collected.error as Error).message}`);
  }
  const lines = Math.max(collected.value.decoded.split('\n').length, (text ?? '').split('\n').length);
  const x: ErrorExpectation = { file: FILE, lines };
  for (const p of collected.value.problems) {
    assert.equal(p.file, FILE);
    assertLine(p.line, p.code, x, `${p.code} ${p.message}`);
  }
  const errors = collected.value.problems.filter((p) => p.severity === 'error');
  if (thrown.ok) {
    assert.deepEqual(errors, []);
    const parsed = thrown.value.parsed;
    assert.ok(parsed, 'no error, so a manifest');
    assertManifest(parsed.manifest, thrown.value.decoded);
  } else {
    const e = assertReaderError(thrown.error, x);
    assert.ok(errors[0], `collect mode also finds ${e.code}`);
    assert.deepEqual([errors[0].code, errors[0].line, errors[0].message], [e.code, e.line, e.detail]);
    assert.equal(collected.value.parsed, undefined, 'an error gives no manifest');
  }
}

const typeName = fc.constantFrom('PER', 'LOC', 'ORG', 'MISC', 'OTHER', 'creative-work');
const segment = fc
  .stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,7}$/)
  .filter((s) => s !== '.' && !s.includes('..'));
const safePath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((a) => a.join('/'));
const splitName = fc.constantFrom('train', 'dev', 'test', 'valid', 'test.ambiguous', 'x_1');

const entry = fc.record(
  {
    lang: fc.constantFrom('en', 'fr', 'de', 'es', 'und'),
    file: safePath,
    format: fc.constantFrom('imgid-conll', 'conll', 'jsonl'),
    tagColumn: fc.nat(5),
    tokenColumn: fc.nat(5),
  },
  { requiredKeys: ['lang', 'file', 'format'], noNullPrototype: true },
);

const entries = <T>(value: fc.Arbitrary<T>, keys: fc.Arbitrary<string>, minKeys: number) =>
  fc
    .uniqueArray(fc.tuple(keys, value), { minLength: minKeys, maxLength: 3, selector: (e) => e[0] })
    .map((e) => objectOf(e as [string, Json][]));

/** A manifest that parses: every field in range, paths inside the folder. */
export const validManifest: fc.Arbitrary<Json> = fc
  .record(
    {
      version: fc.constant(1),
      name: fc.string({ minLength: 1, maxLength: 10 }),
      description: fc.string({ maxLength: 20 }),
      scheme: fc.constantFrom(...TAG_SCHEMES),
      typeMap: entries(typeName, fc.oneof(typeName, fc.constantFrom(...PROTO_KEYS)), 0),
      types: fc.array(typeName, { maxLength: 4 }),
      images: fc.record(
        { dir: safePath, missing: fc.constantFrom('error', 'blank') },
        { noNullPrototype: true },
      ),
      splits: entries(fc.array(entry, { minLength: 1, maxLength: 3 }), splitName, 1),
      subsets: entries(safePath, fc.constantFrom('ambiguous', 'unrelated', 'a-1'), 0),
    },
    { requiredKeys: ['version', 'name', 'splits'], noNullPrototype: true },
  )
  .map((m) => m as unknown as Json);

/** Paths that must be refused, and keys named after Object.prototype members. */
const hostileValue = fc.constantFrom<Json>(
  '..',
  '../x',
  'a/../..',
  'a/..',
  '.',
  './',
  '/etc/passwd',
  '\\\\server\\share\\x',
  'C:\\Windows',
  'c:x',
  'a\\..\\..\\x',
  'a\u0000b',
  '',
  'x/./../..',
);

export const MANIFEST_TARGETS: FuzzTarget[] = [
  fuzzTarget(
    { name: 'json: agrees with JSON.parse', reader: 'json', ciRuns: 600 },
    jsonText,
    checkJsonParser,
  ),
  fuzzTarget(
    { name: 'manifest: any bytes', reader: 'manifest', ciRuns: 300 },
    fc.oneof(
      anyBytes(20_000),
      jsonText.map((t) => utf8.encode(t)),
    ),
    checkManifest,
  ),
  fuzzTarget(
    { name: 'manifest: edited manifests', reader: 'manifest', ciRuns: 600 },
    fc.tuple(
      validManifest,
      fc.array(
        fc.oneof(
          jsonEdit,
          fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
          fc.record({
            kind: fc.constant('addKey' as const),
            at: fc.nat(),
            key: fc.constantFrom(...PROTO_KEYS),
            value: jsonValue,
          }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
      jsonStyle,
      fc.boolean(),
    ),
    ([m, edits, style, bom]) =>
      checkManifest(`${bom ? '\ufeff' : ''}${toJsonText(applyJsonEdits(m, edits), style)}`),
  ),
  fuzzTarget(
    { name: 'manifest: valid manifests read back', reader: 'manifest', ciRuns: 300 },
    validManifest,
    (m) => {
      const text = toJsonText(m, 2);
      const problems = new ProblemCollector('throw');
      const parsed = parseManifest(text, FILE, problems);
      assert.ok(parsed);
      assert.deepStrictEqual(parsed.manifest, m);
      // Each line-located field is on the line that holds it.
      const lines = text.split('\n');
      const splits = (m as unknown as DatasetManifest).splits;
      for (const [split, list] of Object.entries(splits)) {
        list.forEach((e, i) => {
          const line = parsed.lineOf(`splits.${split}[${i}].file`);
          assert.ok(line, `splits.${split}[${i}].file has a line`);
          assert.ok(
            lines[line - 1]!.includes(`"file": ${JSON.stringify(e.file)}`),
            `line ${line} holds the file`,
          );
        });
      }
    },
  ),
];
