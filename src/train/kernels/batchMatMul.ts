/**
 * BatchMatMul fast paths for wasm. Stock tfjs-backend-wasm 4.22 reaches XNNPACK speed
 * (15–25 GFLOP/s) only for unbatched NN products; transposed ones fall to 0.6–3 GFLOP/s, and every
 * matMul gradient is transposed; batched ones (attention) run a plain loop at 1.3–2 GFLOP/s. We
 * wrap it: an explicit Transpose, then the stock NN kernel — once for an unbatched product, once
 * per matrix for a batched one, on views of the batch's slices (no copies).
 */
import type * as tf from '@tensorflow/tfjs';
import {
  call,
  type TensorInfo,
  type WasmBackend,
  type WasmBackendInternals,
  wasmKernel,
} from './wasmBackend.js';

let stock: tf.KernelConfig | undefined;

/** The stock (pre-wrap) wasm BatchMatMul; its NN path is the fast one. */
export function stockBatchMatMul(): tf.KernelConfig {
  return stock ?? wasmKernel('BatchMatMul');
}

/** Swaps the last two dimensions with the backend's Transpose kernel. */
function swapLast2(backend: WasmBackend, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return call(wasmKernel('Transpose'), backend, { x }, { perm });
}

/** NN matmul of `a`·`b` (each transposed first when asked), always on the stock NN path. */
export function matMulVia(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  const at = transposeA ? swapLast2(backend, a) : a;
  const bt = transposeB ? swapLast2(backend, b) : b;
  try {
    return call(stockBatchMatMul(), backend, { a: at, b: bt }, { transposeA: false, transposeB: false });
  } finally {
    if (at !== a) backend.disposeData(at.dataId);
    if (bt !== b) backend.disposeData(bt.dataId);
  }
}

/** Product of the batch (all but the last two) dimensions. */
const outer = (x: TensorInfo) => x.shape.slice(0, -2).reduce((p, d) => p * d, 1);

/**
 * Batched products with at least this many multiply-adds per matrix loop the unbatched XNNPACK
 * path. Measured against stock's batched loop (2026-12-07, one thread): [256,16,16]·[16,16]
 * (4,096) 1.8×, [256,8,32]·[32,16] (4,096) 1.0×, [512,8,8]·[8,8] (512) 0.5×, attention's
 * [128,15,50]·[50,64] 2.6×, [128,64,15]·[15,50] 8×; below it each call's ~5 µs costs more.
 */
export const LOOP_MIN_MACS = 4096;

const NN_ARGS = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number'];
const nnEntry = new WeakMap<object, (...args: unknown[]) => void>();
const shapeBytes = (shape: number[]) => new Uint8Array(new Int32Array(shape).buffer);

/**
 * NN product of `a` [n, m, k] and `b` [n, k, p] (batch dims flattened) as n calls of the wasm
 * module's BatchMatMul on one matrix each, which takes its XNNPACK path. Each call sees views:
 * C-side tensors registered at offsets inside a, b and the output and forgotten right after
 * (`dispose_data` also drops the XNNPACK operator cached for the view), so nothing is copied.
 */
function loopedNN(
  backend: WasmBackendInternals,
  a: TensorInfo,
  b: TensorInfo,
  n: number,
  [m, k, p]: [number, number, number],
  outShape: number[],
): TensorInfo {
  const { wasm } = backend;
  const nn = nnEntry.get(wasm) ?? wasm.cwrap('BatchMatMul', null, NN_ARGS);
  nnEntry.set(wasm, nn);
  const out = backend.makeOutput(outShape, 'float32');
  const offset = (x: TensorInfo) => backend.dataIdMap.get(x.dataId)!.memoryOffset;
  const [ao, bo, oo] = [offset(a), offset(b), offset(out)];
  const [as, bs] = [shapeBytes([1, m, k]), shapeBytes([1, k, p])];
  const viewAt = (byteOffset: number, size: number) => {
    const id = backend.dataIdNextNumber++;
    wasm.tfjs.registerTensor(id, size, byteOffset);
    return id;
  };
  for (let i = 0; i < n; i++) {
    const ai = viewAt(ao + 4 * i * m * k, m * k);
    const bi = viewAt(bo + 4 * i * k * p, k * p);
    const oi = viewAt(oo + 4 * i * m * p, m * p);
    try {
      nn(ai, as, 3, bi, bs, 3, 0, 0, oi);
    } finally {
      wasm.tfjs.disposeData(ai);
      wasm.tfjs.disposeData(bi);
      wasm.tfjs.disposeData(oi);
    }
  }
  return out;
}

/** A batched product (same batch on both sides) through `loopedNN`, transposing first when asked. */
function batchedVia(
  backend: WasmBackendInternals,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  const [ra, rb] = [a.shape.length, b.shape.length];
  const m = a.shape[transposeA ? ra - 1 : ra - 2]!;
  const k = a.shape[transposeA ? ra - 2 : ra - 1]!;
  const p = b.shape[transposeB ? rb - 2 : rb - 1]!;
  const at = transposeA ? swapLast2(backend, a) : a;
  const bt = transposeB ? swapLast2(backend, b) : b;
  try {
    return loopedNN(backend, at, bt, outer(a), [m, k, p], [...a.shape.slice(0, -2), m, p]);
  } finally {
    if (at !== a) backend.disposeData(at.dataId);
    if (bt !== b) backend.disposeData(bt.dataId);
  }
}

const batchMatMul: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const wasm = backend as unknown as WasmBackendInternals;
  const stockCall = () => call(stockBatchMatMul(), wasm, { a, b }, attrs);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return stockCall();
  const [na, nb] = [outer(a), outer(b)];
  if (na === 1 && nb === 1) {
    return transposeA || transposeB ? matMulVia(wasm, a, b, transposeA, transposeB) : stockCall();
  }
  const [ra, rb] = [a.shape.length, b.shape.length];
  const macs = a.shape[ra - 2]! * a.shape[ra - 1]! * b.shape[transposeB ? rb - 2 : rb - 1]!;
  // Equal batch dims only (broadcasting stays with stock), matrices big enough to pay, and one
  // thread: with XNNPACK on 2 threads every tiny call wakes the pool, and the attention products
  // of the tiny step took 55 ms looped against stock's 45 (2026-12-07).
  const sameBatch = ra === rb && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
  if (!sameBatch || macs < LOOP_MIN_MACS || wasm.wasm.tfjs.getThreadsCount() > 1) return stockCall();
  return batchedVia(wasm, a, b, transposeA, transposeB);
};

/** The wrapping kernel; keeps the stock setupFunc so a not-yet-initialised backend still sets it up. */
export function batchMatMulConfig(original: tf.KernelConfig): tf.KernelConfig {
  stock = original;
  return { ...original, kernelFunc: batchMatMul };
}

/** True when `k` is our wrapper (so registering again is a no-op). */
export function isOurBatchMatMul(k: tf.KernelConfig | undefined): boolean {
  return k?.kernelFunc === batchMatMul;
}
