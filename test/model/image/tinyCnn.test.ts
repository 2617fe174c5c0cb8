// TinyCnn on the cpu backend: shapes, stable names, seeding, the region layout (which pixels feed
// which region), the global vector, gradients, and no leaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../../src/core/errors.js';
import { TinyCnn } from '../../../src/model/image/tinyCnn.js';

await tf.setBackend('cpu');
(tf.findBackend('cpu') as { firstUse?: boolean }).firstUse = false;

test('shapes and names: 64×64 → 8×8 = 64 regions of 128', () => {
  const cnn = new TinyCnn();
  assert.equal(cnn.numRegions, 64);
  assert.equal(cnn.outputDim, 128);
  assert.equal(cnn.gridSize, 8);
  assert.deepEqual(
    [...cnn.namedVariables().keys()],
    [
      'conv1.kernel',
      'conv1.bias',
      'conv2.kernel',
      'conv2.bias',
      'conv3.kernel',
      'conv3.bias',
      'norm.gamma',
      'norm.beta',
    ],
  );
  assert.deepEqual(cnn.namedVariables().get('conv2.kernel')!.shape, [3, 3, 32, 64]);
  const before = tf.memory().numTensors;
  const [r, g] = tf.tidy(() => {
    const { regions, global } = cnn.encode(tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1), false);
    return [regions.shape, global.shape];
  });
  assert.deepEqual(r, [2, 64, 128]);
  assert.deepEqual(g, [2, 128]);
  assert.equal(tf.memory().numTensors, before);
  cnn.dispose();
  const odd = new TinyCnn({ imageSize: 20, channels: [4, 6], globalProjection: true, layerNorm: false });
  assert.equal(odd.numRegions, 25); // 20 → 10 → 5
  assert.deepEqual([...odd.namedVariables().keys()].slice(-2), ['global.kernel', 'global.bias']);
  tf.tidy(() => assert.deepEqual(odd.encode(tf.zeros([1, 20, 20, 3]), false).global.shape, [1, 6]));
  assert.throws(() => tf.tidy(() => void odd.encode(tf.zeros([1, 64, 64, 3]), false)), MmnerError);
  assert.throws(() => new TinyCnn({ channels: [] }), MmnerError);
  assert.throws(() => new TinyCnn({ dropout: 1.5 }), MmnerError);
  odd.dispose();
});

test('seeded: one seed gives the same weights (two models may coexist), another seed others', () => {
  const a = new TinyCnn({ seed: 7 });
  const b = new TinyCnn({ seed: 7 });
  const c = new TinyCnn({ seed: 8 });
  const w = (m: TinyCnn) => m.namedVariables().get('conv1.kernel')!.dataSync();
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a), w(c));
  // He-uniform bound √(6/27) for conv1.
  const bound = Math.sqrt(6 / 27);
  assert.ok(w(a).every((v) => Math.abs(v) <= bound));
  assert.ok(w(a).some((v) => Math.abs(v) > bound * 0.9));
  for (const m of [a, b, c]) m.dispose();
});

test('region r is grid cell (⌊r/8⌋, r mod 8): a pixel change moves only the regions that see it', () => {
  const cnn = new TinyCnn({ seed: 'layout' });
  const base = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 5);
  const regionsOf = (img: tf.Tensor4D) => tf.tidy(() => cnn.encode(img, false).regions.arraySync()[0]!);
  const ref = regionsOf(base as tf.Tensor4D);
  /** Regions whose vector changes when pixels [y0,y1)×[x0,x1) get +3. */
  const changed = (y0: number, y1: number, x0: number, x1: number): number[] => {
    const img = tf.tidy(() => {
      const bump = tf.buffer([1, 64, 64, 3]);
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) bump.set(3, 0, y, x, c);
      return tf.add(base, bump.toTensor()) as tf.Tensor4D;
    });
    const got = regionsOf(img);
    img.dispose();
    return got.flatMap((v, r) => (v.some((x, i) => Math.abs(x - ref[r]![i]!) > 1e-6) ? [r] : []));
  };
  // 'same' padding, stride 2 on an even side pads only after: cell 0 sees pixels 0–14, cell 1 pixels 8–22.
  assert.deepEqual(changed(0, 8, 0, 8), [0]);
  assert.deepEqual(changed(0, 1, 63, 64), [7]);
  assert.deepEqual(changed(63, 64, 0, 1), [56]);
  assert.deepEqual(changed(63, 64, 63, 64), [63]);
  assert.deepEqual(changed(8, 9, 8, 9), [0, 1, 8, 9]);
  base.dispose();
  cnn.dispose();
});

test('global is the mean of the regions; dropout only while training', () => {
  const cnn = new TinyCnn({ dropout: 0.5 });
  tf.tidy(() => {
    const img = tf.randomNormal([3, 64, 64, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const { regions, global } = cnn.encode(img, false);
    const diff = tf.max(tf.abs(tf.sub(global, tf.mean(regions, 1)))).dataSync()[0]!;
    assert.ok(diff < 1e-6);
    const again = cnn.encode(img, false).regions;
    assert.equal(tf.max(tf.abs(tf.sub(regions, again))).dataSync()[0], 0, 'inference is deterministic');
    const dropped = cnn.encode(img, true).regions;
    const zeros = tf.sum(tf.cast(tf.equal(dropped, 0), 'float32')).dataSync()[0]!;
    assert.ok(zeros > 0.3 * dropped.size, `dropout zeroed ${zeros} of ${dropped.size}`);
  });
  cnn.dispose();
});

test('gradients reach every variable; numTensors flat over Adam steps', () => {
  const cnn = new TinyCnn({ imageSize: 16, channels: [4, 8], globalProjection: true });
  const img = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
  const target = tf.randomNormal([2, 16, 8], 0, 1, 'float32', 10);
  const vars = [...cnn.namedVariables().values()];
  const loss = () =>
    tf.tidy(() => {
      const { regions, global } = cnn.encode(img, true);
      return tf.add(tf.sum(tf.mul(regions, target)), tf.sum(tf.square(global))) as tf.Scalar;
    });
  const { grads, value } = tf.variableGrads(loss, vars);
  for (const [name, v] of cnn.namedVariables()) {
    const norm = tf.tidy(() => tf.sum(tf.abs(grads[v.name]!)).dataSync()[0]!);
    assert.ok(Number.isFinite(norm) && norm > 0, `${name}: |grad| = ${norm}`);
  }
  tf.dispose([value, ...Object.values(grads)]);
  const opt = tf.train.adam(1e-3);
  const counts: number[] = [];
  for (let i = 0; i < 4; i++) {
    tf.dispose(opt.minimize(loss, true, vars) ?? []);
    counts.push(tf.memory().numTensors);
  }
  assert.equal(counts[3], counts[1], counts.join(', '));
  opt.dispose();
  tf.dispose([img, target]);
  cnn.dispose();
});
