/**
 * OneHot for the wasm backend. The stock kernel in tfjs-backend-wasm 4.22 writes integer on/off
 * values whatever the requested dtype, so `tf.oneHot(ids, n, 1, 0, 'float32')` reads back as
 * 1.4e-45 (the bit pattern of int 1) — which silently zeroed the NT-Xent loss. This one writes
 * the values in the output's own type.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TensorInfo, WasmBackend } from './wasmBackend.js';

const oneHot: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const be = backend as unknown as WasmBackend;
  const { indices } = inputs as { indices: TensorInfo };
  const { depth, onValue, offValue, dtype } = attrs as {
    depth: number;
    onValue: number;
    offValue: number;
    dtype: tf.DataType;
  };
  const out = be.makeOutput([...indices.shape, depth], dtype);
  // Views after the allocation: makeOutput may grow (and so detach) the heap.
  const o = be.typedArrayFromHeap(out);
  const ids = be.typedArrayFromHeap(indices);
  o.fill(offValue);
  for (let i = 0; i < ids.length; i++) {
    const k = ids[i]!;
    // Like TensorFlow, an index outside [0, depth) gives a row of offValue.
    if (k >= 0 && k < depth) o[i * depth + k] = onValue;
  }
  return out;
};

export const oneHotConfig: tf.KernelConfig = {
  kernelName: 'OneHot',
  backendName: 'wasm',
  kernelFunc: oneHot,
};
