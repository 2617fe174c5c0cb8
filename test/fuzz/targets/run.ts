/**
 * Run-directory files: events.jsonl (`readEvents`), the inspection file (`decodeInspect`) and
 * config.json (`RunDir.readConfig`). Each returns what was written or throws an MmnerError
 * naming the file (and, for events.jsonl, the line); a torn last event line is skipped.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  CHECKPOINT_REASONS,
  END_REASONS,
  formatEvent,
  readEvents,
  type TrainEvent,
} from '../../../src/core/run/events.js';
import { decodeInspect, encodeInspect, type InspectData } from '../../../src/core/run/inspect.js';
import { RunDir } from '../../../src/core/run/runDir.node.js';
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
} from '../arbitraries.js';
import { assertFast, assertReaderError, attempt, attemptAsync } from '../invariant.js';
import { type FuzzTarget, fuzzTarget } from '../target.js';

const utf8 = new TextEncoder();

// ---- events.jsonl --------------------------------------------------------------------------

const EVENTS_FILE = 'runs/fuzz/events.jsonl';

/** What each event type's fields are, written out again here so the test does not trust the reader. */
function assertEvent(e: TrainEvent): void {
  const num = (v: unknown, what: string) => assert.equal(typeof v, 'number', `${e.type}.${what} is a number`);
  num(e.time, 'time');
  switch (e.type) {
    case 'runStart':
      for (const k of ['startStep', 'totalSteps', 'batchesPerEpoch'] as const) num(e[k], k);
      if (e.resumedFrom !== undefined) assert.equal(typeof e.resumedFrom, 'string');
      break;
    case 'step':
      for (const k of ['step', 'epoch', 'lr', 'gradNorm', 'examplesPerSec', 'etaSec'] as const) num(e[k], k);
      assert.ok(e.loss && typeof e.loss === 'object' && !Array.isArray(e.loss));
      for (const [k, v] of Object.entries(e.loss)) num(v, `loss.${k}`);
      break;
    case 'eval':
      for (const k of ['step', 'epoch', 'f1'] as const) num(e[k], k);
      assert.equal(typeof e.split, 'string');
      assert.equal(typeof e.best, 'boolean');
      for (const [k, v] of Object.entries(e.perLanguage ?? {})) num(v, `perLanguage.${k}`);
      break;
    case 'checkpoint':
      num(e.step, 'step');
      assert.equal(typeof e.path, 'string');
      assert.ok(CHECKPOINT_REASONS.includes(e.reason));
      break;
    case 'earlyStop':
      for (const k of ['step', 'bestStep', 'bestF1', 'patience'] as const) num(e[k], k);
      break;
    case 'interrupted':
      num(e.step, 'step');
      assert.equal(typeof e.checkpoint, 'string');
      break;
    case 'runEnd':
      for (const k of ['step', 'elapsedSec'] as const) num(e[k], k);
      assert.ok(END_REASONS.includes(e.reason));
      if (e.bestStep !== undefined) num(e.bestStep, 'bestStep');
      if (e.bestF1 !== undefined) num(e.bestF1, 'bestF1');
      break;
    default:
      assert.fail(`unknown event type ${(e as { type: unknown }).type}`);
  }
}

/** The events invariant: a parse of well-typed events, or an MmnerError at a line. */
export function checkEvents(text: string): void {
  const r = attempt(() => readEvents(text, EVENTS_FILE));
  assertFast(r.ms, text.length, 'readEvents');
  const lines = text.split('\n');
  if (!r.ok) {
    assertReaderError(r.error, { file: EVENTS_FILE, lines: lines.length });
    return;
  }
  for (const e of r.value.events) assertEvent(e);
  if (r.value.torn) {
    const last = lines[lines.length - 1]!.trim();
    assert.ok(
      last !== '' && attempt(() => JSON.parse(last)).ok === false,
      'torn only when the last line is not JSON',
    );
  }
}

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
/** Numbers as a trainer may produce them; NaN and ±Infinity are written as null and read as NaN. */
const metric = fc.oneof(
  { weight: 9, arbitrary: finite },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity) },
);
const count = fc.nat(100_000);
const numbers = fc.dictionary(fc.constantFrom('crf', 'clVit', 'total', 'en', 'de', '__proto__'), metric, {
  noNullPrototype: true,
});
const text = fc.string({ unit: 'binary', maxLength: 12 });
const opt = { noNullPrototype: true } as const;

const event: fc.Arbitrary<TrainEvent> = fc.oneof(
  fc.record(
    {
      type: fc.constant('runStart' as const),
      time: count,
      startStep: count,
      totalSteps: count,
      batchesPerEpoch: count,
      resumedFrom: text,
    },
    { ...opt, requiredKeys: ['type', 'time', 'startStep', 'totalSteps', 'batchesPerEpoch'] },
  ),
  fc.record(
    {
      type: fc.constant('step' as const),
      time: count,
      step: count,
      epoch: count,
      loss: numbers,
      lr: metric,
      gradNorm: metric,
      examplesPerSec: metric,
      etaSec: metric,
    },
    opt,
  ),
  fc.record(
    {
      type: fc.constant('eval' as const),
      time: count,
      step: count,
      epoch: count,
      split: text,
      f1: metric,
      perLanguage: numbers,
      best: fc.boolean(),
    },
    { ...opt, requiredKeys: ['type', 'time', 'step', 'epoch', 'split', 'f1', 'best'] },
  ),
  fc.record(
    {
      type: fc.constant('checkpoint' as const),
      time: count,
      step: count,
      path: text,
      reason: fc.constantFrom(...CHECKPOINT_REASONS),
    },
    opt,
  ),
  fc.record(
    {
      type: fc.constant('earlyStop' as const),
      time: count,
      step: count,
      bestStep: count,
      bestF1: metric,
      patience: count,
    },
    opt,
  ),
  fc.record({ type: fc.constant('interrupted' as const), time: count, step: count, checkpoint: text }, opt),
  fc.record(
    {
      type: fc.constant('runEnd' as const),
      time: count,
      step: count,
      reason: fc.constantFrom(...END_REASONS),
      bestStep: count,
      bestF1: metric,
      elapsedSec: metric,
    },
    { ...opt, requiredKeys: ['type', 'time', 'step', 'reason', 'elapsedSec'] },
  ),
);

/** The event as it reads back: non-finite numbers become NaN (JSON has no Infinity). */
function asRead(e: TrainEvent): TrainEvent {
  return JSON.parse(
    JSON.stringify(e, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? '\u0000NaN' : v)),
    (_k, v) => (v === '\u0000NaN' ? Number.NaN : v),
  ) as TrainEvent;
}

// ---- the inspection file -------------------------------------------------------------------

const INSPECT_FILE = 'runs/fuzz/eval/test.inspect.bin';

const floats = (n: number) =>
  fc.array(fc.float(), { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));

/** Inspection data whose shapes agree. */
const inspectData: fc.Arbitrary<InspectData> = fc
  .record({
    dim: fc.nat(3),
    tokens: fc.array(fc.nat(3), { maxLength: 4 }),
    branches: fc.uniqueArray(fc.constantFrom('cnn', 'vit', 'resnet'), { maxLength: 2 }),
    grid: fc.tuple(fc.nat(2), fc.nat(2)),
    split: fc.constantFrom('dev', 'test'),
  })
  .chain(({ dim, tokens, branches, grid, split }) => {
    const n = tokens.length;
    const offsets = [0];
    for (const t of tokens) offsets.push(offsets[offsets.length - 1]! + t);
    const total = offsets[n]!;
    const r = grid[0] * grid[1];
    const perBranch = (len: number) => fc.tuple(...branches.map(() => floats(len)));
    return fc
      .record({
        ids: fc.array(fc.string({ unit: 'binary', maxLength: 6 }), { minLength: n, maxLength: n }),
        sentence: floats(n * dim),
        tokens: floats(total * dim),
        image: perBranch(n * dim),
        regions: perBranch(n * r * dim),
        attention: perBranch(total * r),
        gate: perBranch(total),
      })
      .map(
        (b): InspectData => ({
          split,
          dim,
          branches,
          regionGrid: branches.map(() => [grid[0], grid[1]] as [number, number]),
          ids: b.ids,
          tokenOffsets: Int32Array.from(offsets),
          sentence: b.sentence,
          tokens: b.tokens,
          image: b.image,
          regions: b.regions,
          attention: b.attention,
          gate: b.gate,
        }),
      );
  });

/** What a decoded file promises: shapes that agree, so views can index without checks. */
function assertInspect(d: InspectData): void {
  const n = d.ids.length;
  assert.ok(typeof d.split === 'string');
  assert.ok(Number.isSafeInteger(d.dim) && d.dim >= 0, `dim ${d.dim}`);
  assert.ok(d.ids.every((id) => typeof id === 'string'));
  assert.ok(d.branches.every((b) => typeof b === 'string'));
  assert.equal(d.regionGrid.length, d.branches.length, 'a region grid per branch');
  assert.equal(d.tokenOffsets.length, n + 1);
  assert.equal(d.tokenOffsets[0], 0);
  for (let i = 0; i < n; i++)
    assert.ok(d.tokenOffsets[i]! <= d.tokenOffsets[i + 1]!, 'token offsets never decrease');
  const total = d.tokenOffsets[n]!;
  assert.equal(d.sentence.length, n * d.dim);
  assert.equal(d.tokens.length, total * d.dim);
  d.branches.forEach((_b, i) => {
    const [rows, cols] = d.regionGrid[i]!;
    assert.ok(
      Number.isSafeInteger(rows) && rows >= 0 && Number.isSafeInteger(cols) && cols >= 0,
      `grid ${rows}×${cols}`,
    );
    assert.equal(d.image[i]!.length, n * d.dim);
    // Region vectors may be left out (empty) when too large to keep.
    if (d.regions[i]!.length > 0) assert.equal(d.regions[i]!.length, n * rows * cols * d.dim);
    assert.equal(d.attention[i]!.length, total * rows * cols);
    assert.equal(d.gate[i]!.length, total);
  });
}

export async function checkInspectBytes(bytes: Uint8Array): Promise<void> {
  const r = attempt(() => decodeInspect(bytes, INSPECT_FILE));
  assertFast(r.ms, bytes.length, 'decodeInspect');
  if (!r.ok) assertReaderError(r.error, { file: INSPECT_FILE });
  else assertInspect(r.value);
}

/** Re-encodes an inspection file with its header JSON replaced (blocks kept). */
export function withInspectHeader(bytes: Uint8Array, header: Json): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = view.getUint32(4, true);
  const dataStart = Math.ceil((8 + len) / 4) * 4;
  const json = utf8.encode(JSON.stringify(header));
  const start = Math.ceil((8 + json.length) / 4) * 4;
  const out = new Uint8Array(start + bytes.length - dataStart);
  out.set(bytes.subarray(0, 4));
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  out.set(bytes.subarray(dataStart), start);
  return out;
}

export function inspectHeaderOf(bytes: Uint8Array): Json {
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as Json;
}

/** The magic, a header length (often a lie) and a header of any JSON. */
const inspectLike = fc
  .tuple(
    fc.oneof(
      jsonValue.map((v) => JSON.stringify(v)),
      deepJson(20_000),
    ),
    fc.option(fc.constantFrom(0, 1, 2 ** 31, 2 ** 32 - 1)),
    fc.uint8Array({ maxLength: 64 }),
  )
  .map(([header, lie, data]) => {
    const json = utf8.encode(header);
    const head = new Uint8Array(8);
    head.set(utf8.encode('MMNI'));
    new DataView(head.buffer).setUint32(4, lie ?? json.length, true);
    return concatBytes([head, json, data]);
  });

// ---- config.json ---------------------------------------------------------------------------

let runDir: { run: RunDir; root: string } | undefined;

/** One run folder in the temp dir for every config.json input; removed at exit. */
async function configRun(): Promise<{ run: RunDir; root: string }> {
  if (!runDir) {
    const root = await mkdtemp(join(tmpdir(), 'mmner-fuzz-config-'));
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    runDir = { run: await RunDir.open(root, 'fuzz'), root };
  }
  return runDir;
}

async function checkConfig(bytes: Uint8Array): Promise<void> {
  const { run } = await configRun();
  const file = run.file('config.json');
  await writeFile(file, bytes);
  const r = await attemptAsync(() => run.readConfig());
  assertFast(r.ms, bytes.length, 'readConfig');
  if (!r.ok) {
    const e = assertReaderError(r.error, { file });
    assert.equal(e.code, 'E_RUN_JSON');
  } else {
    // Compared as text: a value nested thousands deep overflows deepStrictEqual's recursion.
    const shown = attempt(() => JSON.stringify(r.value));
    if (shown.ok) assert.equal(shown.value, JSON.stringify(JSON.parse(new TextDecoder().decode(bytes))));
  }
}

// ---- targets -------------------------------------------------------------------------------

export const RUN_TARGETS: FuzzTarget[] = [
  fuzzTarget({ name: 'events: any bytes', reader: 'events', ciRuns: 300 }, anyBytes(), (b) =>
    checkEvents(new TextDecoder().decode(b)),
  ),
  fuzzTarget(
    { name: 'events: edited events', reader: 'events', ciRuns: 400 },
    fc.tuple(
      fc.array(event, { minLength: 1, maxLength: 6 }),
      fc.array(fc.tuple(fc.nat(), fc.array(jsonEdit, { minLength: 1, maxLength: 3 })), { maxLength: 3 }),
      fc.array(byteEdit, { maxLength: 1 }),
    ),
    ([events, edits, bytesEdits]) => {
      const lines = events.map((e) => JSON.stringify(e));
      for (const [at, e] of edits) {
        const i = at % lines.length;
        lines[i] = JSON.stringify(applyJsonEdits(JSON.parse(lines[i]!) as Json, e));
      }
      const bytes = applyByteEdits(utf8.encode(`${lines.join('\n')}\n`), bytesEdits);
      checkEvents(new TextDecoder().decode(bytes));
    },
  ),
  fuzzTarget(
    { name: 'events: write then read, cut anywhere', reader: 'events', ciRuns: 400 },
    fc.tuple(fc.array(event, { maxLength: 6 }), fc.nat()),
    ([events, cutAt]) => {
      const text = events.map(formatEvent).join('');
      assert.deepStrictEqual(readEvents(text, EVENTS_FILE), { events: events.map(asRead), torn: false });
      // A writer killed mid-append leaves a prefix: the whole lines read, the torn one is skipped.
      const cut = cutAt % (text.length + 1);
      const prefix = text.slice(0, cut);
      const whole = prefix.slice(0, prefix.lastIndexOf('\n') + 1);
      const r = readEvents(prefix, EVENTS_FILE);
      const wholeCount = whole === '' ? 0 : whole.split('\n').length - 1;
      assert.deepStrictEqual(r.events.slice(0, wholeCount), events.slice(0, wholeCount).map(asRead));
      const rest = prefix.slice(whole.length);
      const restIsEvent = rest !== '' && attempt(() => JSON.parse(rest)).ok;
      assert.equal(r.events.length, wholeCount + (restIsEvent ? 1 : 0));
      assert.equal(r.torn, rest.trim() !== '' && !restIsEvent);
    },
  ),
  fuzzTarget(
    { name: 'inspect: any bytes', reader: 'inspect', ciRuns: 400 },
    fc.oneof(anyBytes(), inspectLike),
    checkInspectBytes,
  ),
  fuzzTarget(
    { name: 'inspect: edited files', reader: 'inspect', ciRuns: 500 },
    fc.tuple(inspectData, fc.array(jsonEdit, { maxLength: 3 }), fc.array(byteEdit, { maxLength: 2 })),
    async ([d, edits, bytesEdits]) => {
      const bytes = encodeInspect(d);
      const edited =
        edits.length > 0 ? withInspectHeader(bytes, applyJsonEdits(inspectHeaderOf(bytes), edits)) : bytes;
      await checkInspectBytes(applyByteEdits(edited, bytesEdits));
    },
  ),
  fuzzTarget({ name: 'inspect: write then read', reader: 'inspect', ciRuns: 200 }, inspectData, (d) => {
    assert.deepStrictEqual(decodeInspect(encodeInspect(d), INSPECT_FILE), d);
  }),
  fuzzTarget(
    { name: 'config.json: any bytes', reader: 'config.json', ciRuns: 100 },
    fc.oneof(
      anyBytes(10_000),
      jsonValue.map((v) => utf8.encode(JSON.stringify(v))),
    ),
    checkConfig,
  ),
];
