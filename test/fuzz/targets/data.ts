/**
 * The data-file readers (IMGID-CoNLL, CoNLL, JSONL, and format detection) under any bytes and
 * under edits of real files: each returns sentences that are well formed, or throws an
 * MmnerError at a file and line; `collect` mode never throws and its first error is the one
 * `throw` mode threw. Valid sentences round-trip through each writer.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatConll, readConll } from '../../../src/core/data/conll.js';
import { formatImgidConll, readImgidConll } from '../../../src/core/data/imgidConll.js';
import { formatJsonl, readJsonl } from '../../../src/core/data/jsonl.js';
import type { DatasetFormat } from '../../../src/core/data/manifest.js';
import { readData } from '../../../src/core/data/read.js';
import type { ReadOptions, ReadResult } from '../../../src/core/data/readOptions.js';
import { tagsToSpans } from '../../../src/core/schemes/spans.js';
import { TAG_SCHEMES, tagProblem } from '../../../src/core/schemes/tags.js';
import type { Sentence } from '../../../src/core/types.js';
import {
  anyBytes,
  applyByteEdits,
  applyJsonEdits,
  applyLineEdits,
  byteEdit,
  type Json,
  jsonEdit,
  lineEdit,
  PROTO_KEYS,
} from '../arbitraries.js';
import { assertFast, assertLine, assertReaderError, attempt, type ErrorExpectation } from '../invariant.js';
import { NO_SHARED_DATA, realSlice } from '../realData.js';
import { type FuzzTarget, fuzzTarget } from '../target.js';

const FILE = 'fuzz/data.txt';
/** Problems about the whole file, which have no line. */
const WHOLE_FILE = new Set(['E_DATA_EMPTY_FILE']);
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

type Reader = (input: Uint8Array | string, opts: ReadOptions) => ReadResult;

export const READERS: Record<DatasetFormat | 'auto', Reader> = {
  'imgid-conll': readImgidConll,
  conll: readConll,
  jsonl: readJsonl,
  auto: readData,
};

/** Upper bound on the line numbers an input can have (UTF-16 input has its own line ends). */
export function lineBound(input: Uint8Array | string): number {
  if (typeof input === 'string') return input.split('\n').length;
  let lf = 1;
  for (const b of input) if (b === 0x0a) lf++;
  if ((input[0] === 0xff && input[1] === 0xfe) || (input[0] === 0xfe && input[1] === 0xff))
    return Math.max(lf, input.length);
  return lf;
}

/** Checks what a successful read returned: every sentence is one a consumer can use. */
function assertSentences(r: ReadResult, opts: ReadOptions, lines: number, format: DatasetFormat): void {
  const scheme = opts.targetScheme ?? opts.scheme ?? 'IOB2';
  const ids = new Set<string>();
  for (const s of r.sentences) {
    const where = `sentence ${JSON.stringify(s.id)}`;
    assert.ok(typeof s.id === 'string' && s.id !== '', `${where}: an id`);
    assert.ok(!ids.has(s.id), `${where}: ids are unique`);
    ids.add(s.id);
    assert.ok(typeof s.lang === 'string' && s.lang !== '', `${where}: a language`);
    assert.ok(s.tokens.length > 0 && s.tokens.length === s.tags.length, `${where}: one tag per token`);
    for (const t of s.tokens) {
      assert.ok(typeof t === 'string' && t !== '', `${where}: non-empty tokens`);
      if (format !== 'jsonl')
        assert.ok(!CONTROL.test(t), `${where}: no line end or control character in ${JSON.stringify(t)}`);
    }
    for (const t of s.tags)
      assert.equal(tagProblem(t, scheme), undefined, `${where}: tag ${JSON.stringify(t)} is ${scheme}`);
    if (s.image !== undefined) assert.ok(typeof s.image === 'string' && s.image !== '', `${where}: image id`);
    assert.equal(s.source?.file, opts.file);
    assert.ok(
      s.source.line >= 1 && s.source.line <= lines,
      `${where}: source line ${s.source.line} of ${lines}`,
    );
  }
  assert.equal(r.stats.sentences, r.sentences.length);
  for (const [type, count] of Object.entries(r.stats.entities)) {
    assert.ok(Number.isSafeInteger(count) && count > 0, `entity count of ${type} is ${String(count)}`);
  }
}

/** Entities per type as conlleval reads the tags: what `stats.entities` must say. */
function entityCounts(sentences: readonly Sentence[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const s of sentences)
    for (const span of tagsToSpans(s.tags)) counts.set(span.type, (counts.get(span.type) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

/**
 * The reader invariant for one input and options: `throw` and `collect` mode agree, errors name
 * file and line, success gives well-formed sentences, and neither mode is slow.
 */
export function checkRead(
  read: Reader,
  input: Uint8Array | string,
  opts: ReadOptions,
  format?: DatasetFormat,
): void {
  const lines = lineBound(input);
  const x: ErrorExpectation = { file: opts.file, lines, wholeFile: WHOLE_FILE };
  const thrown = attempt(() => read(input, { ...opts, mode: 'throw' }));
  assertFast(thrown.ms, input.length, 'throw mode');
  const collected = attempt(() => read(input, { ...opts, mode: 'collect' }));
  assertFast(collected.ms, input.length, 'collect mode');
  if (!collected.ok) {
    assertReaderError(collected.error, x);
    assert.fail(`collect mode threw: ${(collected.error as Error).message}`);
  }
  const found = collected.value;
  for (const p of found.problems) {
    assert.equal(p.file, opts.file, `problem names the file: ${p.code} ${p.message}`);
    assertLine(p.line, p.code, x, `${p.code} ${p.message}`);
  }
  const errors = found.problems.filter((p) => p.severity === 'error');
  if (thrown.ok) {
    assert.deepEqual(errors, [], 'throw mode read it, so collect mode finds no error');
    assertSentences(thrown.value, opts, lines, format ?? thrown.value.format);
    assert.deepEqual(found.sentences, thrown.value.sentences, 'both modes read the same sentences');
  } else {
    const e = assertReaderError(thrown.error, x);
    const first = errors[0];
    assert.ok(first, `collect mode also finds ${e.code}`);
    assert.deepEqual(
      [first.code, first.line, first.message],
      [e.code, e.line, e.detail],
      'the first error is the one thrown',
    );
  }
}

// ---- options -------------------------------------------------------------------------------

const typeName = fc.oneof(
  fc.constantFrom('PER', 'LOC', 'ORG', 'MISC', 'OTHER', 'constructor'),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,5}$/),
);
const scheme = fc.constantFrom(...TAG_SCHEMES);

/** Reader options: mostly the defaults, sometimes every knob turned. */
export function readOptions(format: DatasetFormat | 'auto'): fc.Arbitrary<ReadOptions> {
  const knobs = fc.record(
    {
      lang: fc.constantFrom('en', 'de', 'xx'),
      scheme,
      targetScheme: scheme,
      typeMap: fc.dictionary(fc.oneof(typeName, fc.constantFrom(...PROTO_KEYS)), typeName, { maxKeys: 3 }),
      types: fc.array(typeName, { maxLength: 4 }),
      maxLineLength: fc.integer({ min: 1, max: 300 }),
      ...(format === 'conll' || format === 'auto'
        ? { tokenColumn: fc.integer({ min: -1, max: 4 }), tagColumn: fc.integer({ min: -1, max: 4 }) }
        : {}),
    },
    { requiredKeys: [] },
  );
  return fc
    .oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 2, arbitrary: knobs })
    .map((o) => ({ file: FILE, ...o }) as ReadOptions);
}

// ---- targets -------------------------------------------------------------------------------

function bytesTarget(format: DatasetFormat | 'auto', ciRuns: number): FuzzTarget {
  return fuzzTarget(
    { name: `${format}: any bytes`, reader: format, ciRuns },
    fc.tuple(anyBytes(), readOptions(format)),
    ([bytes, opts]) => checkRead(READERS[format], bytes, opts, format === 'auto' ? undefined : format),
  );
}

/** A real file's slice, edited line by line and then byte by byte. */
function realTarget(format: DatasetFormat, ciRuns: number): FuzzTarget {
  return fuzzTarget(
    { name: `${format}: edited real files`, reader: format, ciRuns, skip: NO_SHARED_DATA },
    fc.tuple(
      realSlice(format),
      fc.array(lineEdit, { maxLength: 8 }),
      fc.array(byteEdit, { maxLength: 2 }),
      readOptions(format),
      fc.boolean(),
    ),
    ([slice, edits, byteEdits, opts, detect]) => {
      const text = applyLineEdits(slice.lines, edits).join('\n') + (slice.finalNewline ? '\n' : '');
      const bytes = applyByteEdits(new TextEncoder().encode(text), byteEdits);
      checkRead(detect ? readData : READERS[format], bytes, opts, detect ? undefined : format);
    },
  );
}

/** JSONL lines of real sentences with JSON-level edits (wrong types, missing fields…). */
function jsonlMutatedTarget(ciRuns: number): FuzzTarget {
  return fuzzTarget(
    { name: 'jsonl: edited sentence objects', reader: 'jsonl', ciRuns, skip: NO_SHARED_DATA },
    fc.tuple(
      realSlice('jsonl', 20),
      fc.array(fc.tuple(fc.nat(), fc.array(jsonEdit, { minLength: 1, maxLength: 3 })), { maxLength: 4 }),
      readOptions('jsonl'),
    ),
    ([slice, edits, opts]) => {
      const lines = slice.lines.filter((l) => l !== '');
      for (const [at, e] of edits) {
        if (lines.length === 0) break;
        const i = at % lines.length;
        lines[i] = JSON.stringify(applyJsonEdits(JSON.parse(lines[i]!) as Json, e));
      }
      checkRead(readJsonl, `${lines.join('\n')}\n`, opts, 'jsonl');
    },
  );
}

// ---- round trips ---------------------------------------------------------------------------

const IOB2_TAGS = [
  'O',
  'B-PER',
  'I-PER',
  'B-LOC',
  'I-LOC',
  'B-ORG',
  'B-MISC',
  'I-MISC',
  'B-creative-work',
  'I-X.1',
  'B-constructor',
  'I-toString',
];

/**
 * A token of a line format: any graphemes and spaces (TAB-separated files keep them), but no
 * TAB, line end or control character, and not a keyword of the format (`-DOCSTART-`, `IMGID:`).
 */
const lineToken = fc
  .string({
    unit: fc.oneof(
      { weight: 6, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.constantFrom(' ', '\u00a0', '\u3000') },
    ),
    minLength: 1,
    maxLength: 6,
  })
  .filter(
    (t) => !/[\t\n\r\u0000-\u001f\u007f-\u009f]/u.test(t) && t !== '-DOCSTART-' && !t.startsWith('IMGID:'),
  );

function sentences(token: fc.Arbitrary<string>, id: fc.Arbitrary<string>): fc.Arbitrary<Sentence[]> {
  const sentence = fc
    .tuple(id, fc.array(fc.tuple(token, fc.constantFrom(...IOB2_TAGS)), { minLength: 1, maxLength: 8 }))
    .map(([sid, pairs]) => ({
      id: sid,
      lang: 'en',
      tokens: pairs.map((p) => p[0]),
      tags: pairs.map((p) => p[1]),
    }));
  return fc.uniqueArray(sentence, { minLength: 1, maxLength: 6, selector: (s) => s.id });
}

function roundTrip(
  format: DatasetFormat,
  ciRuns: number,
  arb: fc.Arbitrary<Sentence[]>,
  write: (s: readonly Sentence[]) => string,
  expected: (s: Sentence) => Partial<Sentence>,
): FuzzTarget {
  return fuzzTarget(
    { name: `${format}: write then read`, reader: format, ciRuns },
    fc.tuple(arb, fc.boolean()),
    ([written, asBytes]) => {
      const text = write(written);
      const input = asBytes ? new TextEncoder().encode(text) : text;
      const r = attempt(() => READERS[format](input, { file: FILE, lang: 'en' }));
      if (!r.ok)
        assert.fail(
          `the writer's output does not read back: ${(r.error as Error).message}\n${JSON.stringify(text)}`,
        );
      // Random tags may leave I- tags that continue no entity: those warnings are expected.
      const other = r.value.problems.filter((p) => !p.code.startsWith('W_TAG_'));
      assert.deepEqual(other, [], 'no problems but tag-sequence warnings');
      assert.deepEqual(
        r.value.sentences.map((s) => ({ ...expected(s), tokens: s.tokens, tags: s.tags })),
        written.map((s) => ({ ...expected(s), tokens: s.tokens, tags: s.tags })),
      );
      const stats = r.value.stats.entities;
      assert.deepEqual(
        Object.fromEntries(Object.entries(stats).sort((a, b) => (a[0] < b[0] ? -1 : 1))),
        entityCounts(written),
      );
    },
  );
}

/** An image id: what IMGID lines hold (no TAB, line end or trailing space: lines are trimmed). */
const lineId = lineToken.filter((t) => !/[ \t]$/.test(t));

export const DATA_TARGETS: FuzzTarget[] = [
  bytesTarget('imgid-conll', 150),
  bytesTarget('conll', 150),
  bytesTarget('jsonl', 150),
  bytesTarget('auto', 100),
  realTarget('imgid-conll', 150),
  realTarget('conll', 150),
  realTarget('jsonl', 60),
  jsonlMutatedTarget(150),
  roundTrip(
    'imgid-conll',
    100,
    sentences(lineToken, lineId).map((ss) => ss.map((s) => ({ ...s, image: s.id }))),
    formatImgidConll,
    (s) => ({ id: s.id, image: s.image }),
  ),
  roundTrip(
    'conll',
    100,
    sentences(lineToken, fc.constant('x')).map((ss) => ss.map((s, i) => ({ ...s, id: `s${i}` }))),
    formatConll,
    () => ({}),
  ),
  roundTrip(
    'jsonl',
    150,
    sentences(
      fc.oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
        fc.constantFrom('\ud800', '\u007f', '\u2028', ' '),
      ),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
    ).chain((ss) =>
      fc
        .tuple(
          ...ss.map(() =>
            fc.tuple(
              fc.constantFrom('en', 'fr', 'de', 'es'),
              fc.option(fc.string({ minLength: 1, maxLength: 5 }), { nil: undefined }),
            ),
          ),
        )
        .map((extra) =>
          ss.map((s, i) => {
            const [lang, image] = extra[i]!;
            return image === undefined ? { ...s, lang } : { ...s, lang, image };
          }),
        ),
    ),
    formatJsonl,
    (s) => ({ id: s.id, lang: s.lang, ...(s.image === undefined ? {} : { image: s.image }) }),
  ),
];
