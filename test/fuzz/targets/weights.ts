/**
 * Safetensors (bytes in memory and files on disk) and mmner checkpoints. A reader returns
 * tensors whose data fit their shape, or throws an MmnerError naming the file; a header that
 * claims 2^40 elements or a 2 GB header length is refused from the numbers, without allocating.
 * A checkpoint with any byte changed is refused; one re-signed after an edit is read only when
 * every field has its type.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DTYPE_SIZE, type SafetensorsDtype } from '../../../src/model/weights/dtype.js';
import { safetensorsFromBytes, type WeightSource } from '../../../src/model/weights/safetensors.js';
import { openSafetensors } from '../../../src/model/weights/safetensors.node.js';
import { encodeSafetensors, type TensorToWrite } from '../../../src/model/weights/write.js';
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from '../../../src/train/checkpoint.js';
import {
  anyBytes,
  applyByteEdits,
  applyJsonEdits,
  byteEdit,
  concatBytes,
  deepJson,
  type Json,
  jsonEdit,
  jsonValue,
  objectOf,
  PROTO_KEYS,
} from '../arbitraries.js';
import { assertBoundedMemory, assertFast, assertReaderError, attemptAsync } from '../invariant.js';
import { type FuzzTarget, fuzzTarget } from '../target.js';

const FILE = 'fuzz/model.safetensors';
const utf8 = new TextEncoder();
const DTYPES = Object.keys(DTYPE_SIZE) as SafetensorsDtype[];
/** Decoding may widen (U8 → int32 is 4×); anything past that plus some slack is an allocation bug. */
const memoryLimit = (bytes: Uint8Array) => 4 * bytes.length + (8 << 20);

// ---- safetensors ---------------------------------------------------------------------------

/** Every tensor a source lists reads with data that fits its shape, or gives an MmnerError. */
async function assertReadable(source: WeightSource, file: string): Promise<void> {
  for (const name of source.names()) {
    const info = source.info(name)!;
    assert.ok(
      info.shape.every((d) => Number.isSafeInteger(d) && d >= 0),
      `${name}: shape ${info.shape}`,
    );
    const t = await attemptAsync(() => source.readTensor(name));
    if (!t.ok) {
      assertReaderError(t.error, { file });
      continue;
    }
    const n = info.shape.reduce((a, b) => a * b, 1);
    assert.equal(t.value.data.length, n, `${name}: ${n} elements`);
    assert.deepEqual(t.value.shape, info.shape);
  }
}

/** The safetensors invariant over bytes in memory. */
export async function checkSafetensors(bytes: Uint8Array): Promise<void> {
  await assertBoundedMemory(memoryLimit(bytes), async () => {
    const t0 = performance.now();
    let source: ReturnType<typeof safetensorsFromBytes>;
    try {
      source = safetensorsFromBytes(bytes, FILE);
    } catch (e) {
      assertReaderError(e, { file: FILE });
      return;
    }
    await assertReadable(source, FILE);
    assertFast(performance.now() - t0, bytes.length, 'safetensorsFromBytes');
  });
}

let tempDir: string | undefined;
let fileCounter = 0;

/** The same invariant for a file on disk (openSafetensors reads the header, then ranges). */
async function checkSafetensorsFile(bytes: Uint8Array): Promise<void> {
  if (!tempDir) {
    const dir = await mkdtemp(join(tmpdir(), 'mmner-fuzz-weights-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    tempDir = dir;
  }
  const path = join(tempDir, `f${++fileCounter % 4}.safetensors`);
  await writeFile(path, bytes);
  await assertBoundedMemory(memoryLimit(bytes), async () => {
    const opened = await attemptAsync(() => openSafetensors(path));
    if (!opened.ok) {
      assertReaderError(opened.error, { file: path });
      return;
    }
    try {
      await assertReadable(opened.value, path);
    } finally {
      await opened.value.close();
    }
  });
}

/** Tensors of any dtype with raw bytes of the right length. */
const tensors: fc.Arbitrary<TensorToWrite[]> = fc
  .uniqueArray(
    fc.record({
      name: fc.oneof(
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.constantFrom('constructor', 'toString', '__proto__', '0', 'a.weight'),
      ),
      dtype: fc.constantFrom(...DTYPES),
      shape: fc.array(fc.nat(3), { maxLength: 3 }),
    }),
    { maxLength: 4, selector: (t) => t.name },
  )
  .filter((ts) => ts.every((t) => t.name !== '__metadata__'))
  .chain((ts) =>
    fc
      .tuple(
        ...ts.map((t) =>
          fc.uint8Array({
            minLength: numel(t.shape) * DTYPE_SIZE[t.dtype],
            maxLength: numel(t.shape) * DTYPE_SIZE[t.dtype],
          }),
        ),
      )
      .map((datas) => ts.map((t, i) => ({ ...t, data: datas[i]! }))),
  );

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const metadata = fc.option(
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(...PROTO_KEYS)),
        fc.string({ maxLength: 6 }),
      ),
      { maxLength: 3 },
    )
    .map((e) => objectOf(e) as Record<string, string>),
  { nil: undefined },
);

/** Header length, header bytes and data, with the header replaced by `header` (data kept). */
function withHeader(bytes: Uint8Array, header: string, declared?: bigint): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const json = utf8.encode(header);
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  return concatBytes([head, json, bytes.subarray(8 + n)]);
}

function headerOf(bytes: Uint8Array): Json {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Json;
}

/** Values that break a header: offsets outside or overlapping, shapes that overflow, junk dtypes. */
const hostile = fc.constantFrom<Json>(
  [0, 2 ** 40],
  [2 ** 53, 2 ** 53 + 8],
  [8, 0],
  [-4, 4],
  [0, 0],
  [0.5, 4],
  [2 ** 40],
  [2 ** 20, 2 ** 20, 2 ** 20],
  [2 ** 31, 2 ** 31, 2 ** 31, 2 ** 31, 2 ** 31, 2 ** 31, 0],
  [1e308, 0],
  [-1],
  'F8_E4M3',
  'f32',
  'F128',
  '__proto__',
  'constructor',
  'toString',
  '',
);

/** Lengths the first 8 bytes may claim: 0, tiny, 2 GB, 2^63, the maximum. */
const claimedLength = fc.constantFrom(
  0n,
  1n,
  7n,
  2n ** 31n,
  2n ** 32n,
  100_000_001n,
  2n ** 63n,
  2n ** 64n - 1n,
);

const editedSafetensors = fc
  .tuple(
    tensors,
    metadata,
    fc.array(
      fc.oneof(jsonEdit, fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostile })),
      { maxLength: 3 },
    ),
    fc.option(claimedLength, { nil: undefined }),
    fc.array(byteEdit, { maxLength: 2 }),
  )
  .map(([ts, meta, edits, declared, byteEdits]) => {
    const bytes = encodeSafetensors(ts, meta);
    const edited =
      edits.length > 0 || declared !== undefined
        ? withHeader(bytes, JSON.stringify(applyJsonEdits(headerOf(bytes), edits)), declared)
        : bytes;
    return applyByteEdits(edited, byteEdits);
  });

/** An 8-byte length and any header text: JSON values, deep nesting, or bytes. */
const safetensorsLike = fc
  .tuple(
    fc.option(claimedLength, { nil: undefined }),
    fc.oneof(
      jsonValue.map((v) => JSON.stringify(v)),
      deepJson(20_000),
    ),
    fc.uint8Array({ maxLength: 64 }),
  )
  .map(([declared, header, data]) => {
    const json = utf8.encode(header);
    const head = new Uint8Array(8);
    new DataView(head.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
    return concatBytes([head, json, data]);
  });

// ---- checkpoints ---------------------------------------------------------------------------

const CKPT_FILE = 'runs/fuzz/checkpoints/step-00000001.safetensors';
/** The metadata keys of checkpoint.ts, repeated here to re-sign edited checkpoints. */
export const STATE_KEY = 'mmner.checkpoint';
export const DIGEST_KEY = 'mmner.sha256';

const shape = fc.array(fc.nat(3), { maxLength: 3 });
const floats = (s: number[]) =>
  fc.array(fc.float(), { minLength: numel(s), maxLength: numel(s) }).map((a) => Float32Array.from(a));
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));

const checkpoint: fc.Arbitrary<Checkpoint> = fc
  .uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_./]{0,8}$/), shape), {
    maxLength: 3,
    selector: (v) => v[0],
  })
  .chain((vars) =>
    fc
      .record({
        values: fc.tuple(...vars.map(([, s]) => fc.tuple(floats(s), floats(s), floats(s), fc.nat(1000)))),
        step: fc.nat(10_000),
        sampler: fc.record(
          { seed: fc.string({ maxLength: 6 }), epoch: fc.nat(50), position: fc.nat(50) },
          { noNullPrototype: true },
        ),
        loop: fc.record(
          { evalsSinceBest: fc.nat(10), bestF1: finite, bestStep: fc.nat(100), lastEvalStep: fc.nat(100) },
          { requiredKeys: ['evalsSinceBest'], noNullPrototype: true },
        ),
        extra: fc.option(
          fc.dictionary(fc.string({ maxLength: 5 }), jsonValue, { maxKeys: 3, noNullPrototype: true }),
          { nil: undefined },
        ),
      })
      .map(({ values, step, sampler, loop, extra }): Checkpoint => {
        const ckpt: Checkpoint = {
          state: { format: 1, step, sampler, loop, ...(extra ? { extra } : {}) },
          variables: new Map(),
          optimizer: { steps: {}, m: new Map(), v: new Map() },
        };
        vars.forEach(([name, s], i) => {
          const [p, m, v, steps] = values[i]!;
          ckpt.variables.set(name, { shape: s, data: p });
          ckpt.optimizer.m.set(name, { shape: s, data: m });
          ckpt.optimizer.v.set(name, { shape: s, data: v });
          ckpt.optimizer.steps[name] = steps;
        });
        return ckpt;
      }),
  );

/** Writes the digest over `bytes` (its digest field zeroed) as encodeCheckpoint does. */
export function resign(bytes: Uint8Array): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  const key = `"${DIGEST_KEY}":"`;
  const at = header.indexOf(key);
  if (at < 0) return bytes;
  const start = 8 + utf8.encode(header.slice(0, at + key.length)).length;
  const out = bytes.slice();
  out.set(utf8.encode('0'.repeat(64)), start);
  out.set(utf8.encode(createHash('sha256').update(out).digest('hex')), start);
  return out;
}

/** A checkpoint's tensors and state, edited, then written and signed as a writer would. */
const resigned = fc
  .tuple(
    checkpoint,
    fc.array(jsonEdit, { maxLength: 3 }),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.oneof(
          fc.constantFrom(
            'constructor/x',
            '__proto__/x',
            'toString/a',
            'param',
            '/x',
            'param/',
            'adam.m/zz',
            'other/x',
          ),
          fc.string({ maxLength: 6 }),
        ),
      ),
      { maxLength: 2 },
    ),
    fc.option(fc.constantFrom<SafetensorsDtype>('F16', 'I32', 'U8', 'F8_E5M2', 'F64'), { nil: undefined }),
  )
  .map(([ckpt, stateEdits, renames, dtype]) => {
    const tensors: TensorToWrite[] = [];
    for (const [prefix, map] of [
      ['param', ckpt.variables],
      ['adam.m', ckpt.optimizer.m],
      ['adam.v', ckpt.optimizer.v],
    ] as const)
      for (const [name, a] of map)
        tensors.push({ name: `${prefix}/${name}`, dtype: 'F32', shape: a.shape, data: a.data });
    for (const [at, name] of renames)
      if (tensors.length > 0 && !tensors.some((t) => t.name === name))
        tensors[at % tensors.length]!.name = name;
    if (dtype && tensors.length > 0) {
      const t = tensors[0]!;
      tensors[0] = { ...t, dtype, data: new Uint8Array(numel(t.shape) * DTYPE_SIZE[dtype]) };
    }
    const state = applyJsonEdits(
      JSON.parse(JSON.stringify({ ...ckpt.state, optimizerSteps: ckpt.optimizer.steps })) as Json,
      stateEdits,
    );
    return resign(
      encodeSafetensors(tensors, { [STATE_KEY]: JSON.stringify(state), [DIGEST_KEY]: '0'.repeat(64) }),
    );
  });

const isCount = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;

/** What a decoded checkpoint promises: the fields resuming reads, with their types. */
function assertCheckpoint(c: Checkpoint): void {
  const s = c.state;
  assert.equal(s.format, 1);
  assert.ok(isCount(s.step), `step ${String(s.step)}`);
  assert.ok(s.sampler && typeof s.sampler === 'object', 'sampler state');
  assert.equal(typeof s.sampler.seed, 'string');
  assert.ok(isCount(s.sampler.epoch) && isCount(s.sampler.position), 'sampler epoch and position');
  assert.ok(s.loop && typeof s.loop === 'object', 'loop state');
  assert.ok(isCount(s.loop.evalsSinceBest), 'evalsSinceBest');
  for (const k of ['bestStep', 'lastEvalStep'] as const)
    assert.ok(s.loop[k] === undefined || isCount(s.loop[k]), k);
  assert.ok(s.loop.bestF1 === undefined || typeof s.loop.bestF1 === 'number', 'bestF1');
  assert.ok(
    s.extra === undefined || (typeof s.extra === 'object' && s.extra !== null && !Array.isArray(s.extra)),
    'extra',
  );
  assert.ok(
    c.optimizer.steps && typeof c.optimizer.steps === 'object' && !Array.isArray(c.optimizer.steps),
    'optimizer steps',
  );
  for (const [k, v] of Object.entries(c.optimizer.steps)) assert.ok(isCount(v), `optimizer step of ${k}`);
  for (const map of [c.variables, c.optimizer.m, c.optimizer.v]) {
    assert.ok(map instanceof Map);
    for (const [, a] of map) {
      assert.ok(a.data instanceof Float32Array);
      assert.equal(a.data.length, numel(a.shape));
    }
  }
}

async function checkCheckpointBytes(bytes: Uint8Array): Promise<Checkpoint | undefined> {
  const copy = bytes.slice();
  const r = await attemptAsync(() => decodeCheckpoint(bytes, CKPT_FILE));
  assertFast(r.ms, bytes.length, 'decodeCheckpoint');
  assert.deepEqual(bytes, copy, 'the input is left as it was');
  if (!r.ok) {
    assertReaderError(r.error, { file: CKPT_FILE });
    return undefined;
  }
  assertCheckpoint(r.value);
  return r.value;
}

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

// ---- targets -------------------------------------------------------------------------------

export const WEIGHTS_TARGETS: FuzzTarget[] = [
  fuzzTarget(
    { name: 'safetensors: any bytes', reader: 'safetensors', ciRuns: 400 },
    fc.oneof(anyBytes(), safetensorsLike),
    checkSafetensors,
  ),
  fuzzTarget(
    { name: 'safetensors: edited files', reader: 'safetensors', ciRuns: 600 },
    editedSafetensors,
    checkSafetensors,
  ),
  fuzzTarget(
    { name: 'safetensors: write then read', reader: 'safetensors', ciRuns: 300 },
    fc.tuple(tensors, metadata),
    async ([ts, meta]) => {
      const src = safetensorsFromBytes(encodeSafetensors(ts, meta), FILE);
      assert.deepStrictEqual(src.header.metadata, meta ?? {});
      // Sorted: JSON objects list integer-like keys ("0") first, so header order is not file order.
      assert.deepEqual(src.names().sort(), ts.map((t) => t.name).sort());
      for (const t of ts) {
        const info = src.info(t.name)!;
        assert.deepEqual([info.dtype, info.shape], [t.dtype, t.shape]);
        const r = await attemptAsync(() => src.readTensor(t.name));
        if (!r.ok) {
          // F8 is not read, and 64-bit or unsigned integers may not fit int32: both are MmnerErrors.
          assert.ok(['F8_E5M2', 'F8_E4M3', 'U32', 'I64', 'U64'].includes(t.dtype), `${t.dtype} reads`);
          assertReaderError(r.error, { file: FILE });
          continue;
        }
        const raw = t.data as Uint8Array;
        if (t.dtype === 'F32' || t.dtype === 'I32')
          assert.deepEqual(new Uint8Array(r.value.data.buffer), raw);
        if (t.dtype === 'U8' || t.dtype === 'BOOL') assert.deepEqual([...r.value.data], [...raw]);
        assert.equal(r.value.data.length, numel(t.shape));
      }
    },
  ),
  fuzzTarget(
    { name: 'safetensors: files on disk', reader: 'safetensors', ciRuns: 80 },
    fc.oneof(editedSafetensors, safetensorsLike),
    checkSafetensorsFile,
  ),
  fuzzTarget(
    { name: 'checkpoint: any bytes', reader: 'checkpoint', ciRuns: 200 },
    fc.oneof(anyBytes(10_000), safetensorsLike),
    checkCheckpointBytes,
  ),
  fuzzTarget(
    { name: 'checkpoint: changed bytes are refused', reader: 'checkpoint', ciRuns: 150 },
    fc.tuple(checkpoint, fc.array(byteEdit, { minLength: 1, maxLength: 3 })),
    async ([ckpt, edits]) => {
      const bytes = await encodeCheckpoint(ckpt);
      const edited = applyByteEdits(bytes, edits);
      const back = await checkCheckpointBytes(edited);
      if (back) assert.deepEqual(edited, bytes, 'only an unchanged file reads (the edits undid each other)');
    },
  ),
  fuzzTarget(
    { name: 'checkpoint: re-signed edits', reader: 'checkpoint', ciRuns: 300 },
    resigned,
    checkCheckpointBytes,
  ),
  fuzzTarget(
    { name: 'checkpoint: write then read', reader: 'checkpoint', ciRuns: 100 },
    checkpoint,
    async (ckpt) => {
      const back = await decodeCheckpoint(await encodeCheckpoint(ckpt), CKPT_FILE);
      assert.deepStrictEqual(back.state, JSON.parse(JSON.stringify(ckpt.state)));
      assert.deepStrictEqual(back.optimizer.steps, ckpt.optimizer.steps);
      for (const [mine, theirs] of [
        [back.variables, ckpt.variables],
        [back.optimizer.m, ckpt.optimizer.m],
        [back.optimizer.v, ckpt.optimizer.v],
      ] as const) {
        assert.deepEqual([...mine.keys()], [...theirs.keys()]);
        for (const [k, a] of theirs) {
          assert.deepEqual(mine.get(k)!.shape, a.shape);
          assert.deepEqual(bytesOf(mine.get(k)!.data), bytesOf(a.data));
        }
      }
    },
  ),
];
