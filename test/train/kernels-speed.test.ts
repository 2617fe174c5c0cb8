/**
 * The training fast paths of issue 8 against references: the broadcasting Equal and axis-0
 * GatherV2 kernels against the cpu backend, the fused AdamW update bit for bit against the tf-ops update it replaces (on
 * cpu and wasm), and the threaded wasm build starting (and letting Node exit) in a child process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../../src/train/backends.js';
import { broadcastStrides } from '../../src/train/kernels/equal.js';
import { wantedWasmThreads } from '../../src/train/kernels/threads.node.js';
import { AdamW } from '../../src/train/optimizer.js';

await initBackend('cpu');
await initBackend('wasm');

/** Deterministic integers in [0, k) as floats (so that Equal has hits). */
function ints(n: number, k: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % k;
  });
}
const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

async function on<T>(backend: 'cpu' | 'wasm', f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

test('broadcastStrides gives 0 along broadcast and missing leading dimensions', () => {
  assert.deepEqual(broadcastStrides([4, 1, 5], [4, 3, 5]), [5, 0, 1]);
  assert.deepEqual(broadcastStrides([5], [2, 3, 5]), [0, 0, 1]);
  assert.deepEqual(broadcastStrides([3, 1], [3, 4]), [1, 0]);
});

test('Equal with broadcasting matches cpu (float and int, rank 1 to 4, scalars)', async () => {
  const cases: [number[], number[], 'float32' | 'int32'][] = [
    [[48, 18, 50], [48, 1, 50], 'float32'], // tf.max's gradient in the char CNN
    [[7, 1, 5], [1, 6, 1], 'float32'],
    [[3, 4], [4], 'int32'],
    [[2, 3, 1, 4], [3, 5, 1], 'float32'],
    [[5], [], 'int32'],
    [[6, 6], [6, 6], 'float32'], // equal shapes: the stock kernel
  ];
  for (const [sa, sb, dtype] of cases) {
    const make = () => {
      const a = tf.tensor(ints(size(sa), 3, 1), sa, dtype);
      const b = tf.tensor(ints(size(sb), 3, 2), sb, dtype);
      const r = tf.equal(a, b);
      const out = { shape: r.shape, dtype: r.dtype, values: [...r.dataSync()] };
      tf.dispose([a, b, r]);
      return out;
    };
    const want = await on('cpu', make);
    const got = await on('wasm', make);
    assert.deepEqual(got.shape, want.shape, `${sa} vs ${sb}: shape`);
    assert.equal(got.dtype, 'bool');
    assert.deepEqual(got.values, want.values, `${sa} vs ${sb}: values`);
    assert.ok(
      want.values.some((v) => v === 1) && want.values.some((v) => v === 0),
      'the case tests both outcomes',
    );
  }
});

test('the gradient of tf.max over a middle axis matches cpu on wasm', async () => {
  const grad = () => {
    const x = tf.tensor(ints(4 * 6 * 5, 4, 3), [4, 6, 5]); // ties included
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.max(t, 1), tf.range(1, 21).reshape([4, 5]))))(x);
    const v = [...g.dataSync()];
    tf.dispose([x, g]);
    return v;
  };
  assert.deepEqual(await on('wasm', grad), await on('cpu', grad));
});

test('GatherV2 matches cpu: axis 0 (our kernel) for ranks 1–3, int and 2-D indices; other axes (stock)', async () => {
  const cases: [number[], 'float32' | 'int32', number[], number[], number][] = [
    // x shape, dtype, indices, indices shape, axis
    [[105, 30], 'float32', [3, 0, 104, 3, 7, 7], [6], 0],
    [[9], 'int32', [8, 0, 4], [3], 0],
    [[6, 4, 5], 'float32', [5, 1, 1, 0], [2, 2], 0],
    [[6, 4, 5], 'float32', [3, 0, 2], [3], 1], // stock
    [[6, 4, 5], 'float32', [4, 4], [2], -1], // stock
  ];
  for (const [shape, dtype, ids, idShape, axis] of cases) {
    const make = () => {
      const x = tf.tensor(ints(size(shape), 50, 9), shape, dtype);
      const r = tf.gather(x, tf.tensor(ids, idShape, 'int32'), axis);
      const out = { shape: r.shape, dtype: r.dtype, values: [...r.dataSync()] };
      tf.dispose([x, r]);
      return out;
    };
    assert.deepEqual(await on('wasm', make), await on('cpu', make), `${shape} axis ${axis}`);
  }
});

/** AdamW's update written with tf ops, as optimizer.ts computed it before the fused loop. */
function referenceStep(
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  step: number,
  lr: number,
  wd: number,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const b1 = 0.9;
  const b2 = 0.999;
  return tf.tidy(() => {
    const bc1 = 1 - b1 ** step;
    const bc2Sqrt = Math.sqrt(1 - b2 ** step);
    const decay = 1 - lr * wd;
    const m2 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
    const v2 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
    const denom = tf.add(tf.div(tf.sqrt(v2), bc2Sqrt), 1e-8);
    const decayed = decay === 1 ? p : tf.mul(p, decay);
    return [tf.sub(decayed, tf.mul(tf.div(m2, denom), lr / bc1)), m2, v2];
  });
}

test('the fused AdamW update is bit-identical to the tf-ops update, on cpu and on wasm', async () => {
  const n = 1000;
  const init = Float32Array.from(ints(n, 1000, 4), (x) => (x - 500) / 250);
  const grads = [5, 6, 7].map((seed) => Float32Array.from(ints(n, 1000, seed), (x) => (x - 480) / 97));
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const wd of [0, 0.01]) {
      await tf.setBackend(backend);
      // Reference on the same backend (its kernels are IEEE float32 like the fused loop).
      let p: tf.Tensor = tf.tensor1d(init);
      let m: tf.Tensor = tf.zeros([n]);
      let v: tf.Tensor = tf.zeros([n]);
      const opt = new AdamW({ weightDecay: wd, groups: [] });
      const variable = tf.variable(tf.tensor1d(init), true);
      const vars = new Map([['w', variable]]);
      grads.forEach((gv, i) => {
        const g = tf.tensor1d(gv);
        const [p2, m2, v2] = referenceStep(p, g, m, v, i + 1, 1e-2, wd);
        tf.dispose([p, m, v]);
        [p, m, v] = [p2, m2, v2];
        opt.step(vars, new Map([['w', g]]), 1e-2);
        g.dispose();
        assert.deepEqual(
          [...variable.dataSync()],
          [...p.dataSync()],
          `${backend}, weight decay ${wd}, step ${i + 1}`,
        );
      });
      const state = await opt.exportState();
      assert.deepEqual([...state.m.get('w')!.data], [...m.dataSync()], `${backend}: first moment`);
      assert.deepEqual([...state.v.get('w')!.data], [...v.dataSync()], `${backend}: second moment`);
      // More steps allocate nothing that lasts (tensors and bytes, the wasm heap's included).
      const before = tf.memory();
      const g = tf.tensor1d(grads[0]!);
      for (let k = 0; k < 3; k++) opt.step(vars, new Map([['w', g]]), 1e-2);
      g.dispose();
      assert.equal(tf.memory().numTensors, before.numTensors, `${backend}: tensors after more steps`);
      assert.equal(tf.memory().numBytes, before.numBytes, `${backend}: bytes after more steps`);
      tf.dispose([p, m, v, variable]);
      opt.dispose();
    }
  }
});

test('MMNER_WASM_THREADS: unset or invalid = 1 (opt-in), an integer as given, auto = the CPUs (≤ 4)', () => {
  const saved = process.env.MMNER_WASM_THREADS;
  try {
    const withEnv = (v: string | undefined) => {
      if (v === undefined) delete process.env.MMNER_WASM_THREADS;
      else process.env.MMNER_WASM_THREADS = v;
      return wantedWasmThreads();
    };
    assert.equal(withEnv(undefined), 1);
    assert.equal(withEnv('3'), 3);
    assert.equal(withEnv('0'), 1);
    assert.equal(withEnv('two'), 1);
    const auto = withEnv('auto');
    assert.ok(auto >= 1 && auto <= 4);
  } finally {
    if (saved === undefined) delete process.env.MMNER_WASM_THREADS;
    else process.env.MMNER_WASM_THREADS = saved;
  }
});

test('wasm starts threaded in Node (MMNER_WASM_THREADS=2), matches cpu, and lets the process exit', () => {
  const code = `
    import * as tf from '@tensorflow/tfjs';
    import * as w from '@tensorflow/tfjs-backend-wasm';
    import fs from 'node:fs';
    import { syncBuiltinESMExports } from 'node:module';
    // Count writes of the pool's worker script: rewriting it under a worker still reading it made
    // that worker exit before loading (Node exit 13 under load).
    const write = fs.writeFileSync;
    let workerWrites = 0;
    fs.writeFileSync = (file, ...rest) => { if (String(file).endsWith('worker.cjs')) workerWrites++; return write(file, ...rest); };
    syncBuiltinESMExports();
    const { initBackend } = await import(${JSON.stringify(new URL('../../src/train/backends.ts', import.meta.url).href)});
    const a = Array.from({ length: 256 * 300 }, (_, i) => ((i * 7919) % 1000) / 500 - 1);
    const b = Array.from({ length: 300 * 200 }, (_, i) => ((i * 104729) % 1000) / 500 - 1);
    const product = () => tf.matMul(tf.tensor2d(a, [256, 300]), tf.tensor2d(b, [300, 200])).dataSync();
    await initBackend('cpu');
    const want = product();
    await initBackend('wasm');
    const got = product();
    const maxDiff = (p, q) => p.reduce((m, v, i) => Math.max(m, Math.abs(v - q[i])), 0);
    const err = maxDiff(want, got);
    // A batched product stays on stock's loop with threads (no per-matrix views registered).
    const x = tf.tensor3d(a.slice(0, 6 * 15 * 50), [6, 15, 50]);
    const y = tf.tensor3d(b.slice(0, 6 * 50 * 64), [6, 50, 64]);
    const internals = tf.backend().wasm.tfjs;
    const register = internals.registerTensor;
    let views = 0;
    internals.registerTensor = (...args) => { views++; register(...args); };
    const batched = tf.matMul(x, y).dataSync();
    internals.registerTensor = register;
    await tf.setBackend('cpu');
    const batchedWant = tf.matMul(x, y).dataSync();
    const batchedErr = maxDiff(batched, batchedWant);
    console.log(JSON.stringify({ threads: w.getThreadsCount(), err, views, batchedErr, workerWrites }));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, MMNER_WASM_THREADS: '2' },
    timeout: 60_000,
  });
  assert.equal(r.error, undefined, `the child did not exit by itself: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    threads: number;
    err: number;
    views: number;
    batchedErr: number;
    workerWrites: number;
  };
  assert.equal(out.threads, 2);
  assert.equal(out.workerWrites, 1, 'the pool worker script is written once');
  assert.ok(out.err < 1e-3, `max error ${out.err}`);
  assert.ok(out.views < 6, `${out.views} tensors registered: the looped path ran on 2 threads`);
  assert.ok(out.batchedErr < 1e-3, `batched max error ${out.batchedErr}`);
});
