/**
 * Conv2DBackpropFilter for the wasm backend (missing in tfjs-backend-wasm 4.22, so conv2d
 * filters could not be trained). dW[K, CO] = colsᵀ · dy[N, CO]; computed as (dyᵀ · cols)ᵀ so
 * that the two transposes touch dy and the small result rather than the big column matrix.
 */
import type * as tf from '@tensorflow/tfjs';
import { matMulVia } from './batchMatMul.js';
import { colsShape, convInfo, im2col } from './im2col.js';
import { f32, type TensorInfo, transpose2d, view, type WasmBackend } from './wasmBackend.js';

const conv2DBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const be = backend as unknown as WasmBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as Parameters<typeof convInfo>[2] & { filterShape: number[] };
  const c = convInfo(x.shape, a.filterShape, a);
  const [n, k] = colsShape(c);
  const co = c.outChannels;
  const cols = be.makeOutput([n, k], 'float32');
  im2col(c, f32(be, x), f32(be, cols));
  const dyT = transpose2d(be, dy, n, co);
  const r = matMulVia(be, view(dyT, [1, co, n]), view(cols, [1, n, k]), false, false);
  be.disposeData(cols.dataId);
  be.disposeData(dyT.dataId);
  const dw = transpose2d(be, r, co, k);
  be.disposeData(r.dataId);
  return view(dw, a.filterShape);
};

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
