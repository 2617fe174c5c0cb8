import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/random.js';
import { WordPieceTokenizer } from '../../../src/core/tokenize/wordpiece.js';
import { startDropoutStream } from '../../../src/model/module.js';
import { BertEncoder, gelu, layoutBatch } from '../../../src/model/text/bert.js';
import { loadBertFolder } from '../../../src/model/text/bertFolder.node.js';
import { type BackendName, initBackend } from '../../../src/train/backends.js';
import { batchOf, FIXTURE, maxAbsDiff, readReference } from './bertFixture.js';

await initBackend('cpu');
const reference = await readReference();
const sentences = reference.map((c) => c.words);
const H = 32;
const MAX_POSITIONS = 40;

/** Rows of the reference hidden states vs the encoder's `[rows·seqLen, H]`, for every case. */
function maxDiffToReference(
  hidden: Float32Array,
  seqLen: number,
  pick: (c: (typeof reference)[number]) => number[][],
): number {
  let max = 0;
  reference.forEach((c, i) => {
    pick(c).forEach((row, s) => {
      const got = hidden.subarray((i * seqLen + s) * H, (i * seqLen + s + 1) * H);
      max = Math.max(max, maxAbsDiff(got, row));
    });
  });
  return max;
}

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  test(`${backend}: hidden states equal the PyTorch reference within 1e-4 (batched, padded)`, async () => {
    await initBackend(backend);
    for (const [layer, pick] of [
      [-1, (c) => c.last_hidden_state],
      [1, (c) => c.layer1_hidden_state],
    ] as const satisfies readonly (readonly [number, (c: (typeof reference)[number]) => number[][]])[]) {
      const enc = await loadBertFolder(FIXTURE, { layer });
      const layout = layoutBatch(enc.tokenizer, batchOf(sentences), MAX_POSITIONS);
      // All six in one batch: the shorter rows are padded, so this also checks the attention mask.
      assert.equal(layout.rows, sentences.length);
      assert.ok(layout.attentionMask.includes(0));
      reference.forEach((c, i) => {
        assert.deepEqual(
          [...layout.inputIds.subarray(i * layout.seqLen, i * layout.seqLen + c.ids.length)],
          c.ids,
        );
      });
      const hidden = tf.tidy(() => enc.hiddenStates(layout, false).dataSync() as Float32Array);
      const diff = maxDiffToReference(hidden, layout.seqLen, pick);
      assert.ok(diff < 1e-4, `layer ${layer}: max |Δ| ${diff}`);
      enc.dispose();
    }
  });
}

test('words are the first-subword vectors, sentence the [CLS] vector, padding 0', async () => {
  await initBackend('cpu');
  const enc = await loadBertFolder(FIXTURE);
  const batch = batchOf(sentences);
  const { words, sentence } = tf.tidy(() => {
    const out = enc.encode(batch, false);
    return { words: out.words.arraySync(), sentence: out.sentence.arraySync() };
  });
  assert.equal(enc.outputDim, H);
  assert.deepEqual([words.length, words[0]!.length, words[0]![0]!.length], [6, batch.maxLen, H]);
  reference.forEach((c, b) => {
    c.first_subword.forEach((s, t) => {
      assert.ok(maxAbsDiff(words[b]![t]!, c.last_hidden_state[s]!) < 1e-4, `sentence ${b} word ${t}`);
    });
    for (let t = c.words.length; t < batch.maxLen; t++) assert.ok(words[b]![t]!.every((v) => v === 0));
    assert.ok(maxAbsDiff(sentence[b]!, c.last_hidden_state[0]!) < 1e-4);
  });
  // A multi-piece word reads its first piece, not a later one: "besuch" of "besuchte".
  const first = reference[0]!;
  assert.deepEqual(first.tokens.slice(3, 5), ['besuch', '##te']);
  assert.ok(maxAbsDiff(words[0]![2]!, first.last_hidden_state[4]!) > 1e-2);
  enc.dispose();
});

test('long sentences: windows of whole words, each encoded as on its own', async () => {
  await initBackend('cpu');
  const enc = await loadBertFolder(FIXTURE);
  // 37 one-piece words; "besuchte" (2 pieces) would make 39 > 38 subwords, so it opens window 2.
  const long = [
    ...Array.from({ length: 37 }, (_, i) => (i % 2 ? 'Paris' : 'Berlin')),
    'besuchte',
    'München',
    '.',
  ];
  const short = ['Angela', 'Merkel'];
  const layout = layoutBatch(enc.tokenizer, batchOf([short, long]), MAX_POSITIONS);
  assert.deepEqual(layout.windows, [1, 2]);
  assert.equal(layout.rows, 3);
  assert.equal(layout.seqLen, MAX_POSITIONS - 1); // [CLS] + 37 + [SEP]
  const run = (ss: string[][]) =>
    tf.tidy(() => {
      const out = enc.encode(batchOf(ss), false);
      return { words: out.words.arraySync(), sentence: out.sentence.arraySync() };
    });
  const joined = run([short, long]);
  const alone = run([long.slice(0, 37), long.slice(37), short]);
  const expected = [...alone.words[0]!.slice(0, 37), ...alone.words[1]!.slice(0, 3)];
  assert.equal(joined.words[1]!.length, long.length);
  for (const [t, v] of expected.entries()) assert.ok(maxAbsDiff(joined.words[1]![t]!, v) < 1e-5, `word ${t}`);
  assert.ok(maxAbsDiff(joined.sentence[1]!, alone.sentence[0]!) < 1e-5);
  // The short sentence beside it is unchanged by the windowing.
  assert.ok(maxAbsDiff(joined.words[0]![1]!, alone.words[2]![1]!) < 1e-5);
  // Exactly 38 subwords fill one window; 39 need two.
  const paris = (n: number) => Array.from({ length: n }, () => 'Paris');
  const fits = layoutBatch(enc.tokenizer, batchOf([paris(38), paris(39)]), MAX_POSITIONS);
  assert.deepEqual(fits.windows, [1, 2]);
  assert.equal(fits.seqLen, MAX_POSITIONS);
  // A single word longer than a window keeps its first 38 pieces and still has its vector.
  const huge = `a${'b'.repeat(60)}`;
  const hugeLayout = layoutBatch(enc.tokenizer, batchOf([[huge, 'Paris']]), MAX_POSITIONS);
  assert.deepEqual(hugeLayout.windows, [2]);
  assert.equal(hugeLayout.seqLen, MAX_POSITIONS);
  const hugeWords = run([[huge, 'Paris']]).words[0]!;
  assert.ok(hugeWords.every((w) => w.some((v) => v !== 0)));
  enc.dispose();
});

test('dropout only in training, from the step stream', async () => {
  await initBackend('cpu');
  const enc = await loadBertFolder(FIXTURE);
  const batch = batchOf(sentences.slice(0, 2));
  const run = (training: boolean) =>
    tf.tidy(() => enc.encode(batch, training).words.dataSync() as Float32Array);
  assert.equal(maxAbsDiff(run(false), run(false)), 0);
  startDropoutStream(7, 0);
  const a = run(true);
  startDropoutStream(7, 0);
  const b = run(true);
  startDropoutStream(7, 1);
  const c = run(true);
  assert.equal(maxAbsDiff(a, b), 0);
  assert.ok(maxAbsDiff(a, c) > 1e-3);
  assert.ok(maxAbsDiff(a, run(false)) > 1e-3);
  enc.dispose();
});

/** Encoder + a linear tagging head: Adam on a softmax loss over words plus a sentence term. */
function trainer(enc: BertEncoder, variables: tf.Variable[], head: tf.Variable) {
  const opt = tf.train.adam(1e-2);
  const batch = batchOf(sentences);
  const T = batch.maxLen;
  const labels = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Int32Array.from({ length: 6 * T }, (_, i) => i % 3),
        'int32',
      ),
      3,
    ),
  );
  const loss = () => {
    const { words, sentence } = enc.encode(batch, true);
    const logits = tf.matMul(tf.reshape(words, [-1, H]), head);
    return tf.add(tf.losses.softmaxCrossEntropy(labels, logits), tf.mean(tf.square(sentence))) as tf.Scalar;
  };
  return {
    step(i: number): void {
      startDropoutStream(0, i);
      tf.tidy(() => {
        const { grads } = tf.variableGrads(loss, variables);
        opt.applyGradients(grads as unknown as Parameters<typeof opt.applyGradients>[0]);
      });
    },
    minimize(i: number): void {
      startDropoutStream(0, i);
      tf.tidy(() => {
        opt.minimize(loss);
      });
    },
    dispose(): void {
      opt.dispose();
      labels.dispose();
    },
  };
}

const snapshot = (enc: BertEncoder) =>
  new Map([...enc.namedVariables()].map(([name, v]) => [name, v.dataSync().slice() as Float32Array]));

test('wasm: a training step changes every weight; numTensors stays flat', async () => {
  await initBackend('wasm');
  const enc = await loadBertFolder(FIXTURE);
  const head = tf.variable(tf.randomNormal([H, 3], 0, 0.5, 'float32', 1));
  const t = trainer(enc, [...enc.namedVariables().values(), head], head);
  const before = snapshot(enc);
  t.step(0);
  for (const [name, values] of snapshot(enc)) {
    assert.ok(maxAbsDiff(values, before.get(name)!) > 0, `${name} did not change`);
  }
  const tensors = tf.memory().numTensors;
  for (let i = 1; i <= 3; i++) {
    t.step(i);
    assert.equal(tf.memory().numTensors, tensors, `step ${i}`);
  }
  t.dispose();
  head.dispose();
  enc.dispose();
});

test('frozen: no trainable variables, and an optimizer step leaves the weights as they were', async () => {
  await initBackend('cpu');
  const enc = await loadBertFolder(FIXTURE, { frozen: true });
  assert.ok([...enc.namedVariables().values()].every((v) => !v.trainable));
  const head = tf.variable(tf.randomNormal([H, 3], 0, 0.5, 'float32', 2));
  const headBefore = head.dataSync().slice();
  const before = snapshot(enc);
  const t = trainer(enc, [head], head);
  // minimize() with no variable list takes every trainable variable there is.
  t.minimize(0);
  for (const [name, values] of snapshot(enc)) assert.equal(maxAbsDiff(values, before.get(name)!), 0, name);
  assert.ok(maxAbsDiff(head.dataSync(), headBefore) > 0);
  t.dispose();
  head.dispose();
  enc.dispose();
});

test('random init (no weights): seeded, same on every construction; config checked', async () => {
  await initBackend('cpu');
  const tokenizer = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'hi']);
  const config = {
    vocabSize: 5,
    hiddenSize: 8,
    numLayers: 1,
    numHeads: 2,
    intermediateSize: 16,
    maxPositions: 8,
  };
  const a = new BertEncoder(tokenizer, config);
  const b = new BertEncoder(tokenizer, config);
  const out = (e: BertEncoder) => tf.tidy(() => e.encode(batchOf([['hi', 'hi']]), false).words.dataSync());
  assert.equal(maxAbsDiff(out(a), out(b)), 0);
  assert.deepEqual([...a.namedVariables().keys()].slice(0, 5), [
    'embeddings.word',
    'embeddings.position',
    'embeddings.tokenType',
    'embeddings.norm.gamma',
    'embeddings.norm.beta',
  ]);
  a.dispose();
  b.dispose();
  const bad = (c: object, pattern: RegExp) =>
    assert.throws(
      () => new BertEncoder(tokenizer, { ...config, ...c }),
      (e: unknown) => e instanceof MmnerError && pattern.test(e.message),
    );
  bad({ layer: 2 }, /layer must be an integer from -2 to 1/);
  bad({ numHeads: 3 }, /not a multiple of numHeads/);
  bad({ vocabSize: 4 }, /the tokenizer has 5 tokens/);
  bad({ hiddenDropout: 1 }, /hiddenDropout/);
});

test('GELU is the exact erf form', async () => {
  await initBackend('wasm');
  const xs = [-3, -1, -0.5, 0, 0.5, 1, 3];
  // Φ(x) values from tables: GELU(x) = x·Φ(x).
  const phi = [
    0.0013498980316301, 0.15865525393146, 0.30853753872599, 0.5, 0.69146246127401, 0.84134474606854,
    0.99865010196837,
  ];
  const got = tf.tidy(() => gelu(tf.tensor1d(xs)).dataSync());
  for (const [i, x] of xs.entries()) assert.ok(Math.abs(got[i]! - x * phi[i]!) < 1e-6, `x = ${x}`);
});

test('speed probe (printed, not asserted): wasm, tiny fixture, 32 sentences × 20 words', async () => {
  await initBackend('wasm');
  const enc = await loadBertFolder(FIXTURE);
  const r = new Rng('bert-speed');
  const words = [
    'Paris',
    'Berlin',
    'visited',
    'Angela',
    'Merkel',
    'besuchte',
    'Montréal,',
    'ganó',
    'the',
    'New',
    'York',
  ];
  const batch = batchOf(Array.from({ length: 32 }, () => Array.from({ length: 20 }, () => r.pick(words))));
  const encode = () => tf.tidy(() => enc.encode(batch, false).words.dataSync());
  encode();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    encode();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const layout = layoutBatch(enc.tokenizer, batch, MAX_POSITIONS);
  console.log(
    `# BERT tiny fixture (H 32, 2 layers), wasm, 32 × 20 words (${layout.seqLen} positions): ` +
      `encode ${times[2]!.toFixed(1)} ms (median of 5, min ${times[0]!.toFixed(1)})`,
  );
  enc.dispose();
});
