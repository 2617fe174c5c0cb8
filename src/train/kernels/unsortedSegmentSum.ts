/**
 * UnsortedSegmentSum for the wasm backend: the gradient of `gather`, i.e. of every embedding
 * lookup. tfjs-backend-wasm 4.22 has no such kernel, so `variableGrads` through an embedding
 * throws "not registered for backend 'wasm'". A row scatter-add in JS over heap views is enough:
 * it is memory-bound and small next to the matmuls (15 ms per base-size step, perf-anchors.md).
 */
import type * as tf from '@tensorflow/tfjs';
import type { TensorInfo, WasmBackend } from './wasmBackend.js';

const unsortedSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const be = backend as unknown as WasmBackend;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const inner = x.shape.slice(segmentIds.shape.length);
  const rowLen = inner.reduce((p, d) => p * d, 1);
  const nIds = segmentIds.shape.reduce((p, d) => p * d, 1);
  const out = be.makeOutput([numSegments, ...inner], x.dtype);
  // Views after the allocation: makeOutput may grow (and so detach) the heap.
  const o = be.typedArrayFromHeap(out);
  const xs = be.typedArrayFromHeap(x);
  const ids = be.typedArrayFromHeap(segmentIds);
  o.fill(0);
  for (let i = 0; i < nIds; i++) {
    const s = ids[i]!;
    // Like TensorFlow, ids outside [0, numSegments) contribute nothing.
    if (s < 0 || s >= numSegments) continue;
    const dst = s * rowLen;
    const src = i * rowLen;
    for (let j = 0; j < rowLen; j++) o[dst + j]! += xs[src + j]!;
  }
  return out;
};

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
