/**
 * GatherV2 along axis 0 (embedding lookups, the BiLSTM's reverse-within-length reorder) for wasm.
 * The stock 4.22 kernel copies element by element with index arithmetic (~7 ms for the tiny
 * model's 8640 char lookups of 30 floats); rows are contiguous, so each is one `copyWithin` on
 * the heap here. Other axes and batch dims go to the stock kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import { call, type TensorInfo, type WasmBackend, wasmKernel } from './wasmBackend.js';

let stock: tf.KernelConfig | undefined;

const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

const gather: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const be = backend as unknown as WasmBackend;
  const { x, indices } = inputs as { x: TensorInfo; indices: TensorInfo };
  const { axis, batchDims } = attrs as { axis: number; batchDims?: number };
  const bytes = BYTES[x.dtype];
  const ax = axis < 0 ? axis + x.shape.length : axis;
  if (ax !== 0 || (batchDims ?? 0) !== 0 || bytes === undefined || x.shape.length === 0) {
    return call(stock ?? wasmKernel('GatherV2'), be, { x, indices }, attrs as Record<string, unknown>);
  }
  const rows = x.shape[0]!;
  const rowLen = x.shape.slice(1).reduce((p, d) => p * d, 1);
  const out = be.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  // Views after the allocation: makeOutput may grow (and so detach) the heap.
  const ids = be.typedArrayFromHeap(indices);
  const src = be.typedArrayFromHeap(x);
  const dst = be.typedArrayFromHeap(out);
  for (let i = 0; i < ids.length; i++) {
    const r = ids[i]!;
    // tfjs checks indices on the cpu backend; out of range here would read another tensor.
    if (!(r >= 0 && r < rows)) throw new Error(`GatherV2: index ${r} is not in [0, ${rows - 1}]`);
    dst.set(src.subarray(r * rowLen, (r + 1) * rowLen), i * rowLen);
  }
  return out;
};

export function gatherConfig(original: tf.KernelConfig): tf.KernelConfig {
  stock = original;
  return { ...original, kernelFunc: gather };
}

export function isOurGather(k: tf.KernelConfig | undefined): boolean {
  return k?.kernelFunc === gather;
}
