/**
 * Identity that shares its input's memory (one more reference) instead of copying it, as the cpu
 * backend's does. tfjs saves every tensor a gradient needs through Identity (`Engine.clone`), so
 * stock wasm copied each of them once per step: 3.5 % of a real text-only step in a CPU profile.
 * Sharing is safe because no wasm kernel writes into its inputs (mmner's write only to outputs
 * from `makeOutput`, AdamW included) and `Variable.assign` swaps buffers instead of writing.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from './wasmBackend.js';

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

const identity: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  (backend as unknown as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

export const identityConfig: tf.KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: identity,
};
