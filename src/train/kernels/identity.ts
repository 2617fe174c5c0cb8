/**
 * Identity that shares its input's memory (one more reference) instead of copying it, as the cpu
 * backend's does. tfjs saves every tensor a gradient needs through Identity (`Engine.clone`), so
 * stock wasm copied each of them once per step: 3.5 % of a real text-only step in a CPU profile.
 * Sharing is safe because no wasm kernel writes into its inputs (mmner's write only to outputs
 * from `makeOutput`, AdamW included) and `Variable.assign` swaps buffers instead of writing.
 * String tensors keep the stock copy: tfjs counts their bytes per tensor, and a shared string
 * buffer drove `tf.memory().numBytes` negative.
 */
import type * as tf from '@tensorflow/tfjs';
import { call, type TensorInfo, type WasmBackend } from './wasmBackend.js';

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

let stock: tf.KernelConfig | undefined;

const identity: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype === 'string' && stock) return call(stock, backend as unknown as WasmBackend, { x }, attrs);
  (backend as unknown as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** The sharing kernel; `original` (the stock one) still handles string tensors. */
export function identityConfig(original: tf.KernelConfig): tf.KernelConfig {
  stock = original;
  return { ...original, kernelFunc: identity };
}

export function isOurIdentity(k: tf.KernelConfig | undefined): boolean {
  return k?.kernelFunc === identity;
}
