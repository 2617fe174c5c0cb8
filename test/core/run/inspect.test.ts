import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MmnerError } from '../../../src/core/errors.js';
import { decodeInspect, encodeInspect, type InspectData } from '../../../src/core/run/inspect.js';

/** Two sentences (3 and 2 tokens), one 2×2-region branch, dim 2; values are distinct. */
function sample(): InspectData {
  let k = 0;
  const seq = (n: number) => Float32Array.from({ length: n }, () => (k++ % 97) / 7);
  return {
    split: 'test',
    dim: 2,
    branches: ['cnn'],
    regionGrid: [[2, 2]],
    ids: ['a', 'b"<'],
    tokenOffsets: Int32Array.from([0, 3, 5]),
    sentence: seq(4),
    image: [seq(4)],
    tokens: seq(10),
    regions: [seq(16)],
    attention: [seq(20)],
    gate: [seq(5)],
  };
}

test('inspection data round-trips through the binary format, from an unaligned copy too', () => {
  const d = sample();
  const bytes = encodeInspect(d);
  assert.equal(bytes.length % 4, 0);
  const shifted = new Uint8Array(bytes.length + 1).subarray(1);
  shifted.set(bytes);
  // A small Node Buffer lives inside a shared pool: its `.buffer` holds other data too.
  const pooled = Buffer.from(bytes);
  assert.ok(pooled.byteOffset > 0 || pooled.buffer.byteLength > pooled.length);
  for (const input of [bytes, shifted, pooled]) {
    const back = decodeInspect(input);
    assert.deepEqual(back, d);
  }
});

test('shape disagreements are caught when writing', () => {
  const d = sample();
  d.gate = [new Float32Array(4)];
  assert.throws(
    () => encodeInspect(d),
    (e: unknown) => e instanceof MmnerError && /gate\.cnn has 4 values, expected 5/.test(e.message),
  );
  const e2 = sample();
  e2.tokenOffsets = Int32Array.from([0, 3]);
  assert.throws(() => encodeInspect(e2), /tokenOffsets has 2 entries for 2 sentences/);
});

test('truncated, foreign and tampered files give E_INSPECT_FORMAT naming the file', () => {
  const bytes = encodeInspect(sample());
  const cases: [Uint8Array, RegExp][] = [
    [bytes.subarray(0, 3), /not an mmner inspection file/],
    [new TextEncoder().encode('PK\u0003\u0004 a zip'), /not an mmner inspection file/],
    [bytes.subarray(0, 40), /truncated header|lies outside/],
    [bytes.subarray(0, bytes.length - 4), /lies outside the file/],
  ];
  const tampered = bytes.slice();
  tampered[8] = 0x7b + 1; // the header's '{' becomes '|'
  cases.push([tampered, /unreadable header/]);
  for (const [input, message] of cases) {
    assert.throws(
      () => decodeInspect(input, 'runs/x/eval/test.inspect.bin'),
      (e: unknown) =>
        e instanceof MmnerError &&
        e.code === 'E_INSPECT_FORMAT' &&
        e.file === 'runs/x/eval/test.inspect.bin' &&
        message.test(e.message),
    );
  }
});
