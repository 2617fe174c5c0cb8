/**
 * Transposed BatchMatMul fast path for wasm. Stock tfjs-backend-wasm 4.22 reaches XNNPACK speed
 * (15–25 GFLOP/s) only for unbatched NN products; transposed ones fall to 0.6–3 GFLOP/s, and every
 * matMul gradient is transposed. We wrap it: explicit Transpose, then the stock NN kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import { call, type TensorInfo, type WasmBackend, wasmKernel } from './wasmBackend.js';

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

const batchMatMul: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  // Batched (batch > 1) products never reach XNNPACK in stock wasm, NN included (~2 GFLOP/s);
  // there an extra Transpose only costs time (measured 0.5× on [128,32,32]), so keep stock.
  const single = outer(a) === 1 && outer(b) === 1;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || (!transposeA && !transposeB) || !single) {
    return call(stockBatchMatMul(), backend as unknown as WasmBackend, { a, b }, attrs);
  }
  return matMulVia(backend as unknown as WasmBackend, a, b, transposeA, transposeB);
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
