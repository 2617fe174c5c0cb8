import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/core/random.js';
import {
  biLstmLayer,
  reverseWithinLengthIndex,
  stackChunked,
  unstackChunked,
} from '../../../src/model/text/lstm.js';
import { TinyTextEncoder } from '../../../src/model/text/tinyEncoder.js';
import { encodeTextBatch, TextVocab } from '../../../src/model/text/vocab.js';
import { initBackend } from '../../../src/train/backends.js';
import { checkHostCharCnn, checkHostRecurrence } from './hostChecks.js';

await initBackend('cpu');

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** Plain-loop float64 BiLSTM (gate order i, f, o, g), each sentence read within its length. */
function referenceBiLstm(
  x: Float32Array, // [T*B, Din] time-major
  B: number,
  T: number,
  Din: number,
  H: number,
  lengths: number[],
  w: { fw: Float32Array[]; bw: Float32Array[] }, // [kernel, recurrent, bias]
): Float64Array {
  const out = new Float64Array(T * B * 2 * H);
  for (const [d, [W, U, bias]] of [
    [0, w.fw],
    [1, w.bw],
  ] as const) {
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      let h = new Float64Array(H);
      let c = new Float64Array(H);
      for (let s = 0; s < len; s++) {
        const t = d === 0 ? s : len - 1 - s;
        const z = new Float64Array(4 * H);
        for (let j = 0; j < 4 * H; j++) {
          let acc = bias![j]!;
          for (let k = 0; k < Din; k++) acc += x[(t * B + b) * Din + k]! * W![k * 4 * H + j]!;
          for (let k = 0; k < H; k++) acc += h[k]! * U![k * 4 * H + j]!;
          z[j] = acc;
        }
        const hn = new Float64Array(H);
        const cn = new Float64Array(H);
        for (let k = 0; k < H; k++) {
          cn[k] = sig(z[H + k]!) * c[k]! + sig(z[k]!) * Math.tanh(z[3 * H + k]!);
          hn[k] = sig(z[2 * H + k]!) * Math.tanh(cn[k]!);
          out[(t * B + b) * 2 * H + d * H + k] = hn[k]!;
        }
        h = hn;
        c = cn;
      }
    }
  }
  return out;
}

const randArray = (r: Rng, n: number, scale: number) =>
  Float32Array.from({ length: n }, () => r.range(-scale, scale));

test('BiLSTM equals a plain-loop float64 reference (lengths differ; padding → 0)', () => {
  const r = new Rng('lstm-ref');
  const B = 3;
  const T = 5;
  const Din = 4;
  const H = 3;
  const lengths = [5, 2, 4];
  const x = randArray(r, T * B * Din, 1);
  const mk = () => [randArray(r, Din * 4 * H, 0.8), randArray(r, H * 4 * H, 0.8), randArray(r, 4 * H, 0.5)];
  const w = { fw: mk(), bw: mk() };
  const mask = new Float32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) mask[t * B + b] = t < lengths[b]! ? 1 : 0;
  const got = tf.tidy(() => {
    const weights = (a: Float32Array[]) => ({
      kernel: tf.tensor2d(a[0]!, [Din, 4 * H]),
      recurrentKernel: tf.tensor2d(a[1]!, [H, 4 * H]),
      bias: tf.tensor1d(a[2]!),
    });
    const y = biLstmLayer(
      tf.tensor2d(x, [T * B, Din]),
      B,
      T,
      tf.tensor1d(reverseWithinLengthIndex(lengths, T), 'int32'),
      tf.tensor2d(mask, [T * B, 1]),
      weights(w.fw),
      weights(w.bw),
    );
    return y.dataSync();
  });
  const want = referenceBiLstm(x, B, T, Din, H, lengths, w);
  assert.equal(got.length, want.length);
  let maxErr = 0;
  for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i]! - want[i]!));
  assert.ok(maxErr < 1e-4, `max error ${maxErr}`);
  // The backward direction of sentence 1 (length 2) at t = 0 has seen exactly its two words.
  assert.ok(Math.abs(want[(0 * B + 1) * 2 * H + H]!) > 1e-3);
  // Padded positions (sentence 1, t ≥ 2) are exactly 0 in both directions.
  for (let k = 0; k < 2 * H; k++) assert.ok(got[(3 * B + 1) * 2 * H + k] === 0);
});

const sentences = [
  ['Donald', 'Trump', 'visits', 'Paris'],
  ['Angela', 'Merkel', 'in', 'Berlin', 'today', '!'],
  ['#', 'NBA', ':', 'Kawhi', 'Leonard', 'wins'],
  ['Zoë', 'fährt', 'nach', 'Köln'],
];
const vocab = TextVocab.build(sentences.map((tokens) => ({ tokens })));
const small = { wordDim: 6, charDim: 5, charFilters: 4, casingDim: 3, hidden: 5, seed: 'test' };
const batchOf = (ss: string[][]) => ({
  lengths: ss.map((s) => s.length),
  maxLen: Math.max(...ss.map((s) => s.length)),
  tokens: ss,
});

test('the host recurrence equals the tf-ops loop in values and gradients (T = 1, 2, 9)', () => {
  for (const T of [1, 2, 9]) checkHostRecurrence(`host-vs-ops/${T}`, 3, T, 6);
});

test('the host char CNN equals the tf-ops one in values and gradients (window 1, 3, 5)', () => {
  for (const w of [1, 3, 5]) checkHostCharCnn(`char-host-vs-ops/${w}`, w);
});

test('shapes, zero padding, sentence = masked mean; padding ids do not matter', () => {
  const enc = new TinyTextEncoder(vocab, small);
  const batch = batchOf([sentences[0]!, ['Paris', 'ZZZunseen'], sentences[1]!]);
  const ids = encodeTextBatch(vocab, batch, { maxWordLen: 20 });
  const [words, sentence] = tf.tidy(() => {
    const e = enc.encodeIds(ids, false);
    return [e.words.arraySync(), e.sentence.arraySync()];
  });
  assert.deepEqual([words.length, words[0]!.length, words[0]![0]!.length], [3, 6, 10]);
  assert.equal(enc.outputDim, 10);
  for (let t = 2; t < 6; t++) assert.ok(words[1]![t]!.every((v) => v === 0));
  for (let k = 0; k < 10; k++) {
    const mean = (words[1]![0]![k]! + words[1]![1]![k]!) / 2;
    assert.ok(Math.abs(sentence[1]![k]! - mean) < 1e-6);
  }
  // Garbage in every padded slot: ids, chars, casing, char lengths.
  const noisy = {
    ...ids,
    wordIds: ids.wordIds.map((v, i) => (ids.mask[i] ? v : 5)),
    casing: ids.casing.map((v, i) => (ids.mask[i] ? v : 3)),
    charLengths: ids.charLengths.map((v, i) => (ids.mask[i] ? v : 2)),
    charIds: ids.charIds.map((v, j) => (ids.mask[Math.floor(j / ids.maxChars)] ? v : 7)),
  };
  const again = tf.tidy(() => enc.encodeIds(noisy, false).words.arraySync());
  assert.deepEqual(again, words);
  // Same seed → same weights, and two encoders with one seed coexist.
  const twin = new TinyTextEncoder(vocab, small);
  const viaTokens = tf.tidy(() => twin.encode(batch, false).words.arraySync());
  assert.deepEqual(viaTokens, words);
  twin.dispose();
  enc.dispose();
});

test('stable variable names; bad config is an MmnerError', () => {
  const enc = new TinyTextEncoder(vocab, { ...small, layers: 2 });
  assert.deepEqual(
    [...enc.namedVariables().keys()],
    [
      'word.embedding',
      'char.embedding',
      'char.conv.kernel',
      'char.conv.bias',
      'casing.embedding',
      'lstm.fw.kernel',
      'lstm.fw.recurrentKernel',
      'lstm.fw.bias',
      'lstm.bw.kernel',
      'lstm.bw.recurrentKernel',
      'lstm.bw.bias',
      'lstm2.fw.kernel',
      'lstm2.fw.recurrentKernel',
      'lstm2.fw.bias',
      'lstm2.bw.kernel',
      'lstm2.bw.recurrentKernel',
      'lstm2.bw.bias',
    ],
  );
  const bias = enc.namedVariables().get('lstm.fw.bias')!.dataSync();
  assert.deepEqual([...bias.slice(0, 15)], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
  enc.dispose();
  assert.throws(() => new TinyTextEncoder(vocab, { dropout: 1 }), { code: 'E_CONFIG' });
  assert.throws(() => new TinyTextEncoder(vocab, { charWidth: 2 }), { code: 'E_CONFIG' });
});

/** One training step of encoder + linear head; returns the gradient sum-of-squares per variable. */
function gradNorms(enc: TinyTextEncoder, head: tf.Variable, batch: ReturnType<typeof batchOf>) {
  const vars = [...enc.namedVariables()];
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const { words, sentence } = enc.encode(batch, true);
      const logits = tf.matMul(tf.reshape(words, [-1, enc.outputDim]), head);
      return tf.add(tf.sum(tf.square(logits)), tf.sum(sentence)) as tf.Scalar;
    }, [...vars.map(([, v]) => v), head]);
    return vars.map(([name, v]) => [name, tf.sum(tf.square(grads[v.name]!)).dataSync()[0]!] as const);
  });
}

test('gradients reach every variable; numTensors flat over encode + grad', () => {
  const enc = new TinyTextEncoder(vocab, { ...small, wordDropout: 0 });
  const head = tf.variable(tf.randomNormal([enc.outputDim, 3], 0, 0.5, 'float32', 1));
  const batch = batchOf(sentences);
  for (const [name, norm] of gradNorms(enc, head, batch)) assert.ok(norm > 0, `${name} has no gradient`);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) gradNorms(enc, head, batch);
  assert.equal(tf.memory().numTensors, before);
  head.dispose();
  enc.dispose();
});

test('chunked unstack/stack round-trip with gradients for every length (tfjs single-output edge)', () => {
  for (const T of [1, 2, 5, 13, 30]) {
    const x = tf.tensor3d(
      Float32Array.from({ length: T * 2 * 3 }, (_, i) => i),
      [T, 2, 3],
    );
    const g = tf.tidy(() => {
      const parts = unstackChunked(x);
      assert.equal(parts.length, T);
      assert.deepEqual(parts[T - 1]!.shape, [2, 3]);
      return tf
        .grad((v: tf.Tensor) => tf.sum(tf.mul(stackChunked(unstackChunked(v)), v)))(x)
        .arraySync();
    });
    assert.deepEqual(
      g,
      tf.tidy(() => tf.mul(x, 2).arraySync()),
      `T=${T}`,
    );
    x.dispose();
  }
});

test('one-word batch trains (T = 1)', () => {
  const enc = new TinyTextEncoder(vocab, small);
  const head = tf.variable(tf.ones([enc.outputDim, 2]));
  const norms = gradNorms(enc, head, batchOf([['Paris'], ['in']]));
  assert.ok(norms.every(([, n]) => Number.isFinite(n)));
  head.dispose();
  enc.dispose();
});

test('LM side objective: equals a plain-loop reference from the encoder output, trains every lm variable, off by default', () => {
  const lmVocab = 6; // fewer than the vocabulary's words, so rare words become <unk> targets
  const cfg = { ...small, dropout: 0, wordDropout: 0, lmWeight: 0.3, lmVocab, lmHidden: 4 };
  const enc = new TinyTextEncoder(vocab, cfg);
  const plain = new TinyTextEncoder(vocab, { ...small });
  try {
    assert.ok(![...plain.namedVariables().keys()].some((k) => k.startsWith('lm.')));
    const batch = batchOf(sentences);
    assert.equal(
      tf.tidy(() => plain.encode(batch, true).auxLoss),
      undefined,
    );
    const { words, auxLoss } = tf.tidy(() => {
      const e = enc.encode(batch, true);
      return { words: e.words.arraySync(), auxLoss: e.auxLoss!.dataSync()[0]! };
    });
    assert.equal(
      tf.tidy(() => enc.encode(batch, false).auxLoss),
      undefined,
    );
    // Reference: float64 loops over the encoder's own output (no dropout: words = BiLSTM states).
    const H = small.hidden;
    const ids = encodeTextBatch(vocab, batch, { maxWordLen: 20 });
    const K = Math.min(lmVocab + 2, vocab.wordVocabSize);
    const V = K + 2;
    const val = (n: string) => [...enc.namedVariables().get(n)!.dataSync()];
    const logProb = (dir: string, state: number[], target: number) => {
      const [hk, hb, ok, ob] = ['hidden.kernel', 'hidden.bias', 'out.kernel', 'out.bias'].map((n) =>
        val(`lm.${dir}.${n}`),
      ) as [number[], number[], number[], number[]];
      const m = cfg.lmHidden;
      const h = Array.from({ length: m }, (_, j) =>
        Math.tanh(hb[j]! + state.reduce((a, x, i) => a + x * hk[i * m + j]!, 0)),
      );
      const logits = Array.from(
        { length: V },
        (_, k) => ob[k]! + h.reduce((a, x, j) => a + x * ok[j * V + k]!, 0),
      );
      const max = Math.max(...logits);
      const lse = max + Math.log(logits.reduce((a, z) => a + Math.exp(z - max), 0));
      return logits[target]! - lse;
    };
    const cls = (id: number) => (id < K ? id : 1);
    let sum = 0;
    let unkTargets = 0;
    sentences.forEach((s, b) => {
      for (let t = 0; t < s.length; t++) {
        const state = words[b]![t]!;
        const next = t + 1 < s.length ? cls(ids.wordIds[b * ids.maxLen + t + 1]!) : K + 1;
        const prev = t > 0 ? cls(ids.wordIds[b * ids.maxLen + t - 1]!) : K;
        if (next === 1) unkTargets++;
        sum += logProb('fw', state.slice(0, H), next) + logProb('bw', state.slice(H), prev);
      }
    });
    assert.ok(unkTargets > 0, 'some targets are <unk>');
    const want = (-cfg.lmWeight * sum) / sentences.length;
    assert.ok(Math.abs(auxLoss - want) < 1e-4 * Math.abs(want), `${auxLoss} vs ${want}`);
    // Every lm variable (and the encoder below it) gets a gradient from the side loss alone.
    const vars = [...enc.namedVariables()];
    const norms = tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => enc.encode(batch, true).auxLoss!,
        vars.map(([, v]) => v),
      );
      return vars.map(([name, v]) => [name, tf.sum(tf.square(grads[v.name]!)).dataSync()[0]!] as const);
    });
    for (const [name, norm] of norms) {
      if (name.startsWith('lm.') || name.startsWith('lstm.')) assert.ok(norm > 0, `${name} has no gradient`);
    }
    assert.throws(() => new TinyTextEncoder(vocab, { lmWeight: -1 }), { code: 'E_CONFIG' });
    assert.throws(() => new TinyTextEncoder(vocab, { lmVocab: 0 }), { code: 'E_CONFIG' });
  } finally {
    enc.dispose();
    plain.dispose();
  }
});
