/**
 * Test helpers for safetensors: raw files built from a header object (or text) and a data length,
 * for writing files with deliberate header violations, and a small mixed-dtype fixture.
 */
import type { TensorToWrite } from '../../../src/model/weights/write.js';

/** 8-byte length + header text + `dataLength` bytes (value i & 0xff at byte i). */
export function rawSafetensors(header: unknown, dataLength: number, declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataLength);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  for (let i = 0; i < dataLength; i++) out[8 + json.length + i] = i & 0xff;
  return out;
}

/** One tensor of each dtype the tests round-trip, with the values it must read back as. */
export function mixedTensors(): { tensors: TensorToWrite[]; expected: Record<string, number[]> } {
  return {
    tensors: [
      { name: 'f32', dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2.5, 0.1, 3e38, -0, 7]) },
      // 1, −2, 65504, 2^-24, −inf, 0.333251953125
      {
        name: 'f16',
        dtype: 'F16',
        shape: [6],
        data: new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0xfc00, 0x3555]),
      },
      // 1, −3, 0.333984375, 2^-133
      { name: 'bf16', dtype: 'BF16', shape: [2, 2], data: new Uint16Array([0x3f80, 0xc040, 0x3eab, 0x0001]) },
      { name: 'f64', dtype: 'F64', shape: [3], data: new Float64Array([0.5, -1.25, 1e-3]) },
      { name: 'i64', dtype: 'I64', shape: [1, 3], data: new BigInt64Array([0n, 512n, -7n]) },
      { name: 'i32', dtype: 'I32', shape: [2], data: new Int32Array([-2147483648, 2147483647]) },
      { name: 'scalar', dtype: 'F32', shape: [], data: new Float32Array([42]) },
      { name: 'empty', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    ],
    expected: {
      f32: [...new Float32Array([1, -2.5, 0.1, 3e38, -0, 7])],
      f16: [1, -2, 65504, 2 ** -24, Number.NEGATIVE_INFINITY, 0.333251953125],
      bf16: [1, -3, 0.333984375, 2 ** -133],
      f64: [0.5, -1.25, Math.fround(1e-3)],
      i64: [0, 512, -7],
      i32: [-2147483648, 2147483647],
      scalar: [42],
      empty: [],
    },
  };
}
