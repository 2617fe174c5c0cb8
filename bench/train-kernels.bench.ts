/**
 * mmner's wasm training kernels against stock tfjs-backend-wasm 4.22, in one process: matmul
 * GFLOP/s for NN/TN/NT at BERT-FFN size ([1024,768]·[768,3072]) and attention size, and the conv
 * gradients of the tiny model's middle CNN layer (the bare kernels). Single-threaded wasm; about 30 s.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/train/backends.js';
import { colsShape, convInfo, im2col } from '../src/train/kernels/im2col.js';
import { registerWasmKernels, restoreStockWasmKernels } from '../src/train/kernels/index.js';
import type { BenchRow } from './types.js';

/** Median wall time in ms of `f` (its result read back), after one warm-up unless `warm` is false. */
function timeMs(f: () => tf.Tensor, reps: number, warm = true): number {
  if (warm) f().dispose();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = f();
    r.dataSync();
    ts.push(performance.now() - t0);
    r.dispose();
  }
  return ts.sort((a, b) => a - b)[reps >> 1]!;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

type Mode = 'NN' | 'TN' | 'NT';

/** GFLOP/s of an [m,k]·[k,n] product (batch b) in the given transpose mode. */
function matmulGflops(
  b: number,
  m: number,
  k: number,
  n: number,
  mode: Mode,
  reps: number,
  warm = true,
): number {
  const bs = b > 1 ? [b] : [];
  const a = tf.randomNormal([...bs, ...(mode === 'TN' ? [k, m] : [m, k])]);
  const bb = tf.randomNormal([...bs, ...(mode === 'NT' ? [n, k] : [k, n])]);
  const ms = timeMs(() => tf.matMul(a, bb, mode === 'TN', mode === 'NT'), reps, warm);
  tf.dispose([a, bb]);
  return (2 * b * m * k * n) / (ms * 1e6);
}

// Tiny model, 2nd CNN layer: 32×32×32 → 16×16×64, 3×3 stride 2 'same', batch 32.
const X: [number, number, number, number] = [32, 32, 32, 32];
const W: [number, number, number, number] = [3, 3, 32, 64];
const DY: [number, number, number, number] = [32, 16, 16, 64];

/** The bare gradient kernel (no forward conv), as `variableGrads` runs it. */
function convGradMs(which: 'filter' | 'input', reps: number): number {
  const x = tf.randomNormal(X);
  const w = tf.randomNormal(W);
  const dy = tf.randomNormal(DY);
  const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC' };
  const run = () =>
    which === 'filter'
      ? (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          ...attrs,
          filterShape: W,
        } as unknown as tf.NamedAttrMap) as tf.Tensor)
      : (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
          ...attrs,
          inputShape: X,
        } as unknown as tf.NamedAttrMap) as tf.Tensor);
  const ms = timeMs(run, reps);
  tf.dispose([x, w, dy]);
  return ms;
}

/** The JS im2col alone for that layer: the share of the filter gradient not spent in wasm. */
function im2colMs(reps: number): number {
  const c = convInfo(X, W, { strides: 2, pad: 'same' });
  const [n, k] = colsShape(c);
  const x = new Float32Array(X.reduce((p, d) => p * d, 1)).fill(1);
  const cols = new Float32Array(n * k);
  im2col(c, x, cols);
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    im2col(c, x, cols);
    ts.push(performance.now() - t0);
  }
  return ts.sort((a, b) => a - b)[reps >> 1]!;
}

export async function benchKernels(): Promise<BenchRow[]> {
  await initBackend('wasm');
  const rows: BenchRow[] = [];
  const shapes: [string, number, number, number, number, number, number][] = [
    // name, batch, m, k, n, reps (ours), reps (stock)
    ['ffn [1024,768]x[768,3072]', 1, 1024, 768, 3072, 5, 3],
    ['attention [128,32,32]x[128,32,32]', 128, 32, 32, 32, 9, 5],
  ];
  for (const [name, b, m, k, n, repsOurs, repsStock] of shapes) {
    for (const mode of ['NN', 'TN', 'NT'] as const) {
      // Stock first, then ours, per mode: neighbours in time see the same machine load.
      restoreStockWasmKernels();
      const slow = mode !== 'NN' && b === 1; // stock TN at FFN size takes ~8 s: no warm-up
      const stock = matmulGflops(b, m, k, n, mode, slow ? 1 : repsStock, !slow);
      registerWasmKernels();
      const ours = matmulGflops(b, m, k, n, mode, repsOurs);
      rows.push({
        name: `wasm matmul ${mode} ${name}: ours`,
        value: round(ours),
        unit: 'GFLOP/s',
        note: `stock ${round(stock)} GFLOP/s, ours/stock ${round(ours / stock, 2)}×`,
      });
    }
  }
  const filterMs = convGradMs('filter', 5);
  const colsMs = im2colMs(5);
  const inputOurs = convGradMs('input', 5);
  restoreStockWasmKernels();
  const inputStock = convGradMs('input', 3);
  registerWasmKernels();
  rows.push(
    {
      name: 'wasm conv2d filter gradient [32,32,32,32]*[3,3,32,64] s2 same',
      value: round(filterMs),
      unit: 'ms',
      note: `im2col in JS (${round(colsMs)} ms of it) + wasm GEMM; stock tfjs-wasm has no such kernel`,
    },
    {
      name: 'wasm conv2d input gradient [32,16,16,64]→[32,32,32,32] s2 same',
      value: round(inputOurs),
      unit: 'ms',
      note: `stock ${round(inputStock)} ms, stock/ours ${round(inputStock / inputOurs, 2)}×`,
    },
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchKernels()) console.log(`${r.name}: ${r.value} ${r.unit} (${r.note ?? ''})`);
}
