// The collaboration module on the cpu backend: against a float64 reference, attention rows and
// gates, the no-gate ablation, padding, gradients, config checks, tensor leaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/random.js';
import {
  COLLABORATION_PRESETS,
  CollaborationModule,
  resolveCollaboration,
} from '../../../src/model/collaboration/index.js';
import { referenceCollaboration } from './reference.js';

await tf.setBackend('cpu');
(tf.findBackend('cpu') as { firstUse?: boolean }).firstUse = false;

const B = 2;
const T = 3;
const Dt = 8;
const REGION_DIMS = [6, 5];
const REGIONS = [4, 3];
const MASK = [
  [1, 1, 1],
  [1, 1, 0],
];

function randn(rng: Rng, shape: number[]): number[] | number[][] | number[][][] {
  const [n, ...rest] = shape;
  return Array.from({ length: n! }, () =>
    rest.length ? randn(rng, rest) : rng.range(-1.5, 1.5),
  ) as number[][];
}

/** Sets every variable (gains, biases, gate bias too) to seeded random values, so each one matters. */
function randomise(m: CollaborationModule, seed: string): void {
  const rng = new Rng(seed);
  for (const [name, v] of m.namedVariables()) {
    const values = Float32Array.from(
      { length: v.size },
      () => rng.range(-0.6, 0.6) + (name.endsWith('gamma') ? 1 : 0),
    );
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  }
}

function inputs(seed: string, branches = 2) {
  const rng = new Rng(seed);
  const words = randn(rng, [B, T, Dt]) as number[][][];
  const regions = REGION_DIMS.slice(0, branches).map(
    (d, i) => randn(rng, [B, REGIONS[i]!, d]) as number[][][],
  );
  return { words, regions };
}

function maxDiff(a: unknown, b: unknown): number {
  const fa = [a].flat(Infinity) as number[];
  const fb = [b].flat(Infinity) as number[];
  assert.equal(fa.length, fb.length, 'same number of values');
  return fa.reduce((m, v, i) => Math.max(m, Math.abs(v - fb[i]!)), 0);
}

function run(m: CollaborationModule, words: number[][][], regions: number[][][][], inspect = true) {
  return tf.tidy(() => {
    const out = m.apply(
      tf.tensor3d(words),
      tf.tensor2d(MASK),
      regions.map((r) => ({ regions: tf.tensor3d(r) })),
      { inspect },
    );
    return {
      fused: out.fused.arraySync(),
      attention: out.attention?.map((a) => a.arraySync()),
      gate: out.gate?.map((g) => g.arraySync()),
    };
  });
}

for (const gate of [true, false]) {
  for (const branches of [1, 2]) {
    test(`matches the float64 reference (2 heads, ${branches} branch(es), gate ${gate})`, () => {
      const m = new CollaborationModule({
        wordDim: Dt,
        regionDim: REGION_DIMS.slice(0, branches),
        branches,
        heads: 2,
        gate,
      });
      randomise(m, `w/${gate}/${branches}`);
      const { words, regions } = inputs(`x/${branches}`, branches);
      const got = run(m, words, regions);
      const want = referenceCollaboration(m.namedVariables(), { ...m.config }, words, MASK, regions);
      assert.ok(maxDiff(got.fused, want.fused) < 1e-4, `fused differs by ${maxDiff(got.fused, want.fused)}`);
      assert.ok(maxDiff(got.attention, want.attention) < 1e-5);
      assert.ok(maxDiff(got.gate, want.gate) < 1e-5);
      // And the values are not trivial: the fused output is not the words themselves.
      assert.ok(maxDiff(got.fused, words) > 0.1);
      m.dispose();
    });
  }
}

test('attention rows sum to 1 over regions, gates lie in [0, 1]; padding rows are zero', () => {
  const m = new CollaborationModule({ wordDim: Dt, regionDim: REGION_DIMS, branches: 2, heads: 4 });
  randomise(m, 'rows');
  const { words, regions } = inputs('rows');
  const got = run(m, words, regions);
  assert.equal(got.attention?.length, 2);
  got.attention!.forEach((att, br) => {
    const a = att as number[][][][];
    assert.deepEqual(
      [a.length, a[0]!.length, a[0]![0]!.length, a[0]![0]![0]!.length],
      [B, 4, T, REGIONS[br]],
    );
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < 4; h++) {
        for (let t = 0; t < T; t++) {
          const sum = a[b]![h]![t]!.reduce((x, y) => x + y, 0);
          assert.ok(Math.abs(sum - MASK[b]![t]!) < 1e-5, `row sum ${sum}`);
        }
      }
    }
  });
  for (const g of got.gate as number[][][]) {
    assert.deepEqual([g.length, g[0]!.length], [B, T]);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const v = g[b]![t]!;
        assert.ok(v >= 0 && v <= 1, `gate ${v}`);
        if (MASK[b]![t] === 0) assert.equal(v, 0);
        else assert.ok(v > 0 && v < 1);
      }
    }
  }
  const fused = got.fused as number[][][];
  assert.ok(
    fused[1]![2]!.every((v) => v === 0),
    'padded word is zero',
  );
  m.dispose();
});

test("gate: false (the 'no gate' ablation) equals a gate fixed at 1", () => {
  // One seed → the same weights for every shared name; the gated one is pushed to g = 1.
  const gated = new CollaborationModule({
    wordDim: Dt,
    regionDim: REGION_DIMS,
    branches: 2,
    heads: 2,
    seed: 's',
  });
  const plain = new CollaborationModule({
    wordDim: Dt,
    regionDim: REGION_DIMS,
    branches: 2,
    heads: 2,
    gate: false,
    seed: 's',
  });
  const names = [...plain.namedVariables().keys()];
  assert.ok(!names.some((n) => n.includes('gate')));
  assert.ok(gated.namedVariables().has('branch1.gate.kernel'));
  for (const n of names) {
    assert.deepEqual(
      plain.namedVariables().get(n)!.arraySync(),
      gated.namedVariables().get(n)!.arraySync(),
      n,
    );
  }
  const { words, regions } = inputs('ablation');
  const before = run(gated, words, regions);
  for (const br of [0, 1])
    gated
      .namedVariables()
      .get(`branch${br}.gate.bias`)!
      .assign(tf.scalar(100).reshape([1]));
  const one = run(gated, words, regions);
  const none = run(plain, words, regions);
  assert.ok(maxDiff(one.fused, none.fused) < 1e-6);
  assert.ok(maxDiff(before.fused, none.fused) > 1e-3, 'the learned gate does change the output');
  assert.deepEqual(none.gate, [MASK, MASK]);
  gated.dispose();
  plain.dispose();
});

test('padded words do not change the real words (and come out as zeros)', () => {
  const m = new CollaborationModule({ wordDim: Dt, regionDim: REGION_DIMS, branches: 2, heads: 2 });
  randomise(m, 'pad');
  const { words, regions } = inputs('pad');
  const a = run(m, words, regions, false);
  const changed = structuredClone(words);
  changed[1]![2] = changed[1]![2]!.map((v) => v * 10 + 3);
  const b = run(m, changed, regions, false);
  assert.equal(a.attention, undefined, 'no attention without inspect');
  assert.equal(a.gate, undefined);
  assert.equal(maxDiff(a.fused, b.fused), 0); // exact (±0 alike)
  // A real word, changed, does change its own output but no other word's.
  const real = structuredClone(words);
  real[0]![1] = real[0]![1]!.map((v) => -v);
  const c = run(m, real, regions, false).fused as number[][][];
  const f = a.fused as number[][][];
  assert.ok(maxDiff(c[0]![1], f[0]![1]) > 1e-3);
  assert.equal(maxDiff(c[0]![0], f[0]![0]), 0);
  assert.equal(maxDiff(c[1], f[1]), 0);
  m.dispose();
});

test('gradients reach every variable (training, dropout on) and no tensor leaks across steps', () => {
  const m = new CollaborationModule({
    wordDim: Dt,
    regionDim: REGION_DIMS,
    branches: 2,
    heads: 2,
    dropout: 0.1,
  });
  const { words, regions } = inputs('grad');
  const wordsT = tf.tensor3d(words);
  const maskT = tf.tensor2d(MASK);
  const regionsT = regions.map((r) => ({ regions: tf.tensor3d(r) }));
  const target = tf.randomNormal([B, T, Dt], 0, 1, 'float32', 3);
  const vars = [...m.namedVariables().values()];
  const loss = () =>
    tf.sum(tf.mul(m.apply(wordsT, maskT, regionsT, { training: true }).fused, target)) as tf.Scalar;
  const { grads, value } = tf.variableGrads(loss, vars);
  for (const [name, v] of m.namedVariables()) {
    const g = grads[v.name];
    assert.ok(g, `a gradient for ${name}`);
    const norm = tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!);
    assert.ok(Number.isFinite(norm) && norm > 0, `${name}: |grad| = ${norm}`);
  }
  tf.dispose([value, ...Object.values(grads)]);
  const opt = tf.train.adam(1e-3);
  const counts: number[] = [];
  for (let step = 0; step < 5; step++) {
    tf.dispose(opt.minimize(loss, true, vars) ?? []);
    counts.push(tf.memory().numTensors);
  }
  assert.equal(counts[4], counts[1], `numTensors per step: ${counts.join(', ')}`);
  opt.dispose();
  tf.dispose([wordsT, maskT, target, ...regionsT.map((r) => r.regions)]);
  const before = tf.memory().numTensors;
  m.dispose();
  assert.equal(tf.memory().numTensors, before - vars.length, 'dispose frees every variable');
});

test('variable names are stable checkpoint keys', () => {
  const m = new CollaborationModule({ wordDim: 8, regionDim: [8, 4], branches: 2, heads: 2 });
  const names = [...m.namedVariables().keys()];
  for (const n of [
    'branch0.query.kernel',
    'branch0.key.bias',
    'branch1.value.kernel',
    'branch1.output.bias',
    'branch0.norm.gamma',
    'branch1.gate.kernel',
    'merge.kernel',
    'merge.bias',
  ]) {
    assert.ok(names.includes(n), n);
  }
  assert.equal(names.length, 2 * 12 + 2); // per branch: 5 Linear (kernel, bias) + LayerNorm; merge
  assert.deepEqual(m.namedVariables().get('branch1.key.kernel')!.shape, [4, 8]);
  m.dispose();
  const one = new CollaborationModule({ wordDim: 8, regionDim: 8, heads: 2 });
  assert.ok(![...one.namedVariables().keys()].some((n) => n.startsWith('merge')), 'one branch: no merge');
  one.dispose();
});

test('config: presets, checks and shape errors', () => {
  assert.equal(COLLABORATION_PRESETS.tiny.heads, 4);
  assert.equal(COLLABORATION_PRESETS.paper.heads, 12);
  assert.equal(COLLABORATION_PRESETS.paper.branches, 2);
  const paper = resolveCollaboration({
    ...COLLABORATION_PRESETS.paper,
    wordDim: 768,
    regionDim: [768, 2048],
  });
  assert.equal(paper.attnDim, 768);
  assert.throws(() => resolveCollaboration({ wordDim: 10, regionDim: 4, heads: 4 }), /divisible/);
  assert.throws(() => resolveCollaboration({ wordDim: 8, regionDim: [4], branches: 2 }), MmnerError);
  assert.throws(() => resolveCollaboration({ wordDim: 8, regionDim: 4, dropout: 1 }), MmnerError);
  const m = new CollaborationModule({ wordDim: 8, regionDim: 4, heads: 2 });
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const w = tf.zeros([2, 3, 8]) as tf.Tensor3D;
    const mask = tf.ones([2, 3]) as tf.Tensor2D;
    assert.throws(
      () => m.apply(w, mask, [{ regions: tf.zeros([2, 5, 3]) as tf.Tensor3D }]),
      /branch 0 regions/,
    );
    assert.throws(() => m.apply(w, mask, []), /expected 1 image branches/);
    assert.throws(
      () => m.apply(w, tf.ones([2, 4]) as tf.Tensor2D, [{ regions: tf.zeros([2, 5, 4]) as tf.Tensor3D }]),
      /wordMask/,
    );
    // R = 1 (a global vector as its only region): attention is 1 everywhere.
    const out = m.apply(w, mask, [{ regions: tf.ones([2, 1, 4]) as tf.Tensor3D }], { inspect: true });
    assert.ok(out.attention![0]!.dataSync().every((v) => Math.abs(v - 1) < 1e-6));
  });
  assert.equal(tf.memory().numTensors, before);
  m.dispose();
});
