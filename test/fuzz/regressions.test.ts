/**
 * The minimal counterexamples the fuzz properties found, one test each, so the fixes stay fixed
 * whatever seed the property tests draw.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readConll } from '../../src/core/data/conll.js';
import { loadDataset } from '../../src/core/data/dataset.node.js';
import { parseJsonLocated } from '../../src/core/data/json.js';
import { formatJsonl, readJsonl } from '../../src/core/data/jsonl.js';
import { parseManifest } from '../../src/core/data/manifest.js';
import { ProblemCollector } from '../../src/core/data/problems.js';
import { isMmnerError } from '../../src/core/errors.js';
import { readEvents } from '../../src/core/run/events.js';
import { decodeInspect, encodeInspect, type InspectData } from '../../src/core/run/inspect.js';
import { safetensorsFromBytes } from '../../src/model/weights/safetensors.js';
import { encodeSafetensors } from '../../src/model/weights/write.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint.js';
import type { Json } from './arbitraries.js';
import { assertBoundedMemory } from './invariant.js';
import { inspectHeaderOf, withInspectHeader } from './targets/run.js';
import { DIGEST_KEY, resign, STATE_KEY } from './targets/weights.js';

const code = (c: string, line?: number) => (e: unknown) =>
  isMmnerError(e) && e.code === c && (line === undefined || e.line === line);

test('conll: a line of 100,000 spaces is read in linear time (the layout scan was quadratic)', () => {
  // Found as 25,000 spaces after a 0xFF byte: 682 ms, over the time budget; 100,000 took ~7 s.
  const text = `${' '.repeat(100_000)}x\n`;
  const t0 = performance.now();
  assert.throws(() => readConll(text, { file: 'f.conll' }), code('E_DATA_COLUMNS'));
  const ms = performance.now() - t0;
  assert.ok(ms < 500, `${ms.toFixed(0)} ms`);
});

test('jsonl: a token holding U+007F is written escaped, so it reads back', () => {
  const s = { id: '\u0000', lang: 'en', tokens: ['\u007f'], tags: ['O'] };
  const text = formatJsonl([s]);
  assert.ok(!text.includes('\u007f'));
  assert.deepEqual(readJsonl(text, { file: 'f.jsonl' }).sentences[0]!.tokens, ['\u007f']);
});

test('jsonl: an "id" nested 5,000 arrays deep is an E_DATA_JSON_FIELD, not a RangeError', () => {
  const line = `{"id":${'['.repeat(5000)}${']'.repeat(5000)},"tokens":["a"],"tags":["O"]}\n`;
  assert.throws(() => readJsonl(line, { file: 'f.jsonl' }), code('E_DATA_JSON_FIELD', 1));
});

test('json: "__proto__" is an own key, as JSON.parse makes it, never the prototype', () => {
  const text = '{"__proto__":null,"a":{"__proto__":{"x":1}}}';
  const v = parseJsonLocated(text).value as Record<string, unknown>;
  assert.deepStrictEqual(v, JSON.parse(text));
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
});

test('manifest: a valid manifest under "__proto__" is not taken for the manifest', () => {
  const inner = {
    version: 1,
    name: 'x',
    splits: { train: [{ lang: 'en', file: 'a.txt', format: 'conll' }] },
  };
  // It was accepted as an empty manifest: fields read through the prototype, splits undefined.
  const text = `{"__proto__":${JSON.stringify(inner)}}`;
  assert.throws(
    () => parseManifest(text, 'd.json', new ProblemCollector('throw')),
    code('E_MANIFEST_FIELD', 1),
  );
});

test('manifest: split and subset names must be plain names; typeMap renames to type names', () => {
  const entry = [{ lang: 'en', file: 'a.txt', format: 'conll' }];
  const cases: [Json, RegExp][] = [
    [
      { splits: JSON.parse('{"__proto__":[{"lang":"en","file":"a.txt","format":"conll"}]}') as Json },
      /splits\.__proto__: the name/,
    ],
    [{ splits: { 'a/b': entry } }, /splits\.a\/b: the name/],
    [{ splits: { train: entry }, subsets: { '': 'ids.txt' } }, /subsets\.: the name/],
    [{ splits: { train: entry }, typeMap: { ORG: 'has space' } }, /typeMap: must map type names/],
  ];
  for (const [fields, re] of cases) {
    const text = JSON.stringify({ version: 1, name: 'x', ...(fields as object) });
    const p = new ProblemCollector('collect');
    assert.equal(parseManifest(text, 'd.json', p), undefined, text);
    assert.match(
      p
        .finish()
        .map((x) => x.message)
        .join('\n'),
      re,
    );
  }
});

test('entity types named after Object.prototype members are counted, not concatenated', async () => {
  // stats.entities.constructor was "function Object() { [native code] }1".
  const r = readConll('a\tB-constructor\nb\tB-toString\nc\tI-toString\n', { file: 'f.conll' });
  assert.deepEqual(r.stats.entities, { constructor: 1, toString: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'mmner-fuzz-regression-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.conll'), 'a\tB-constructor\n');
  writeFileSync(join(dir, 'b.conll'), 'b\tB-constructor\n');
  const files = ['a.conll', 'b.conll'].map((file) => ({ lang: 'en', file, format: 'conll' }));
  writeFileSync(
    join(dir, 'dataset.json'),
    JSON.stringify({ version: 1, name: 'x', splits: { train: files } }),
  );
  const loaded = await loadDataset(join(dir, 'dataset.json'));
  assert.deepEqual(loaded.stats.train!.entities, { constructor: 2 });
});

test('events: a known event with a mistyped or missing field is an error at its line', () => {
  const good = '{"type":"runEnd","time":1,"step":2,"reason":"completed","elapsedSec":3}';
  for (const bad of [
    '{"type":"step","step":"x"}',
    '{"type":"runEnd","time":1,"step":2,"reason":"bored","elapsedSec":3}',
    `{"type":"eval","time":1,"step":1,"epoch":0,"split":"dev","f1":${'['.repeat(5000)}${']'.repeat(5000)},"best":true}`,
  ]) {
    assert.throws(() => readEvents(`${good}\n${bad}\n`, 'events.jsonl'), code('E_EVENTS_LINE', 2), bad);
  }
  // A non-finite number was written as null: it reads back as NaN, a number.
  const r = readEvents('{"type":"earlyStop","time":1,"step":4,"bestStep":2,"bestF1":null,"patience":1}\n');
  assert.ok(Number.isNaN((r.events[0] as { bestF1: number }).bestF1));
});

function inspectSample(): InspectData {
  return {
    split: 'dev',
    dim: 1,
    branches: ['cnn'],
    regionGrid: [[1, 1]],
    ids: ['a'],
    tokenOffsets: Int32Array.from([0, 1]),
    sentence: new Float32Array(1),
    tokens: new Float32Array(1),
    image: [new Float32Array(1)],
    regions: [new Float32Array(1)],
    attention: [new Float32Array(1)],
    gate: [new Float32Array(1)],
  };
}

test('inspect: header fields of the wrong type or shape are E_INSPECT_FORMAT naming the file', () => {
  const bytes = encodeInspect(inspectSample());
  const header = inspectHeaderOf(bytes) as Record<string, Json>;
  const blocks = header.blocks as Record<string, Json>[];
  const edits: Record<string, Json>[] = [
    { tokenOffsets: null }, // TypeError: undefined is not iterable
    { blocks: [null] }, // TypeError
    { blocks: [{ ...blocks[0]!, length: 0.5 }, ...blocks.slice(1)] }, // RangeError: Float32Array of 2 bytes
    { split: null }, // accepted
    { ids: [], tokenOffsets: [0], dim: -3, blocks: blocks.map((b) => ({ ...b, length: 0 })) }, // accepted: 0 × −3 = −0
    { regionGrid: [] }, // accepted: views index regionGrid[b]
  ];
  for (const edit of edits) {
    assert.throws(
      () => decodeInspect(withInspectHeader(bytes, { ...header, ...edit }), 'x.inspect.bin'),
      (e) => {
        return isMmnerError(e) && e.code === 'E_INSPECT_FORMAT' && e.file === 'x.inspect.bin';
      },
      JSON.stringify(edit),
    );
  }
  const d = inspectSample();
  d.ids = ['a', 'b'];
  d.tokenOffsets = Int32Array.from([0, 1, 0]); // falls: a view would slice tokens backwards
  d.sentence = new Float32Array(2);
  d.image = [new Float32Array(2)];
  d.regions = [new Float32Array(2)];
  assert.throws(() => encodeInspect(d), /tokenOffsets .* do not rise from 0/);
});

test('safetensors: a "__proto__" metadata key is kept', () => {
  const meta = JSON.parse('{"__proto__":"x","format":"pt"}') as Record<string, string>;
  assert.deepStrictEqual(
    safetensorsFromBytes(encodeSafetensors([], meta), 'm.safetensors').header.metadata,
    meta,
  );
});

test('safetensors: a 2^40-element tensor or a 2 GB header length is refused without allocating it', async () => {
  const huge = new TextEncoder().encode(
    JSON.stringify({ t: { dtype: 'F32', shape: [2 ** 40], data_offsets: [0, 2 ** 42] } }),
  );
  const bytes = new Uint8Array(8 + huge.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(huge.length), true);
  bytes.set(huge, 8);
  const twoGb = new Uint8Array(64);
  new DataView(twoGb.buffer).setBigUint64(0, 2n ** 31n, true);
  for (const [b, c] of [
    [bytes, 'E_WEIGHTS_OFFSETS'],
    [twoGb, 'E_WEIGHTS_HEADER'],
  ] as const) {
    await assertBoundedMemory(1 << 20, () =>
      assert.throws(() => safetensorsFromBytes(b, 'm.safetensors'), code(c)),
    );
  }
});

test('checkpoint: re-signed files with foreign names or state types are E_CHECKPOINT_CORRUPT', async () => {
  const sign = (tensors: Parameters<typeof encodeSafetensors>[0], state: Json) =>
    resign(encodeSafetensors(tensors, { [STATE_KEY]: JSON.stringify(state), [DIGEST_KEY]: '0'.repeat(64) }));
  const state = {
    format: 1,
    step: 0,
    sampler: { seed: 's', epoch: 0, position: 0 },
    loop: { evalsSinceBest: 0 },
  };
  const x = { name: 'constructor/x', dtype: 'F32' as const, shape: [], data: new Float32Array(1) };
  const cases: Uint8Array[] = [
    sign([x], state), // TypeError: target.set is not a function
    sign([], { ...state, format: { toString: null } }), // TypeError: Cannot convert object to primitive value
    sign([], { ...state, step: null }), // accepted
    sign([], { ...state, sampler: null }), // accepted; the sampler's restore threw a TypeError
    sign([], { ...state, optimizerSteps: null }), // accepted; AdamW.importState threw a TypeError
  ];
  for (const bytes of cases)
    await assert.rejects(decodeCheckpoint(bytes, 'c.safetensors'), code('E_CHECKPOINT_CORRUPT'));
  // The writer's own files still read.
  const ok = await encodeCheckpoint({
    state,
    variables: new Map(),
    optimizer: { steps: {}, m: new Map(), v: new Map() },
  });
  assert.deepEqual((await decodeCheckpoint(ok, 'c.safetensors')).state, state);
});
