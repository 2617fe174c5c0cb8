import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmnerError } from '../../src/core/errors.js';
import { scoreSentences } from '../../src/core/metrics/index.js';
import { checkScheme } from '../../src/core/schemes/check.js';
import type { Sentence } from '../../src/core/types.js';
import { makeBatch } from '../../src/model/batch.js';
import { buildModel } from '../../src/model/build.js';
import { type Ablation, presetConfig } from '../../src/model/config.js';
import { TextVocab } from '../../src/model/text/vocab.js';
import { initBackend } from '../../src/train/backends.js';

const TYPES = ['PER', 'LOC', 'ORG', 'MISC'];
const NAMES: [string, string][] = [
  ['Anna', 'PER'],
  ['Berlin', 'LOC'],
  ['Siemens', 'ORG'],
  ['Olympics', 'MISC'],
  ['Jordan', 'PER'],
  ['Madrid', 'LOC'],
];

/** Small sentences with one or two entities, deterministic. */
function sentences(n: number): Sentence[] {
  return Array.from({ length: n }, (_, i) => {
    const [a, ta] = NAMES[i % NAMES.length]!;
    const [b, tb] = NAMES[(i * 5 + 1) % NAMES.length]!;
    const tokens = i % 2 ? ['I', 'saw', a, 'and', b, 'today'] : [a, 'was', 'great', '!'];
    const tags = i % 2 ? ['O', 'O', `B-${ta}`, 'O', `B-${tb}`, 'O'] : [`B-${ta}`, 'O', 'O', 'O'];
    return { id: `s${i}`, lang: ['en', 'fr', 'de', 'es'][i % 4]!, tokens, tags, image: `s${i}` };
  });
}

const SMALL_TEXT = { wordDim: 16, charDim: 8, charFilters: 8, casingDim: 4, hidden: 16, dropout: 0 };

function model(ablation: Ablation, data: Sentence[]) {
  const config = presetConfig('tiny', TYPES, { seed: 3, ablation }).model;
  config.text = { kind: 'tiny', options: SMALL_TEXT };
  config.image.size = 16;
  config.contrastive = config.contrastive && { ...config.contrastive, projectionDim: 8 };
  return buildModel(config, { vocab: TextVocab.build(data) });
}

const images = (n: number, size = 16) => new Float32Array(n * size * size * 3).map((_, i) => Math.sin(i));

before(async () => {
  await initBackend('wasm');
});

test('loss parts: CRF and contrastive with images, CRF only for text-only; variables have unique stable names', () => {
  const data = sentences(4);
  const mm = model('none', data);
  const to = model('text-only', data);
  try {
    const parts = tf.tidy(() =>
      Object.fromEntries(
        Object.entries(mm.lossParts(makeBatch(mm, data, images(4)), true, 0)).map(([k, v]) => [
          k,
          v.dataSync()[0]!,
        ]),
      ),
    );
    assert.deepEqual(Object.keys(parts).sort(), ['contrastive', 'crf']);
    assert.ok(Number.isFinite(parts.crf) && parts.crf! > 0);
    assert.ok(Number.isFinite(parts.contrastive) && parts.contrastive! > 0);
    const textOnly = tf.tidy(() => Object.keys(to.lossParts(makeBatch(to, data), true, 0)));
    assert.deepEqual(textOnly, ['crf']);
    const names = [...mm.namedVariables().keys()];
    assert.equal(new Set(names).size, names.length);
    for (const name of [
      'crf.transitions',
      'emission.kernel',
      'text.word.embedding',
      'image.cnn.conv1.kernel',
    ]) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
    assert.ok(!to.namedVariables().has('image.cnn.conv1.kernel'));
  } finally {
    mm.dispose();
    to.dispose();
  }
});

test('predict gives valid IOB2 of each sentence length; inspect returns attention, gate and embeddings', async () => {
  const data = sentences(3);
  const mm = model('none', data);
  try {
    const out = await mm.predict(makeBatch(mm, data, images(3), false), true);
    assert.deepEqual(
      out.paths.map((p) => p.length),
      data.map((s) => s.tokens.length),
    );
    // Valid IOB2 whatever the CRF's own scheme (a BIOES path is read back as IOB2).
    for (const path of out.paths) assert.deepEqual(checkScheme(path, 'IOB2'), [], path.join(' '));
    const [attention] = out.attention!;
    assert.deepEqual(attention!.shape.slice(0, 1), [3]);
    assert.equal(attention!.shape[2], 6); // T = the longest sentence
    assert.deepEqual(out.gate![0]!.shape, [3, 6]);
    assert.equal(out.sentenceEmbeddings!.length, 3 * out.projectionDim!);
  } finally {
    mm.dispose();
  }
});

test('tensor count is flat over 20 training steps (no leaks)', () => {
  const data = sentences(8);
  const mm = model('none', data);
  const optimizer = tf.train.adam(1e-2);
  try {
    const batch = makeBatch(mm, data, images(8));
    const step = (i: number) =>
      tf.tidy(() => {
        const vars = [...mm.namedVariables().values()];
        const { grads } = tf.variableGrads(
          () => tf.addN(Object.values(mm.lossParts(batch, true, i))) as tf.Scalar,
          vars,
        );
        optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      });
    step(0);
    const before = tf.memory().numTensors;
    for (let i = 1; i <= 20; i++) step(i);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    optimizer.dispose();
    mm.dispose();
  }
});

/** Trains `mm` on `data` (text only) for 60 full-batch Adam steps; the F1 of its predictions there. */
async function overfitF1(
  mm: ReturnType<typeof model>,
  data: Sentence[],
): Promise<{ f1: number; paths: string[][] }> {
  const optimizer = tf.train.adam(2e-2);
  try {
    const batch = makeBatch(mm, data);
    const vars = [...mm.namedVariables().values()];
    for (let i = 0; i < 60; i++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () => tf.addN(Object.values(mm.lossParts(batch, true, i))) as tf.Scalar,
          vars,
        );
        optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      });
    }
    const { paths } = await mm.predict(makeBatch(mm, data, undefined, false));
    const f1 = scoreSentences(
      data.map((s) => s.tags),
      paths,
    ).overall.f1;
    return { f1, paths };
  } finally {
    optimizer.dispose();
  }
}

test('a tiny model overfits 32 sentences to F1 100', async () => {
  const data = sentences(32);
  const mm = model('text-only', data);
  try {
    assert.equal((await overfitF1(mm, data)).f1, 100);
  } finally {
    mm.dispose();
  }
});

/** `sentences(n)` with a three-token ORG in every third one, so BIOES has B-, I-, E- and S- to learn. */
function longEntitySentences(n: number): Sentence[] {
  return sentences(n).map((s, i) =>
    i % 3
      ? s
      : {
          ...s,
          tokens: ['the', 'New', 'York', 'Times', ...s.tokens],
          tags: ['O', 'B-ORG', 'I-ORG', 'I-ORG', ...s.tags],
        },
  );
}

test('tagScheme BIOES: gold IOB2 becomes BIOES ids, predictions come back as IOB2, and it overfits to F1 100', async () => {
  const data = longEntitySentences(32);
  const config = presetConfig('tiny', TYPES, { seed: 3, ablation: 'text-only' }).model;
  config.text = { kind: 'tiny', options: SMALL_TEXT };
  const bioes = buildModel({ ...config, tagScheme: 'BIOES' }, { vocab: TextVocab.build(data) });
  try {
    assert.equal(bioes.tags.length, 1 + 4 * TYPES.length);
    const ids = bioes.tagIds([['B-ORG', 'I-ORG', 'I-ORG', 'O', 'B-PER']], 6);
    assert.deepEqual(
      [...ids].map((i) => bioes.tags[i]),
      ['B-ORG', 'I-ORG', 'E-ORG', 'O', 'S-PER', 'O'],
    );
    assert.throws(
      () => bioes.tagIds([['O', 'S-PER']], 2),
      (e: unknown) => isMmnerError(e) && e.code === 'E_DATA_BAD_TAG' && /'S-PER'/.test(e.message),
    );
    const { f1, paths } = await overfitF1(bioes, data);
    assert.equal(f1, 100);
    assert.ok(
      paths.flat().every((t) => /^(O|[BI]-)/.test(t)),
      'predictions are IOB2',
    );
  } finally {
    bioes.dispose();
  }
  assert.throws(
    () => buildModel({ ...config, tagScheme: 'BILOU' as never }, { vocab: TextVocab.build(data) }),
    (e: unknown) => isMmnerError(e) && e.code === 'E_CONFIG' && /BILOU/.test(e.message),
  );
});

test('the text encoder LM side objective is a loss part of its own in training, absent at inference', async () => {
  const data = sentences(8);
  const config = presetConfig('tiny', TYPES, { seed: 3, ablation: 'text-only' }).model;
  config.text = { kind: 'tiny', options: { ...SMALL_TEXT, lmWeight: 0.1 } };
  const mm = buildModel(config, { vocab: TextVocab.build(data) });
  try {
    const parts = tf.tidy(() =>
      Object.fromEntries(
        Object.entries(mm.lossParts(makeBatch(mm, data), true, 0)).map(([k, v]) => [k, v.dataSync()[0]!]),
      ),
    );
    assert.deepEqual(Object.keys(parts), ['crf', 'lm']);
    assert.ok(parts.lm! > 0);
    assert.deepEqual(Object.keys(tf.tidy(() => mm.lossParts(makeBatch(mm, data), false, 0))), ['crf']);
    const out = await mm.predict(makeBatch(mm, data, undefined, false));
    assert.equal(out.paths.length, 8);
  } finally {
    mm.dispose();
  }
});
