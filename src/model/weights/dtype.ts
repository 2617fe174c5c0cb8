/**
 * Safetensors dtypes and exact conversions to what TensorFlow.js holds (float32, int32):
 * bf16 is the upper half of an f32; f16 keeps subnormals, ±inf, NaN (payload) and −0 bit-exactly;
 * f64 rounds to the nearest f32; integers are range-checked into int32.
 */

/** Bytes per element of every dtype the safetensors format defines. */
export const DTYPE_SIZE = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_SIZE;
/** What a tensor becomes once read. */
export type TensorDtype = 'float32' | 'int32';

/** The dtypes mmner converts; the F8 formats are known (the header validates) but not read. */
export const READABLE_DTYPES: ReadonlySet<SafetensorsDtype> = new Set<SafetensorsDtype>([
  'F32',
  'F16',
  'BF16',
  'F64',
  'BOOL',
  'U8',
  'I8',
  'I16',
  'U16',
  'I32',
  'U32',
  'I64',
  'U64',
]);

export function isSafetensorsDtype(s: string): s is SafetensorsDtype {
  return Object.hasOwn(DTYPE_SIZE, s);
}

/** float32 for the F* dtypes, int32 for the integer and bool ones. */
export function targetDtype(d: SafetensorsDtype): TensorDtype {
  return d.startsWith('F') || d === 'BF16' ? 'float32' : 'int32';
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Typed-array views below read the file's little-endian bytes in place. */
export function assertLittleEndianHost(): void {
  if (!LITTLE_ENDIAN) throw new Error('mmner reads safetensors only on little-endian hosts');
}

/** The f32 bit pattern of one f16 bit pattern (exact: every f16 is an f32). */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf, NaN (payload kept)
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // normal: rebias 15 → 127
  if (mant === 0) return sign >>> 0; // ±0
  // subnormal m·2^-24: normalize so the leading 1 becomes the implicit bit
  let e = 113; // 127 − 14
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

let f16Table: Uint32Array | undefined;

/** All 65,536 f16 → f32 bit patterns, built once (256 KiB). */
function f16ToF32Table(): Uint32Array {
  if (!f16Table) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32Bits(h);
  }
  return f16Table;
}

/** f16 values (raw bits) → Float32Array, bit-exact. */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const table = f16ToF32Table();
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = table[bits[i]!]!;
  return out;
}

/** bf16 values (raw bits) → Float32Array: each is the upper 16 bits of an f32. */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i]! << 16;
  return out;
}

/**
 * Raw little-endian bytes of `n` elements of `dtype` (not F32, which needs no conversion, and not
 * F8) → the converted array. `bytes` must start at an 8-byte-aligned offset. Integers outside the
 * int32 range return the index of the first offender instead.
 */
export function convert(
  dtype: SafetensorsDtype,
  bytes: Uint8Array,
  n: number,
): Float32Array | Int32Array | { outOfRange: number; value: string } {
  assertLittleEndianHost();
  const { buffer, byteOffset } = bytes;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer.slice(byteOffset, byteOffset + n * 4));
    case 'F16':
      return f16ToF32(new Uint16Array(buffer, byteOffset, n));
    case 'BF16':
      return bf16ToF32(new Uint16Array(buffer, byteOffset, n));
    case 'F64':
      return Float32Array.from(new Float64Array(buffer, byteOffset, n));
    case 'BOOL':
    case 'U8':
      return Int32Array.from(new Uint8Array(buffer, byteOffset, n));
    case 'I8':
      return Int32Array.from(new Int8Array(buffer, byteOffset, n));
    case 'I16':
      return Int32Array.from(new Int16Array(buffer, byteOffset, n));
    case 'U16':
      return Int32Array.from(new Uint16Array(buffer, byteOffset, n));
    case 'I32':
      return new Int32Array(buffer.slice(byteOffset, byteOffset + n * 4));
    case 'U32': {
      const v = new Uint32Array(buffer, byteOffset, n);
      for (let i = 0; i < n; i++) if (v[i]! > 0x7fffffff) return { outOfRange: i, value: String(v[i]) };
      return new Int32Array(buffer.slice(byteOffset, byteOffset + n * 4));
    }
    case 'I64':
    case 'U64': {
      // little-endian halves: the value fits int32 iff the high word is the sign extension of the low
      const words = new Int32Array(buffer, byteOffset, n * 2);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = words[2 * i]!;
        const hi = words[2 * i + 1]!;
        if (hi !== lo >> 31 || (dtype === 'U64' && lo < 0)) {
          const big = new DataView(buffer, byteOffset + 8 * i, 8);
          const value = dtype === 'I64' ? big.getBigInt64(0, true) : big.getBigUint64(0, true);
          return { outOfRange: i, value: String(value) };
        }
        out[i] = lo;
      }
      return out;
    }
    case 'F8_E5M2':
    case 'F8_E4M3':
      throw new Error(`convert: ${dtype} is not readable`);
  }
}
