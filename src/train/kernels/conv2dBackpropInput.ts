/**
 * Conv2DBackpropInput for the wasm backend. The stock 4.22 kernel is a naive six-deep loop
 * (118 ms on the tiny model's middle CNN layer); as a GEMM, cols[N, K] = dy[N, CO] · Wᵀ[CO, K],
 * then a col2im scatter-add in JS, it takes 27 ms (bench/train-kernels.bench.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { matMulVia } from './batchMatMul.js';
import { col2im, colsShape, convInfo } from './im2col.js';
import { f32, type TensorInfo, transpose2d, view, type WasmBackend } from './wasmBackend.js';

const conv2DBackpropInput: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const be = backend as unknown as WasmBackend;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as Parameters<typeof convInfo>[2] & { inputShape: number[] };
  const c = convInfo(a.inputShape, filter.shape, a);
  const [n, k] = colsShape(c);
  const co = c.outChannels;
  const wT = transpose2d(be, filter, k, co);
  const cols = matMulVia(be, view(dy, [1, n, co]), view(wT, [1, co, k]), false, false);
  be.disposeData(wT.dataId);
  const dx = be.makeOutput(a.inputShape, 'float32');
  col2im(c, f32(be, cols), f32(be, dx));
  be.disposeData(cols.dataId);
  return dx;
};

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput,
};
