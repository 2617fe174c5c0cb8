import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmnerError } from '../../src/core/errors.js';
import { AdamW } from '../../src/train/optimizer.js';

await tf.setBackend('cpu');

function close(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Three steps of one variable; returns its values after each step. */
function run(opt: AdamW, name: string, init: number[], grads: number[][], lr: number): number[][] {
  const v = tf.variable(tf.tensor1d(init), true, `opt-test-${name}-${Math.random()}`);
  const vars = new Map([[name, v]]);
  const out: number[][] = [];
  for (const g of grads) {
    const gt = tf.tensor1d(g);
    opt.step(vars, new Map([[name, gt]]), lr);
    gt.dispose();
    out.push([...v.dataSync()]);
  }
  v.dispose();
  return out;
}

test('matches torch.optim.AdamW hand-computed over 3 steps (with and without decay)', () => {
  // θ₀ = 1, grads 0.5, −0.2, 0.1, lr 0.1, wd 0.01, betas (0.9, 0.999), eps 1e-8.
  // Step 1 by hand: θ = 1·(1 − 0.1·0.01) = 0.999; m̂ = 0.5, v̂ = 0.25 → θ −= 0.1·0.5/(0.5 + 1e-8) → 0.899.
  const decayed = run(new AdamW({ weightDecay: 0.01, groups: [] }), 'w', [1], [[0.5], [-0.2], [0.1]], 0.1);
  close(decayed.flat(), [0.899000002, 0.8635404181145108, 0.824737700415581], 1e-6, 'decayed');
  // θ₀ = −2, grads 1, 3, −1, no decay.
  const plain = run(new AdamW({ weightDecay: 0, groups: [] }), 'w', [-2], [[1], [3], [-1]], 0.1);
  close(plain.flat(), [-2.099999999, -2.1917781104876677, -2.240147295046538], 1e-6, 'plain');
});

test('groups: biases and norms get no decay; a pretrained group its own lr scale', () => {
  const opt = new AdamW({
    weightDecay: 0.5,
    groups: [
      { name: 'pretrained', pattern: '^text\\.', lrScale: 0.1 },
      { name: 'noDecay', pattern: '(^|\\.)(bias|gamma|beta)$', weightDecay: 0 },
    ],
  });
  assert.equal(opt.groupOf('crf.bias').name, 'noDecay');
  assert.equal(opt.groupOf('text.layer0.kernel').name, 'pretrained');
  assert.equal(opt.groupOf('head.kernel').name, 'default');
  assert.equal(new AdamW().groupOf('encoder.LayerNorm.weight').name, 'noDecay');
  // Zero gradient: the update is pure decay θ·(1 − lr·wd).
  assert.equal(run(opt, 'head.kernel', [2], [[0]], 0.1)[0]![0], Math.fround(2 * (1 - 0.1 * 0.5)));
  assert.equal(run(opt, 'head.bias', [2], [[0]], 0.1)[0]![0], 2);
  close(run(opt, 'text.x.kernel', [2], [[0]], 0.1)[0]!, [2 * (1 - 0.01 * 0.5)], 1e-7, 'pretrained');
  // A unit gradient moves by ≈ lr·scale on step 1.
  close(run(opt, 'text.y.bias', [0], [[1]], 0.1)[0]!, [-0.01], 1e-7, 'pretrained lr');
  opt.dispose();
});

test('exported state re-imported continues identically; bad configs and states are MmnerErrors', async () => {
  const grads = [
    [0.3, -1],
    [0.2, 0.4],
    [-0.5, 0.1],
    [1, 1],
  ];
  const a = new AdamW();
  const va = tf.variable(tf.tensor1d([1, 2]), true, 'opt-a');
  const vars = new Map([['w', va]]);
  for (const g of grads.slice(0, 2)) tf.tidy(() => a.step(vars, new Map([['w', tf.tensor1d(g)]]), 0.01));
  const state = await a.exportState();
  assert.deepEqual(state.steps, { w: 2 });
  const b = new AdamW();
  const vb = tf.variable(tf.tensor1d(await va.data()), true, 'opt-b');
  b.importState(state, new Map([['w', vb]]));
  for (const g of grads.slice(2)) {
    tf.tidy(() => a.step(vars, new Map([['w', tf.tensor1d(g)]]), 0.01));
    tf.tidy(() => b.step(new Map([['w', vb]]), new Map([['w', tf.tensor1d(g)]]), 0.01));
  }
  assert.deepEqual([...vb.dataSync()], [...va.dataSync()]);
  assert.throws(
    () => b.importState(state, new Map([['w', tf.variable(tf.zeros([3]), true, 'opt-c')]])),
    (e) =>
      isMmnerError(e) && e.code === 'E_CHECKPOINT_OPTIMIZER' && /\[2\] vs variable \[3\]/.test(e.message),
  );
  assert.throws(() => new AdamW({ beta1: 1 }), /beta1/);
  assert.throws(() => new AdamW({ groups: [{ name: 'x', pattern: '(' }] }), /groups\.x\.pattern/);
  a.dispose();
  b.dispose();
});

test('one step allocates no lasting tensors beyond the moments', () => {
  const opt = new AdamW();
  const v = tf.variable(tf.ones([4, 4]), true, 'opt-leak');
  const vars = new Map([['k', v]]);
  const g = tf.ones([4, 4]);
  opt.step(vars, new Map([['k', g]]), 0.1);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) opt.step(vars, new Map([['k', g]]), 0.1);
  assert.equal(tf.memory().numTensors, before);
  g.dispose();
  opt.dispose();
  v.dispose();
});
