import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../../src/train/backends.js';
import { LOOP_MIN_MACS } from '../../src/train/kernels/batchMatMul.js';
import { registerWasmKernels } from '../../src/train/kernels/index.js';
import { AdamW } from '../../src/train/optimizer.js';

await initBackend('cpu'); // silences the cpu banner
await initBackend('wasm');

/** Deterministic uniform(-1, 1) data (mulberry32). */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}
const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
const randT = (shape: number[], seed: number) => tf.tensor(rand(size(shape), seed), shape);

/** Runs `f` on one backend and reads back every tensor it returns. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const ts = tf.tidy(f);
  const out = ts.map((t) => t.dataSync() as Float32Array);
  tf.dispose(ts);
  return out;
}

/** max|a − b| ≤ 1e-4 · max|b|, shapes equal. */
function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let err = 0;
  let mag = 1e-6;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    mag = Math.max(mag, Math.abs(b[i]!));
  }
  assert.ok(err <= 1e-4 * mag, `${what}: max error ${err} vs magnitude ${mag}`);
}

async function sameOnBoth(what: string, f: () => tf.Tensor[]): Promise<void> {
  const want = await on('cpu', f);
  const got = await on('wasm', f);
  for (const [i, w] of want.entries()) assertClose(got[i]!, w, `${what} #${i}`);
}

test('UnsortedSegmentSum matches cpu (repeated, unused and out-of-range ids)', async () => {
  await sameOnBoth('segment sum', () => {
    const ids = tf.tensor1d([3, 0, 3, 1, 3, 0, 7], 'int32');
    return [
      tf.unsortedSegmentSum(randT([7, 5], 1), ids, 6),
      tf.unsortedSegmentSum(randT([7, 2, 3], 2), ids, 4),
    ];
  });
});

test('OneHot matches cpu for float and int dtypes (stock wasm writes ints into float outputs)', async () => {
  await sameOnBoth('oneHot', () => {
    const ids = tf.tensor2d(
      [
        [2, 0],
        [5, 1],
      ],
      [2, 2],
      'int32',
    );
    return [
      tf.oneHot(ids, 4, 1, 0, 'float32'),
      tf.oneHot(ids, 3, 0.5, -2, 'float32'),
      tf.cast(tf.oneHot(ids, 4), 'float32'),
    ];
  });
  // The exact values, not only agreement: 1 is 1, not the bit pattern of int 1.
  await tf.setBackend('wasm');
  assert.deepEqual(
    Array.from(tf.oneHot(tf.tensor1d([1], 'int32'), 3, 1, 0, 'float32').dataSync()),
    [0, 1, 0],
  );
});

test('BatchMatMul matches cpu for every transpose combination, rank 2 to 4', async () => {
  const cases: [number[], number, number, number][] = [
    [[], 17, 9, 13],
    [[1], 6, 10, 3],
    [[3], 5, 31, 7],
    [[2, 3], 8, 4, 6],
  ];
  for (const [batch, m, k, n] of cases) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        await sameOnBoth(`matMul ${batch} ${m}x${k}x${n} ${ta} ${tb}`, () => {
          const a = randT([...batch, ...(ta ? [k, m] : [m, k])], m + k);
          const b = randT([...batch, ...(tb ? [n, k] : [k, n])], k + n);
          return [tf.matMul(a, b, ta, tb)];
        });
      }
    }
  }
});

test('batched BatchMatMul big enough to loop the XNNPACK path matches cpu, and only those loop', async () => {
  // [a batch, b batch, m, k, n]: above LOOP_MIN_MACS (attention-like, rank 3 and 4), below it,
  // and broadcast batches (which stay with stock).
  const cases: [number[], number[], number, number, number][] = [
    [[6], [6], 15, 50, 64],
    [[2, 3], [2, 3], 16, 20, 24],
    [[5], [5], 4, 4, 4],
    [[4], [1], 20, 16, 30],
    [[2, 3], [3], 12, 24, 16],
  ];
  await tf.setBackend('wasm');
  const internals = (
    tf.backend() as unknown as { wasm: { tfjs: { registerTensor: (...a: number[]) => void } } }
  ).wasm.tfjs;
  const register = internals.registerTensor;
  let views = 0;
  internals.registerTensor = (...args: number[]) => {
    views++;
    register(...args);
  };
  try {
    for (const [ba, bb, m, k, n] of cases) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          views = 0;
          await sameOnBoth(`matMul ${ba}·${bb} ${m}x${k}x${n} ${ta} ${tb}`, () => {
            const a = randT([...ba, ...(ta ? [k, m] : [m, k])], m + k + 1);
            const b = randT([...bb, ...(tb ? [n, k] : [k, n])], k + n + 2);
            return [tf.matMul(a, b, ta, tb)];
          });
          const looped = ba.join() === bb.join() && m * k * n >= LOOP_MIN_MACS;
          const batch = size(ba);
          // Each looped matrix registers three views (a, b, out) besides the real tensors.
          if (looped) assert.ok(views >= 3 * batch, `${ba} ${m}x${k}x${n}: ${views} registrations`);
          else assert.ok(views < 3 * batch, `${ba} ${m}x${k}x${n} should stay stock: ${views}`);
        }
      }
    }
  } finally {
    internals.registerTensor = register;
  }
});

test('the looped path leaves nothing behind: heap, tensors and backend buffers flat over many calls', async () => {
  await tf.setBackend('wasm');
  const backend = tf.backend() as unknown as { numDataIds(): number; wasm: { HEAPU8: Uint8Array } };
  const a = randT([32, 15, 50], 3);
  const b = randT([32, 64, 50], 4);
  const run = () => tf.tidy(() => tf.sum(tf.matMul(a, b, false, true)).dataSync());
  run();
  const before = [backend.wasm.HEAPU8.length, tf.memory().numTensors, backend.numDataIds()];
  // 300 calls × 32 matrices: an XNNPACK operator (packed 64×50 weights) leaked per view would
  // grow the heap by ~120 MB.
  for (let i = 0; i < 300; i++) run();
  assert.deepEqual([backend.wasm.HEAPU8.length, tf.memory().numTensors, backend.numDataIds()], before);
  tf.dispose([a, b]);
});

// [input NHWC, filter, strides, pad]
const convCases: [number[], number[], [number, number], 'same' | 'valid'][] = [
  [[2, 9, 9, 3], [3, 3, 3, 8], [1, 1], 'same'],
  [[2, 9, 9, 3], [3, 3, 3, 8], [2, 2], 'same'],
  [[2, 10, 8, 4], [3, 3, 4, 6], [2, 2], 'valid'],
  [[1, 8, 7, 5], [2, 3, 5, 4], [2, 1], 'valid'],
  [[3, 11, 11, 2], [5, 5, 2, 3], [3, 3], 'same'],
  [[2, 6, 6, 7], [1, 1, 7, 5], [1, 1], 'valid'],
];

test('conv2d filter and input gradients match cpu (same/valid, strides 1–3)', async () => {
  for (const [xs, fs, strides, pad] of convCases) {
    await sameOnBoth(`conv ${xs} ${fs} ${strides} ${pad}`, () => {
      const x = randT(xs, 3);
      const w = randT(fs, 4);
      const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad);
      const dy = randT(y.shape, 5);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf
          .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad)
          .mul(dy)
          .sum(),
      )([x, w]);
      return [gx!, gw!];
    });
  }
});

/** Embedding gather + conv2d + matMul: every kernel above, through tf.variableGrads. */
function makeModel(seed: number) {
  const v = {
    emb: tf.variable(randT([20, 8], seed), true, `emb${seed}`),
    filt: tf.variable(randT([3, 3, 3, 8], seed + 1) as tf.Tensor4D, true, `filt${seed}`),
    w: tf.variable(randT([16, 5], seed + 2), true, `w${seed}`),
  };
  const ids = tf.tensor2d([1, 4, 4, 19, 0, 7, 7, 7, 3, 2, 19, 5], [3, 4], 'int32');
  const img = randT([3, 6, 6, 3], seed + 3);
  const loss = () =>
    tf.tidy(() => {
      const text = tf.gather(v.emb, ids).mean(1);
      const image = tf.relu(tf.conv2d(img as tf.Tensor4D, v.filt, 2, 'same')).mean([1, 2]);
      const logits = tf.matMul(tf.concat([text, image], 1), v.w);
      return logits.square().mean() as tf.Scalar;
    });
  return { v, loss, dispose: () => tf.dispose([ids, img, v.emb, v.filt, v.w]) };
}

test('gradients of a gather + conv2d + matMul model on wasm equal cpu', async () => {
  const grads = async (backend: 'cpu' | 'wasm') => {
    await tf.setBackend(backend);
    const m = makeModel(10);
    const { value, grads: g } = tf.variableGrads(m.loss);
    const out = [value, g[m.v.emb.name]!, g[m.v.filt.name]!, g[m.v.w.name]!].map(
      (t) => t.dataSync() as Float32Array,
    );
    tf.dispose([value, ...Object.values(g)]);
    m.dispose();
    return out;
  };
  const want = await grads('cpu');
  const got = await grads('wasm');
  for (const [i, n] of ['loss', 'd emb', 'd filter', 'd w'].entries()) assertClose(got[i]!, want[i]!, n);
});

test('repeated training steps on wasm keep numTensors and backend buffers flat', async () => {
  await tf.setBackend('wasm');
  const m = makeModel(20);
  const opt = tf.train.sgd(0.1);
  const counts: [number, number][] = [];
  for (let step = 0; step < 4; step++) {
    const { value, grads } = tf.variableGrads(m.loss);
    opt.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    // numDataIds also sees buffers our kernels allocate outside the engine's bookkeeping.
    counts.push([tf.memory().numTensors, (tf.backend() as unknown as { numDataIds(): number }).numDataIds()]);
  }
  opt.dispose();
  m.dispose();
  assert.deepEqual(counts.slice(1), [counts[1], counts[1], counts[1]]);
});

test('Identity shares its input: no copy, and the clone keeps its values through dispose, assign and AdamW', async () => {
  await tf.setBackend('wasm');
  const be = tf.backend() as unknown as { numDataIds(): number };
  const buffers = be.numDataIds();
  const x = randT([3, 4], 21);
  const want = Array.from(x.dataSync());
  const c = tf.clone(x);
  assert.equal(be.numDataIds(), buffers + 1, 'the clone shares the buffer');
  x.dispose();
  assert.deepEqual(Array.from(c.dataSync()), want, 'outlives the original');
  const v = tf.variable(c);
  const kept = tf.clone(v);
  const zeros = tf.zeros([3, 4]);
  v.assign(zeros);
  assert.deepEqual(Array.from(kept.dataSync()), want, 'survives assign');
  const init = kept.clone();
  const w = tf.variable(init);
  const before = tf.clone(w);
  const opt = new AdamW({ weightDecay: 0.1 });
  const g = tf.onesLike(w);
  opt.step(new Map([['w', w]]), new Map([['w', g]]), 0.1);
  assert.notDeepEqual(Array.from(w.dataSync()), want, 'AdamW moved the variable');
  assert.deepEqual(Array.from(before.dataSync()), want, 'survives the fused AdamW update');
  opt.dispose();
  tf.dispose([c, v, kept, zeros, init, w, before, g]);
  assert.equal(be.numDataIds(), buffers, 'every shared buffer freed with its last reference');
  // Strings keep the stock copy, so tfjs's byte count stays right.
  const bytes = tf.memory().numBytes;
  const str = tf.tensor(['a', 'bc']);
  const strClone = tf.clone(str);
  str.dispose();
  assert.deepEqual(await strClone.array(), ['a', 'bc']);
  strClone.dispose();
  assert.equal(tf.memory().numBytes, bytes);
});

test('registering twice is harmless', async () => {
  await tf.setBackend('wasm');
  const before = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
  assert.deepEqual(registerWasmKernels(), []);
  assert.deepEqual(registerWasmKernels(), []);
  assert.equal(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc, before);
  await sameOnBoth('matMul after re-registering', () => [
    tf.matMul(randT([4, 6], 7), randT([5, 6], 8), false, true),
  ]);
});
