// TinyCnn + collaboration on the wasm backend (with mmner's training kernels): gradients equal
// the cpu backend's and reach every variable, no leaks, and a speed probe (printed, not asserted):
// one forward + backward at batch 32, T = 30, 64×64 images.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { CollaborationModule } from '../../../src/model/collaboration/index.js';
import { TinyCnn } from '../../../src/model/image/tinyCnn.js';
import { initBackend } from '../../../src/train/backends.js';

/** A loss over both modules: Σ fused·target over real words, plus the image global vector. */
function makeLoss(
  cnn: TinyCnn,
  collab: CollaborationModule,
  batch: { images: tf.Tensor4D; words: tf.Tensor3D; mask: tf.Tensor2D; target: tf.Tensor3D },
  training: boolean,
) {
  return () =>
    tf.tidy(() => {
      const { regions, global } = cnn.encode(batch.images, training);
      const { fused } = collab.apply(batch.words, batch.mask, [{ regions }], { training });
      return tf.add(tf.mean(tf.mul(fused, batch.target)), tf.mean(tf.square(global))) as tf.Scalar;
    });
}

function makeBatch(b: number, t: number, size: number, dim: number) {
  const lengths = Array.from({ length: b }, (_, i) => t - (i % Math.min(t, 7)));
  return {
    images: tf.randomNormal([b, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D,
    words: tf.randomNormal([b, t, dim], 0, 1, 'float32', 2) as tf.Tensor3D,
    mask: tf.tensor2d(lengths.map((n) => Array.from({ length: t }, (_, i) => (i < n ? 1 : 0)))),
    target: tf.randomNormal([b, t, dim], 0, 1, 'float32', 3) as tf.Tensor3D,
  };
}

function gradsOf(loss: () => tf.Scalar, named: Map<string, tf.Variable>): Map<string, Float32Array> {
  const { grads, value } = tf.variableGrads(loss, [...named.values()]);
  const out = new Map<string, Float32Array>();
  for (const [name, v] of named) out.set(name, grads[v.name]!.dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

test('wasm gradients equal the cpu ones and reach every variable', async () => {
  await initBackend('cpu');
  const cnn = new TinyCnn({ imageSize: 32, channels: [8, 16, 32], dropout: 0 });
  const collab = new CollaborationModule({ wordDim: 32, regionDim: 32, heads: 4, dropout: 0 });
  const named = new Map([
    ...[...cnn.namedVariables()].map(([k, v]) => [`image.${k}`, v] as const),
    ...[...collab.namedVariables()].map(([k, v]) => [`collaboration.${k}`, v] as const),
  ]);
  const batch = makeBatch(3, 5, 32, 32);
  const onCpu = gradsOf(makeLoss(cnn, collab, batch, false), named);
  await initBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const onWasm = gradsOf(makeLoss(cnn, collab, batch, false), named);
  for (const [name, g] of onWasm) {
    const ref = onCpu.get(name)!;
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < g.length; i++) {
      scale = Math.max(scale, Math.abs(ref[i]!));
      diff = Math.max(diff, Math.abs(g[i]! - ref[i]!));
    }
    assert.ok(scale > 0, `${name}: zero gradient`);
    assert.ok(diff <= 1e-3 * scale + 1e-7, `${name}: wasm vs cpu differ by ${diff} (scale ${scale})`);
  }
  tf.dispose(Object.values(batch));
  cnn.dispose();
  collab.dispose();
});

test('wasm: numTensors flat over training steps; speed probe at batch 32, T = 30', async () => {
  await initBackend('wasm');
  const cnn = new TinyCnn();
  const collab = new CollaborationModule({ wordDim: 128, regionDim: cnn.outputDim, heads: 4 });
  const vars = [...cnn.namedVariables().values(), ...collab.namedVariables().values()];
  const batch = makeBatch(32, 30, 64, 128);
  const loss = makeLoss(cnn, collab, batch, true);
  const opt = tf.train.adam(1e-3);
  const step = () => {
    const l = opt.minimize(loss, true, vars)!;
    l.dataSync();
    l.dispose();
  };
  step();
  step();
  const counts: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
    counts.push(tf.memory().numTensors);
  }
  assert.ok(
    counts.every((c) => c === counts[0]),
    `numTensors per step: ${counts.join(', ')}`,
  );
  // Forward + backward without the optimizer, for the probe.
  const fb: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const { grads, value } = tf.variableGrads(loss, vars);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
    fb.push(performance.now() - t0);
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `speed probe (wasm, TinyCnn 64×64 + collaboration 4 heads, B=32, T=30): forward+backward ${median(fb).toFixed(0)} ms, with Adam ${median(times).toFixed(0)} ms (median of 5)`,
  );
  opt.dispose();
  tf.dispose(Object.values(batch));
  cnn.dispose();
  collab.dispose();
});
