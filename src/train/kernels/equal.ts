/**
 * Equal with broadcasting for wasm. The stock 4.22 kernel is fast for equal shapes but walks a
 * broadcast element by element with index arithmetic: `tf.max`'s gradient compares x `[N, C, F]`
 * with its max `[N, 1, F]`, and that one Equal took ~22 ms (50 ns per element) of the tiny
 * model's step. Here a broadcast is a strided loop in JS (a few ns per element); equal shapes
 * still go to the stock kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import { call, type TensorInfo, type WasmBackend, wasmKernel } from './wasmBackend.js';

let stock: tf.KernelConfig | undefined;

/** Per output dimension, the input's stride (0 where the input is broadcast along it). */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const r = outShape.length;
  const strides = new Array<number>(r).fill(0);
  let s = 1;
  for (let i = inShape.length - 1, o = r - 1; i >= 0; i--, o--) {
    const d = inShape[i]!;
    strides[o] = d === 1 ? 0 : s;
    s *= d;
  }
  return strides;
}

/** out[i] = f(a[ia], b[ib]) over the broadcast of `aShape` and `bShape` to `outShape`. */
export function broadcastLoop(
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  outShape: readonly number[],
  out: { [i: number]: number },
  f: (x: number, y: number) => number,
): void {
  const r = outShape.length;
  if (r === 0) {
    out[0] = f(a[0]!, b[0]!);
    return;
  }
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const inner = outShape[r - 1]!;
  const ia = sa[r - 1]!;
  const ib = sb[r - 1]!;
  const idx = new Array<number>(r - 1).fill(0);
  const total = outShape.reduce((p, d) => p * d, 1);
  let offA = 0;
  let offB = 0;
  for (let o = 0; o < total; o += inner) {
    for (let j = 0, pa = offA, pb = offB; j < inner; j++, pa += ia, pb += ib) out[o + j] = f(a[pa]!, b[pb]!);
    // Odometer over the outer dimensions.
    for (let d = r - 2; d >= 0; d--) {
      idx[d]!++;
      offA += sa[d]!;
      offB += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      offA -= sa[d]! * outShape[d]!;
      offB -= sb[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

const equal: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const be = backend as unknown as WasmBackend;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  if (same(a.shape, b.shape) || a.dtype === 'string' || b.dtype === 'string') {
    return call(stock ?? wasmKernel('Equal'), be, { a, b }, attrs as Record<string, unknown>);
  }
  const r = Math.max(a.shape.length, b.shape.length);
  const pad = (s: number[]) => [...new Array<number>(r - s.length).fill(1), ...s];
  const pa = pad(a.shape);
  const pb = pad(b.shape);
  const outShape = pa.map((d, i) => Math.max(d, pb[i]!));
  const out = be.makeOutput(outShape, 'bool');
  // Views after the allocation: makeOutput may grow (and so detach) the heap.
  const o = be.typedArrayFromHeap(out);
  broadcastLoop(be.typedArrayFromHeap(a), pa, be.typedArrayFromHeap(b), pb, outShape, o, (x, y) =>
    x === y ? 1 : 0,
  );
  return out;
};

export function equalConfig(original: tf.KernelConfig): tf.KernelConfig {
  stock = original;
  return { ...original, kernelFunc: equal };
}

export function isOurEqual(k: tf.KernelConfig | undefined): boolean {
  return k?.kernelFunc === equal;
}
