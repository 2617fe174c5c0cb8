/**
 * The slice of tfjs-backend-wasm's `BackendWasm` our kernels use, plus helpers to call the
 * backend's own kernels from inside ours. The class is not exported from the package's public
 * types, so we describe the few members we rely on (checked against 4.22.0's dist/backend_wasm.js).
 */
import * as tf from '@tensorflow/tfjs';

export type TensorInfo = tf.TensorInfo;

export interface WasmBackend {
  /** Allocates a tensor on the wasm heap (uninitialised memory). */
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  /** A view of the tensor's bytes on the heap: valid only until the next heap allocation. */
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId): boolean;
}

/** Internals of `BackendWasm` the looped BatchMatMul needs (checked against 4.22.0). */
export interface WasmBackendInternals extends WasmBackend {
  /** Per tensor: its C-side id and its byte offset on the heap. */
  dataIdMap: { get(dataId: tf.DataId): { id: number; memoryOffset: number } | undefined };
  /** The next free C-side tensor id (the backend increments it for every tensor it registers). */
  dataIdNextNumber: number;
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: {
      /** Makes `size` floats at byte `offset` known to C++ as tensor `id` (no allocation). */
      registerTensor(id: number, size: number, offset: number): void;
      /** Forgets tensor `id` on the C++ side (and its cached XNNPACK operators); frees nothing. */
      disposeData(id: number): void;
      /** XNNPACK's thread count (1 on the stock single-threaded build). */
      getThreadsCount(): number;
    };
  };
}

/** Same data, another shape (a view, not a copy: never dispose it). */
export function view(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** The float32 heap view of a tensor; re-take it after any allocation (the heap may move). */
export function f32(backend: WasmBackend, info: TensorInfo): Float32Array {
  const a = backend.typedArrayFromHeap(info);
  if (!(a instanceof Float32Array)) throw new Error(`expected a float32 tensor, got ${info.dtype}`);
  return a;
}

/** Looks up a wasm kernel at call time, so wrappers find whatever is registered then. */
export function wasmKernel(name: string): tf.KernelConfig {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`tfjs-backend-wasm has no ${name} kernel`);
  return k;
}

type Attrs = Record<string, unknown>;

/** Runs one backend kernel directly (no engine, no tape): the caller disposes what it returns. */
export function call(
  kernel: tf.KernelConfig,
  backend: WasmBackend,
  inputs: Record<string, TensorInfo>,
  attrs: Attrs = {},
): TensorInfo {
  const out = kernel.kernelFunc({
    inputs,
    backend: backend as unknown as tf.KernelBackend,
    attrs: attrs as tf.NamedAttrMap,
  });
  if (Array.isArray(out)) throw new Error(`${kernel.kernelName} returned several tensors`);
  return out as TensorInfo;
}

/** 2-D transpose [r, c] → [c, r] with the backend's Transpose kernel. */
export function transpose2d(backend: WasmBackend, x: TensorInfo, rows: number, cols: number): TensorInfo {
  return call(wasmKernel('Transpose'), backend, { x: view(x, [rows, cols]) }, { perm: [1, 0] });
}
