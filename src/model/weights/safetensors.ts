/**
 * The safetensors format, browser-safe: validate a header (length, JSON, every entry's dtype,
 * shape and byte range, contiguous coverage of the buffer) and decode one tensor's bytes.
 * File access lives in safetensors.node.ts; `safetensorsFromBytes` serves bytes already in memory.
 */
import { MmnerError } from '../../core/errors.js';
import {
  convert,
  DTYPE_SIZE,
  isSafetensorsDtype,
  READABLE_DTYPES,
  type SafetensorsDtype,
  type TensorDtype,
  targetDtype,
} from './dtype.js';

export const WeightsCode = {
  fileNotFound: 'E_FILE_NOT_FOUND',
  fileUnreadable: 'E_FILE_UNREADABLE',
  truncated: 'E_WEIGHTS_TRUNCATED',
  header: 'E_WEIGHTS_HEADER',
  entry: 'E_WEIGHTS_ENTRY',
  byteCount: 'E_WEIGHTS_BYTE_COUNT',
  offsets: 'E_WEIGHTS_OFFSETS',
  dtype: 'E_WEIGHTS_DTYPE',
  intRange: 'E_WEIGHTS_INT_RANGE',
  noTensor: 'E_WEIGHTS_NO_TENSOR',
  index: 'E_WEIGHTS_INDEX',
  noCheckpoint: 'E_WEIGHTS_NO_CHECKPOINT',
  mapping: 'E_WEIGHTS_MAPPING',
} as const;
export type WeightsCode = (typeof WeightsCode)[keyof typeof WeightsCode];

/** The largest header accepted (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

export const REEXPORT_HINT =
  're-export the model with `model.save_pretrained(dir, safe_serialization=True)` (transformers), or re-download it';

/** One header entry. `begin`/`end` are relative to the data buffer, which starts at `dataStart`. */
export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  metadata: Record<string, string>;
  /** Entries in header order. */
  tensors: Map<string, TensorInfo>;
  /** File offset of the data buffer: 8 + header length. */
  dataStart: number;
  /** Length of the data buffer in bytes. */
  dataLength: number;
}

/** A read tensor: float dtypes become float32, integer and bool ones int32. */
export interface Tensor {
  dtype: TensorDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Named tensors whose headers are known before any data is read: one file, shards, or bytes. */
export interface WeightSource {
  /** Shown in messages: the file, or the index file of a sharded checkpoint. */
  readonly path: string;
  names(): string[];
  info(name: string): TensorInfo | undefined;
  /** The file holding `name` (a shard for sharded checkpoints). */
  fileOf(name: string): string | undefined;
  readTensor(name: string): Promise<Tensor>;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * The header length from the first 8 bytes (u64 little-endian), checked against the file size.
 * `first` may be shorter than 8 bytes when the file is.
 */
export function readHeaderLength(first: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || first.length < 8) {
    throw new MmnerError(
      WeightsCode.truncated,
      `not a safetensors file: ${fileSize} bytes, shorter than the 8-byte header length`,
      { file, hint: `the file is truncated or empty; ${REEXPORT_HINT}` },
    );
  }
  const n = new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new MmnerError(
      WeightsCode.header,
      `header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit (the first 8 bytes are not a safetensors header length)`,
      {
        file,
        hint: `is this a safetensors file? (a PyTorch .bin or a Git LFS pointer is not); ${REEXPORT_HINT}`,
      },
    );
  }
  if (n > BigInt(fileSize - 8)) {
    throw new MmnerError(
      WeightsCode.truncated,
      `header length ${n} goes beyond the end of the file (${fileSize} bytes)`,
      { file, hint: `the file is truncated (an interrupted download?); ${REEXPORT_HINT}` },
    );
  }
  return Number(n);
}

function fail(code: WeightsCode, file: string, detail: string, hint: string = REEXPORT_HINT): never {
  throw new MmnerError(code, detail, { file, hint });
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Validates the header JSON (`json`, the N bytes after the length) of a file of `fileSize` bytes.
 * Throws an MmnerError naming the file and the tensor for the first violation.
 */
export function parseHeader(
  json: Uint8Array,
  headerLength: number,
  fileSize: number,
  file: string,
): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    fail(WeightsCode.header, file, 'the header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(WeightsCode.header, file, `the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    fail(WeightsCode.header, file, 'the header is not a JSON object');
  }
  const dataStart = 8 + headerLength;
  const dataLength = fileSize - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(WeightsCode.header, file, '__metadata__ is not an object of strings');
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(WeightsCode.header, file, `__metadata__.${k} is not a string`);
        // `metadata.__proto__ = v` would be dropped (a string is no prototype): define it instead.
        Object.defineProperty(metadata, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      continue;
    }
    const t = `tensor "${name}"`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail(WeightsCode.entry, file, `${t}: the entry is not an object`);
    }
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof dtype !== 'string') fail(WeightsCode.entry, file, `${t}: no "dtype" string`);
    if (!isSafetensorsDtype(dtype)) {
      fail(
        WeightsCode.dtype,
        file,
        `${t}: unknown dtype "${dtype}" (known: ${Object.keys(DTYPE_SIZE).join(', ')})`,
        `save the weights as float32, float16 or bfloat16; ${REEXPORT_HINT}`,
      );
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegInt)) {
      fail(WeightsCode.entry, file, `${t}: "shape" is not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt)) {
      fail(
        WeightsCode.entry,
        file,
        `${t}: "data_offsets" is not a pair [begin, end] of non-negative integers`,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin)
      fail(WeightsCode.offsets, file, `${t}: data_offsets [${begin}, ${end}] end before they begin`);
    const expected = numel(shape) * DTYPE_SIZE[dtype];
    if (!Number.isSafeInteger(expected))
      fail(WeightsCode.entry, file, `${t}: shape ${formatShape(shape)} is too large`);
    if (end - begin !== expected) {
      fail(
        WeightsCode.byteCount,
        file,
        `${t}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} ${formatShape(shape)} needs ${expected}`,
      );
    }
    if (end > dataLength) {
      fail(
        WeightsCode.offsets,
        file,
        `${t}: data_offsets [${begin}, ${end}] go beyond the data buffer (${dataLength} bytes)`,
        `the file is truncated or its header is wrong; ${REEXPORT_HINT}`,
      );
    }
    tensors.set(name, { name, dtype, shape, begin, end });
  }
  checkCoverage([...tensors.values()], dataLength, file);
  return { metadata, tensors, dataStart, dataLength };
}

/** Byte ranges must tile the buffer: no overlap, no gap, nothing after the last tensor. */
function checkCoverage(infos: TensorInfo[], dataLength: number, file: string): void {
  const sorted = infos.filter((i) => i.end > i.begin).sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: TensorInfo | undefined;
  for (const i of sorted) {
    if (i.begin < pos) {
      fail(
        WeightsCode.offsets,
        file,
        `tensor "${i.name}": data_offsets [${i.begin}, ${i.end}] overlap tensor "${prev!.name}" [${prev!.begin}, ${prev!.end}]`,
      );
    }
    if (i.begin > pos) {
      fail(
        WeightsCode.offsets,
        file,
        `tensor "${i.name}": a gap of ${i.begin - pos} bytes before its data_offsets [${i.begin}, ${i.end}] (the buffer must be contiguous)`,
      );
    }
    pos = i.end;
    prev = i;
  }
  if (pos !== dataLength) {
    fail(
      WeightsCode.offsets,
      file,
      `${dataLength - pos} bytes after the last tensor's data are not covered by any tensor (the buffer must be contiguous)`,
    );
  }
}

/** Checks that `info` can be read and returns its element count. */
export function checkReadable(info: TensorInfo, file: string): number {
  if (!READABLE_DTYPES.has(info.dtype)) {
    fail(
      WeightsCode.dtype,
      file,
      `tensor "${info.name}": dtype ${info.dtype} is not supported (mmner reads F32, F16, BF16, F64 and integer dtypes)`,
      `save the weights as float32, float16 or bfloat16; ${REEXPORT_HINT}`,
    );
  }
  return numel(info.shape);
}

/**
 * The tensor from its raw bytes (`bytes.length === end − begin`, starting 8-byte aligned).
 * F32 and I32 bytes are used as they are when `bytes` spans its whole buffer.
 */
export function decodeTensor(info: TensorInfo, bytes: Uint8Array, file: string): Tensor {
  const n = checkReadable(info, file);
  const shape = [...info.shape];
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  if (whole && bytes.buffer instanceof ArrayBuffer && (info.dtype === 'F32' || info.dtype === 'I32')) {
    const data = info.dtype === 'F32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
    return { dtype: targetDtype(info.dtype), shape, data };
  }
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const data = convert(info.dtype, aligned, n);
  if (!(data instanceof Float32Array || data instanceof Int32Array)) {
    fail(
      WeightsCode.intRange,
      file,
      `tensor "${info.name}": element ${data.outOfRange} is ${data.value}, outside the int32 range`,
      'mmner holds integer tensors as int32; this tensor cannot be used',
    );
  }
  return { dtype: targetDtype(info.dtype), shape, data };
}

/** A WeightSource over a whole safetensors file already in memory (browser, tests). */
export function safetensorsFromBytes(
  bytes: Uint8Array,
  file: string,
): WeightSource & { header: SafetensorsHeader } {
  const n = readHeaderLength(bytes.subarray(0, 8), bytes.length, file);
  const header = parseHeader(bytes.subarray(8, 8 + n), n, bytes.length, file);
  return {
    path: file,
    header,
    names: () => [...header.tensors.keys()],
    info: (name) => header.tensors.get(name),
    fileOf: (name) => (header.tensors.has(name) ? file : undefined),
    readTensor: async (name) => {
      const info = header.tensors.get(name);
      if (!info) throw noTensor(name, file);
      const start = header.dataStart + info.begin;
      return decodeTensor(info, bytes.slice(start, start + info.end - info.begin), file);
    },
  };
}

export function noTensor(name: string, file: string): MmnerError {
  return new MmnerError(WeightsCode.noTensor, `no tensor named "${name}"`, {
    file,
    hint: 'list the names with `names()`; mapped loading (loadMapped) reports every missing name at once',
  });
}
