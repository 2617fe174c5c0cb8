/**
 * Exact dtype conversions: f16 and bf16 bit patterns (normal, subnormal, ±0, ±inf, NaN payloads)
 * against hand-computed f32 bits, f64 rounding, and the int32 range check of I64/U32/U64.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bf16ToF32, convert, f16BitsToF32Bits, f16ToF32 } from '../../../src/model/weights/dtype.js';

const bitsOf = (f: Float32Array) => [...new Uint32Array(f.buffer)];

test('f16 → f32: hand-computed bit patterns', () => {
  const cases: [number, number][] = [
    [0x0000, 0x00000000], // +0
    [0x8000, 0x80000000], // −0
    [0x3c00, 0x3f800000], // 1
    [0xc000, 0xc0000000], // −2
    [0x3555, 0x3eaaa000], // 0.333251953125
    [0x7bff, 0x477fe000], // 65504, the largest f16
    [0x0400, 0x38800000], // 2^-14, the smallest normal
    [0x0001, 0x33800000], // 2^-24, the smallest subnormal
    [0x8001, 0xb3800000], // −2^-24
    [0x03ff, 0x387fc000], // 1023·2^-24, the largest subnormal
    [0x0200, 0x38000000], // 2^-15
    [0x7c00, 0x7f800000], // +inf
    [0xfc00, 0xff800000], // −inf
    [0x7e00, 0x7fc00000], // quiet NaN
    [0x7c01, 0x7f802000], // signalling NaN, payload kept
    [0xfe00, 0xffc00000], // negative NaN
  ];
  const out = f16ToF32(new Uint16Array(cases.map((c) => c[0])));
  assert.deepEqual(
    bitsOf(out).map((b) => b.toString(16)),
    cases.map((c) => c[1].toString(16)),
  );
  assert.ok(Object.is(out[1], -0));
  assert.equal(out[7], 2 ** -24);
  assert.equal(out[11], Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(out[13]));
});

test('f16 → f32: every finite f16 equals (−1)^s · 2^(e−15) · (1 + m/1024), or m·2^-24 when subnormal', () => {
  for (let h = 0; h < 0x10000; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0x1f) continue;
    const want = e === 0 ? s * m * 2 ** -24 : s * 2 ** (e - 15) * (1 + m / 1024);
    const got = new Float32Array(new Uint32Array([f16BitsToF32Bits(h)]).buffer)[0]!;
    if (!Object.is(got, want)) assert.fail(`f16 0x${h.toString(16)}: got ${got}, want ${want}`);
  }
});

test('bf16 → f32 is the upper half of the f32 bits', () => {
  const cases: [number, number][] = [
    [0x3f80, 0x3f800000], // 1
    [0xc040, 0xc0400000], // −3
    [0x8000, 0x80000000], // −0
    [0x0001, 0x00010000], // 2^-133, subnormal
    [0x7f80, 0x7f800000], // +inf
    [0xff80, 0xff800000], // −inf
    [0x7fc1, 0x7fc10000], // NaN with payload
    [0x3eab, 0x3eab0000], // 0.333984375
  ];
  const out = bf16ToF32(new Uint16Array(cases.map((c) => c[0])));
  assert.deepEqual(
    bitsOf(out),
    cases.map((c) => c[1]),
  );
  assert.equal(out[7], 0.333984375);
  assert.ok(Object.is(out[2], -0));
});

test('F64 rounds to the nearest f32', () => {
  const src = new Float64Array([0.1, -1e-50, 1e300, 3.5]);
  const out = convert('F64', new Uint8Array(src.buffer), 4) as Float32Array;
  assert.deepEqual([...out], [Math.fround(0.1), -0, Number.POSITIVE_INFINITY, 3.5]);
});

test('I64 / U64 / U32 are int32 when in range, else the first offender is reported', () => {
  const ok = new BigInt64Array([0n, -1n, 2147483647n, -2147483648n, 42n]);
  assert.deepEqual(
    [...(convert('I64', new Uint8Array(ok.buffer), 5) as Int32Array)],
    [0, -1, 2147483647, -2147483648, 42],
  );
  const big = new BigInt64Array([1n, 2147483648n]);
  assert.deepEqual(convert('I64', new Uint8Array(big.buffer), 2), { outOfRange: 1, value: '2147483648' });
  const neg = new BigInt64Array([-2147483649n]);
  assert.deepEqual(convert('I64', new Uint8Array(neg.buffer), 1), { outOfRange: 0, value: '-2147483649' });
  const u64 = new BigUint64Array([7n, 2n ** 63n]);
  assert.deepEqual(convert('U64', new Uint8Array(u64.buffer), 2), {
    outOfRange: 1,
    value: '9223372036854775808',
  });
  const u32 = new Uint32Array([5, 0x80000000]);
  assert.deepEqual(convert('U32', new Uint8Array(u32.buffer), 2), { outOfRange: 1, value: '2147483648' });
  const bools = new Uint8Array([1, 0, 1]);
  assert.deepEqual([...(convert('BOOL', bools, 3) as Int32Array)], [1, 0, 1]);
  const i8 = new Int8Array([-128, 127]);
  assert.deepEqual([...(convert('I8', new Uint8Array(i8.buffer), 2) as Int32Array)], [-128, 127]);
});
