/**
 * The browser-safe header parser and decoder: exact round trips of every dtype through the
 * writer, and one MmnerError (file, tensor, what is wrong, a hint) for each header violation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MmnerError } from '../../../src/core/errors.js';
import { safetensorsFromBytes, WeightsCode } from '../../../src/model/weights/safetensors.js';
import { encodeSafetensors } from '../../../src/model/weights/write.js';
import { mixedTensors, rawSafetensors } from './helpers.js';

const FILE = 'model.safetensors';

test('every dtype round-trips exactly, with metadata and header padding', async () => {
  const { tensors, expected } = mixedTensors();
  const bytes = encodeSafetensors(tensors, { format: 'pt' });
  assert.equal(new DataView(bytes.buffer).getBigUint64(0, true) % 8n, 0n, 'header padded to 8 bytes');
  const src = safetensorsFromBytes(bytes, FILE);
  assert.deepEqual(src.header.metadata, { format: 'pt' });
  assert.deepEqual(
    src.names(),
    tensors.map((t) => t.name),
  );
  for (const t of tensors) {
    const r = await src.readTensor(t.name);
    assert.deepEqual(r.shape, t.shape, t.name);
    assert.equal(r.dtype, t.name.startsWith('i') ? 'int32' : 'float32', t.name);
    assert.ok(r.data instanceof (r.dtype === 'int32' ? Int32Array : Float32Array));
    assert.deepEqual([...r.data], expected[t.name], t.name);
  }
  assert.ok(Object.is((await src.readTensor('f32')).data[4], -0));
});

/** Asserts that parsing `bytes` throws an MmnerError with `code` whose message matches `re`. */
function rejects(bytes: Uint8Array, code: string, re: RegExp): MmnerError {
  let caught: unknown;
  try {
    safetensorsFromBytes(bytes, FILE);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof MmnerError, `expected an MmnerError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.file, FILE);
  assert.ok(caught.hint, 'has a hint');
  assert.match(caught.detail, re);
  assert.ok(caught.message.startsWith(`${FILE}: `));
  return caught;
}

const f32 = (shape: number[], begin: number, end: number) => ({
  dtype: 'F32',
  shape,
  data_offsets: [begin, end],
});

test('a file shorter than 8 bytes is truncated', () => {
  rejects(new Uint8Array(5), WeightsCode.truncated, /5 bytes, shorter than the 8-byte header length/);
  rejects(new Uint8Array(0), WeightsCode.truncated, /0 bytes/);
});

test('a header length beyond the file, or over 100 MB, is rejected', () => {
  const whole = rawSafetensors({ a: f32([2], 0, 8) }, 8);
  rejects(
    whole.subarray(0, 20),
    WeightsCode.truncated,
    /header length \d+ goes beyond the end of the file \(20 bytes\)/,
  );
  rejects(
    rawSafetensors({}, 0, 200_000_000n),
    WeightsCode.header,
    /header length 200000000 is over the 100000000-byte limit/,
  );
  // a Git LFS pointer: text where the length should be
  const lfs = new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\n');
  const e = rejects(lfs, WeightsCode.header, /over the 100000000-byte limit/);
  assert.match(e.hint!, /Git LFS pointer/);
});

test('bad JSON, bad UTF-8, and a non-object header', () => {
  rejects(rawSafetensors('{"a": {"dtype": "F32",', 0), WeightsCode.header, /not valid JSON/);
  const bytes = rawSafetensors('{"\xff": 1}', 0);
  bytes[10] = 0xff;
  rejects(bytes, WeightsCode.header, /not valid UTF-8/);
  rejects(rawSafetensors('[1, 2]', 0), WeightsCode.header, /not a JSON object/);
  rejects(
    rawSafetensors({ __metadata__: { epoch: 3 } }, 0),
    WeightsCode.header,
    /__metadata__\.epoch is not a string/,
  );
});

test('entries without dtype, shape or data_offsets name the tensor', () => {
  rejects(
    rawSafetensors({ w: { shape: [1], data_offsets: [0, 4] } }, 4),
    WeightsCode.entry,
    /tensor "w": no "dtype"/,
  );
  rejects(
    rawSafetensors({ w: { dtype: 'F32', data_offsets: [0, 4] } }, 4),
    WeightsCode.entry,
    /tensor "w": "shape"/,
  );
  rejects(
    rawSafetensors({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, 4),
    WeightsCode.entry,
    /"shape"/,
  );
  rejects(
    rawSafetensors({ w: { dtype: 'F32', shape: [1] } }, 4),
    WeightsCode.entry,
    /tensor "w": "data_offsets"/,
  );
  rejects(rawSafetensors({ w: f32([1], 4, 0) }, 4), WeightsCode.offsets, /end before they begin/);
  rejects(rawSafetensors({ w: 7 }, 0), WeightsCode.entry, /tensor "w": the entry is not an object/);
});

test('a byte count that does not match dtype × shape', () => {
  rejects(
    rawSafetensors({ 'encoder.w': f32([2, 3], 0, 20) }, 20),
    WeightsCode.byteCount,
    /tensor "encoder\.w": data_offsets \[0, 20\] hold 20 bytes, but F32 \[2, 3\] needs 24/,
  );
});

test('offsets beyond the buffer, overlapping, with gaps, or leaving trailing bytes', () => {
  rejects(
    rawSafetensors({ a: f32([4], 0, 16) }, 12),
    WeightsCode.offsets,
    /tensor "a": data_offsets \[0, 16\] go beyond the data buffer \(12 bytes\)/,
  );
  rejects(
    rawSafetensors({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12),
    WeightsCode.offsets,
    /tensor "b": data_offsets \[4, 12\] overlap tensor "a" \[0, 8\]/,
  );
  rejects(
    rawSafetensors({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, 12),
    WeightsCode.offsets,
    /tensor "b": a gap of 4 bytes before its data_offsets \[8, 12\]/,
  );
  rejects(rawSafetensors({ a: f32([1], 4, 8) }, 8), WeightsCode.offsets, /tensor "a": a gap of 4 bytes/);
  rejects(
    rawSafetensors({ a: f32([1], 0, 4) }, 10),
    WeightsCode.offsets,
    /6 bytes after the last tensor's data are not covered/,
  );
});

test('an unknown dtype fails at open; a known but unreadable one (F8) when read', async () => {
  rejects(
    rawSafetensors({ q: { dtype: 'Q4_K', shape: [2], data_offsets: [0, 1] } }, 1),
    WeightsCode.dtype,
    /tensor "q": unknown dtype "Q4_K"/,
  );
  const src = safetensorsFromBytes(
    rawSafetensors({ f8: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, 2),
    FILE,
  );
  await assert.rejects(src.readTensor('f8'), (e: MmnerError) => {
    assert.equal(e.code, WeightsCode.dtype);
    assert.match(e.detail, /tensor "f8": dtype F8_E4M3 is not supported/);
    return true;
  });
});

test('an I64 value outside int32 is an error naming the tensor and element', async () => {
  const bytes = encodeSafetensors([
    { name: 'ids', dtype: 'I64', shape: [2], data: new BigInt64Array([1n, 5_000_000_000n]) },
  ]);
  await assert.rejects(safetensorsFromBytes(bytes, FILE).readTensor('ids'), (e: MmnerError) => {
    assert.equal(e.code, WeightsCode.intRange);
    assert.match(
      e.message,
      /^model\.safetensors: tensor "ids": element 1 is 5000000000, outside the int32 range/,
    );
    return true;
  });
});

test('an unknown tensor name is an MmnerError', async () => {
  const src = safetensorsFromBytes(encodeSafetensors([]), FILE);
  assert.deepEqual(src.names(), []);
  await assert.rejects(src.readTensor('nope'), { code: WeightsCode.noTensor });
});
