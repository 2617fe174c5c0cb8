import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../../../src/core/random.js';
import { TinyTextEncoder } from '../../../src/model/text/tinyEncoder.js';
import { TextVocab } from '../../../src/model/text/vocab.js';
import { initBackend } from '../../../src/train/backends.js';
import { checkHostCharCnn, checkHostRecurrence } from './hostChecks.js';

await initBackend('cpu'); // silences the cpu banner
await initBackend('wasm');

const batchOf = (ss: string[][]) => ({
  lengths: ss.map((s) => s.length),
  maxLen: Math.max(...ss.map((s) => s.length)),
  tokens: ss,
});

/** Encoder + linear softmax head: one Adam step (or just the loss); returns the loss. */
function trainer(enc: TinyTextEncoder, classes: number, lr: number) {
  const head = tf.variable(tf.randomNormal([enc.outputDim, classes], 0, 0.1, 'float32', 2));
  const opt = tf.train.adam(lr);
  const vars = [...enc.namedVariables().values(), head];
  const logitsOf = (batch: ReturnType<typeof batchOf>, training: boolean) =>
    tf.matMul(tf.reshape(enc.encode(batch, training).words, [-1, enc.outputDim]), head);
  const step = (batch: ReturnType<typeof batchOf>, labels: Int32Array, weights: Float32Array) =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            tf.oneHot(tf.tensor1d(labels, 'int32'), classes),
            logitsOf(batch, true),
            tf.tensor1d(weights),
          ) as tf.Scalar,
        vars,
      );
      opt.applyGradients(grads as unknown as Parameters<typeof opt.applyGradients>[0]);
      return {
        loss: value.dataSync()[0]!,
        grads: Object.values(grads).map((g) => tf.sum(tf.abs(g)).dataSync()[0]!),
      };
    });
  const dispose = () => {
    opt.dispose();
    head.dispose();
  };
  return { step, logitsOf, dispose };
}

test('wasm: the host recurrence equals the tf-ops loop in values and gradients', () => {
  for (const T of [1, 7]) checkHostRecurrence(`wasm/host-vs-ops/${T}`, 4, T, 8);
});

test('wasm: the host char CNN equals the tf-ops one in values and gradients', () => {
  checkHostCharCnn('wasm/char-host-vs-ops', 3);
});

test('wasm: gradients reach every variable; numTensors flat', () => {
  const sentences = [
    ['Donald', 'Trump', 'visits', 'Paris'],
    ['#', 'NBA', ':', 'Kawhi', 'Leonard', 'wins', 'again'],
  ];
  const enc = new TinyTextEncoder(TextVocab.build(sentences.map((tokens) => ({ tokens }))), {
    wordDim: 6,
    charDim: 5,
    charFilters: 4,
    casingDim: 3,
    hidden: 5,
    wordDropout: 0,
  });
  const t = trainer(enc, 3, 1e-3);
  const batch = batchOf(sentences);
  const labels = new Int32Array(2 * 7).map((_, i) => i % 3);
  const weights = new Float32Array(2 * 7).fill(1);
  const first = t.step(batch, labels, weights);
  for (const [i, g] of first.grads.entries()) assert.ok(g > 0, `variable ${i} has no gradient`);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) t.step(batch, labels, weights);
  assert.equal(tf.memory().numTensors, before);
  t.dispose();
  enc.dispose();
});

test('learns to tag synthetic sentences (encoder + softmax head, Adam)', () => {
  // Tag 1 = a name after "met", tag 2 = a city after "in"; the names vary, so the encoder must
  // use context, not memorise words.
  const r = new Rng('synthetic');
  const names = ['Anna', 'Boris', 'Chen', 'Dara', 'Emil', 'Fatou', 'Goran', 'Hana', 'Ivo', 'Jule'];
  const cities = ['lyon', 'graz', 'porto', 'turin', 'kiel', 'brno'];
  const filler = ['we', 'they', 'often', 'today', 'saw', 'and', 'then', 'left'];
  const data = Array.from({ length: 30 }, () => {
    const tokens: string[] = [];
    const tags: number[] = [];
    const n = 3 + r.int(4);
    for (let i = 0; i < n; i++) {
      const k = r.int(4);
      const [word, tag] = k === 0 ? ['met', 1] : k === 1 ? ['in', 2] : [undefined, 0];
      if (word) tokens.push(word, r.pick(tag === 1 ? names : cities));
      else tokens.push(r.pick(filler));
      tags.push(...(word ? [0, tag] : [0]));
    }
    return { tokens, tags };
  });
  const enc = new TinyTextEncoder(TextVocab.build(data), {
    wordDim: 16,
    charDim: 8,
    charFilters: 8,
    casingDim: 4,
    hidden: 16,
    dropout: 0.1,
  });
  const t = trainer(enc, 3, 0.02);
  const batch = batchOf(data.map((d) => d.tokens));
  const T = batch.maxLen;
  const labels = new Int32Array(data.length * T);
  const weights = new Float32Array(data.length * T);
  for (const [b, d] of data.entries()) {
    for (const [i, tag] of d.tags.entries()) {
      labels[b * T + i] = tag;
      weights[b * T + i] = 1;
    }
  }
  for (let s = 0; s < 100; s++) t.step(batch, labels, weights);
  const pred = tf.tidy(() => tf.argMax(t.logitsOf(batch, false), 1).dataSync());
  let right = 0;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!weights[i]) continue;
    total++;
    if (pred[i] === labels[i]) right++;
  }
  assert.ok(right / total > 0.95, `token accuracy ${right}/${total}`);
  t.dispose();
  enc.dispose();
});

test('speed probe (printed, not asserted): default config, batch 32 × 30 words, wasm', () => {
  const r = new Rng('probe');
  const word = () => {
    let s = '';
    for (let i = 0, n = 2 + r.int(9); i < n; i++) s += String.fromCharCode(97 + r.int(26));
    return r.chance(0.3) ? s[0]!.toUpperCase() + s.slice(1) : s;
  };
  // About Twitter-2017's vocabulary size (8,965 words).
  const vocab = TextVocab.build(
    Array.from({ length: 600 }, () => ({ tokens: Array.from({ length: 15 }, word) })),
  );
  const enc = new TinyTextEncoder(vocab);
  const t = trainer(enc, 9, 1e-3);
  const B = 32;
  const T = 30;
  const batch = batchOf(Array.from({ length: B }, () => Array.from({ length: T }, word)));
  const labels = new Int32Array(B * T).map(() => r.int(9));
  const weights = new Float32Array(B * T).fill(1);
  t.step(batch, labels, weights);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    t.step(batch, labels, weights);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(
    `# tiny text encoder, wasm, B=${B} T=${T}, vocab ${vocab.wordVocabSize}, default config: ` +
      `forward+backward+Adam ${times[2]!.toFixed(0)} ms/step (median of 5, min ${times[0]!.toFixed(0)})`,
  );
  t.dispose();
  enc.dispose();
});
