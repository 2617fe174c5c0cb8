/**
 * Image helped / hurt: a multimodal and a text-only report on the same sentences, compared
 * sentence by sentence; reports on different sentences are refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MmnerError } from '../../src/core/errors.js';
import { scoreSentences } from '../../src/core/metrics/index.js';
import type { EvalReport, EvalSentence } from '../../src/core/run/evalFile.js';
import { imageEffectCounts, imageEffects, joinReports } from '../../src/eval/compare.js';

function sentence(id: string, lang: string, gold: string, pred: string): EvalSentence {
  const g = gold.split(' ');
  return { id, lang, tokens: g.map((_, i) => `w${i}`), gold: g, pred: pred.split(' ') };
}

function reportOf(sentences: EvalSentence[], split = 'test'): EvalReport {
  const none = scoreSentences([], []);
  return {
    version: 1,
    split,
    metrics: {
      conlleval: { overall: none, byLanguage: {} },
      strict: { overall: none, byLanguage: {} },
      subsets: {},
    },
    sentences,
  };
}

const GOLD = 'B-PER O B-LOC';
/** [id, lang, text-only prediction, multimodal prediction] over the gold above. */
const ROWS: [string, string, string, string][] = [
  ['same', 'en', 'B-PER O O', 'B-PER O O'], // 1 correct, 1 missed in both
  ['helped', 'en', 'B-ORG O O', 'B-PER O O'], // correct 0 → 1
  ['hurt', 'fr', 'B-PER O B-LOC', 'B-PER O B-ORG'], // correct 2 → 1
  ['fewer-errors', 'fr', 'O B-ORG O', 'O O O'], // correct 0 both; errors 3 → 2
  ['differs-but-ties', 'de', 'B-ORG O O', 'B-MISC O O'], // 0 correct, 2 errors in both
];

function pair(rows = ROWS): { multi: EvalReport; text: EvalReport } {
  return {
    multi: reportOf(rows.map(([id, lang, , m]) => sentence(id, lang, GOLD, m))),
    text: reportOf(rows.map(([id, lang, t]) => sentence(id, lang, GOLD, t))),
  };
}

test('imageEffects: helped and hurt by correct entities first, then by errors; ties left out', () => {
  const { multi, text } = pair();
  assert.deepEqual(imageEffects(multi, text), [
    {
      sentenceId: 'helped',
      lang: 'en',
      correctText: 0,
      correctMulti: 1,
      errorsText: 2,
      errorsMulti: 1,
      effect: 'helped',
    },
    {
      sentenceId: 'hurt',
      lang: 'fr',
      correctText: 2,
      correctMulti: 1,
      errorsText: 0,
      errorsMulti: 1,
      effect: 'hurt',
    },
    {
      sentenceId: 'fewer-errors',
      lang: 'fr',
      correctText: 0,
      correctMulti: 0,
      errorsText: 3,
      errorsMulti: 2,
      effect: 'helped',
    },
  ]);
});

test('imageEffects joins by id, whatever the order of the text-only report', () => {
  const { multi, text } = pair();
  const shuffled = { ...text, sentences: [...text.sentences].reverse() };
  assert.deepEqual(imageEffects(multi, shuffled), imageEffects(multi, text));
  // Swapping the runs swaps helped and hurt.
  const swapped = imageEffects(text, multi).map((e) => [e.sentenceId, e.effect]);
  assert.deepEqual(swapped, [
    ['helped', 'hurt'],
    ['hurt', 'helped'],
    ['fewer-errors', 'hurt'],
  ]);
});

test('imageEffectCounts: per language in order of appearance, then all', () => {
  const { multi, text } = pair();
  assert.deepEqual(imageEffectCounts(imageEffects(multi, text), ['es']), {
    es: { helped: 0, hurt: 0 },
    en: { helped: 1, hurt: 0 },
    fr: { helped: 1, hurt: 1 },
    all: { helped: 2, hurt: 1 },
  });
  assert.deepEqual(imageEffectCounts([]), { all: { helped: 0, hurt: 0 } });
});

test('reports on different sentences are an E_COMPARE_SENTENCES error', () => {
  const { multi, text } = pair();
  const fails = (a: EvalReport, b: EvalReport, message: RegExp) =>
    assert.throws(
      () => imageEffects(a, b),
      (e: unknown) => e instanceof MmnerError && e.code === 'E_COMPARE_SENTENCES' && message.test(e.message),
    );
  fails(
    multi,
    { ...text, sentences: text.sentences.slice(1) },
    /sentence same is in the multimodal report but not/,
  );
  fails(
    { ...multi, sentences: multi.sentences.slice(1) },
    text,
    /sentence same is in the text-only report but not/,
  );
  fails(multi, { ...text, split: 'dev' }, /'test'.*'dev'/);
  const otherGold = text.sentences.map((s) => (s.id === 'hurt' ? { ...s, gold: ['O', 'O', 'O'] } : s));
  fails(multi, { ...text, sentences: otherGold }, /sentence hurt has other tokens or gold tags/);
  fails(multi, { ...text, sentences: [...text.sentences, text.sentences[0]!] }, /lists sentence same twice/);
});

test('joinReports pairs sentences in the first report order', () => {
  const { multi, text } = pair();
  const joined = joinReports(multi, { ...text, sentences: [...text.sentences].reverse() });
  assert.deepEqual(
    joined.map(([a, b]) => [a.id, b.id, b.pred.join(' ')]),
    ROWS.map(([id, , t]) => [id, id, t]),
  );
});
