/**
 * Writing safetensors bytes: tensors in the given order, contiguous, header padded with spaces to
 * an 8-byte boundary as the reference implementation does. Used by tests and by exports; typed
 * arrays are written in host byte order (little-endian on every platform mmner runs on).
 */
import { assertLittleEndianHost, DTYPE_SIZE, type SafetensorsDtype } from './dtype.js';
import { formatShape, numel } from './safetensors.js';

export interface TensorToWrite {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** The raw elements: e.g. Float32Array for F32, Uint16Array of bit patterns for F16/BF16. */
  data: ArrayBufferView;
}

/** The bytes of a safetensors file. Throws (a programming error) if a tensor's byte count is wrong. */
export function encodeSafetensors(
  tensors: readonly TensorToWrite[],
  metadata?: Record<string, string>,
): Uint8Array {
  assertLittleEndianHost();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const bytes = numel(t.shape) * DTYPE_SIZE[t.dtype];
    if (t.data.byteLength !== bytes) {
      throw new Error(
        `encodeSafetensors: "${t.name}" ${t.dtype} ${formatShape(t.shape)} needs ${bytes} bytes, got ${t.data.byteLength}`,
      );
    }
    // defineProperty: a tensor named `__proto__` must be a key, not the object's prototype.
    Object.defineProperty(header, t.name, {
      value: { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}
