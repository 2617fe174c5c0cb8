import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMmnerError } from '../../../src/core/errors.js';
import {
  ConllevalCounter,
  feedConllevalText,
  formatConllevalReport,
  scoreByLanguage,
  scoreSentences,
} from '../../../src/core/metrics/index.js';

const GOLD = [
  ['B-PER', 'I-PER', 'O', 'B-LOC'],
  ['O', 'B-ORG', 'I-ORG'],
];
const PRED = [
  ['B-PER', 'I-PER', 'O', 'B-ORG'],
  ['O', 'B-ORG', 'O'],
];

test('scoreSentences: counts, percentages, per type and macro', () => {
  const r = scoreSentences(GOLD, PRED);
  assert.equal(r.mode, 'conlleval');
  assert.equal(r.scheme, undefined);
  assert.deepEqual(r.counts, { tokens: 7, correctTags: 5, foundGold: 3, foundPred: 3, correct: 1 });
  assert.equal(r.accuracy, (100 * 5) / 7);
  assert.deepEqual(r.overall, { precision: 100 / 3, recall: 100 / 3, f1: 100 / 3 });
  assert.deepEqual(
    r.types.map((t) => [t.type, t.foundGold, t.foundPred, t.correct]),
    [
      ['LOC', 1, 0, 0],
      ['ORG', 1, 2, 0],
      ['PER', 1, 1, 1],
    ],
  );
  // Macro: mean of per-type rates (LOC 0/0/0, ORG 0/0/0, PER 100/100/100).
  assert.deepEqual(r.macro, { precision: 100 / 3, recall: 100 / 3, f1: 100 / 3 });
});

test('scoreSentences equals conlleval on the same rows written as a file', () => {
  const text = GOLD.map((g, s) => g.map((tag, i) => `w ${tag} ${PRED[s]![i]}\n`).join('')).join('\n');
  const counter = new ConllevalCounter();
  feedConllevalText(text, counter);
  assert.deepEqual(scoreSentences(GOLD, PRED), counter.result());
  assert.equal(
    formatConllevalReport(scoreSentences(GOLD, PRED)),
    'processed 7 tokens with 3 phrases; found: 3 phrases; correct: 1.\n' +
      'accuracy:  71.43%; precision:  33.33%; recall:  33.33%; FB1:  33.33\n' +
      '              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n' +
      '              ORG: precision:   0.00%; recall:   0.00%; FB1:   0.00  2\n' +
      '              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n',
  );
});

test('strict reports say so in a first line; nothing else changes in the layout', () => {
  const text = formatConllevalReport(scoreSentences(GOLD, PRED, { mode: 'strict' }));
  const lines = text.split('\n');
  assert.match(lines[0]!, /^strict IOB2: /);
  assert.match(lines[1]!, /^processed 7 tokens with 3 phrases;/);
  assert.match(
    formatConllevalReport(scoreSentences([['S-A']], [['S-A']], { mode: 'strict', scheme: 'BIOES' })),
    /^strict BIOES: /,
  );
});

test('length mismatches are errors that name the sentence', () => {
  assert.throws(
    () => scoreSentences([['O', 'O']], [['O']]),
    (e) =>
      isMmnerError(e) &&
      e.code === 'E_SCORE_LENGTH' &&
      /sentence 0: 2 gold tags but 1 predicted/.test(e.message),
  );
  assert.throws(() => scoreSentences([['O']], []), /1 gold sentences but 0 predicted/);
});

test('no tokens and no entities: zeros, not NaN', () => {
  const r = scoreSentences([], []);
  assert.deepEqual(r.counts, { tokens: 0, correctTags: 0, foundGold: 0, foundPred: 0, correct: 0 });
  assert.deepEqual([r.accuracy, r.overall.f1, r.macro.f1], [0, 0, 0]);
  assert.equal(
    formatConllevalReport(r),
    'processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n',
  );
});

test('scoreByLanguage: per language, overall equal to scoring everything at once, macro over languages', () => {
  const gold = [
    { lang: 'en', tags: GOLD[0]! },
    { lang: 'de', tags: GOLD[1]! },
    { lang: 'en', tags: ['B-MISC'] },
  ];
  const pred = [PRED[0]!, { tags: PRED[1]! }, ['B-MISC']];
  const r = scoreByLanguage(gold, pred);
  assert.deepEqual(Object.keys(r.byLanguage), ['en', 'de']);
  assert.deepEqual(r.byLanguage.en, scoreSentences([GOLD[0]!, ['B-MISC']], [PRED[0]!, ['B-MISC']]));
  assert.deepEqual(r.byLanguage.de, scoreSentences([GOLD[1]!], [PRED[1]!]));
  assert.deepEqual(r.overall, scoreSentences([...GOLD, ['B-MISC']], [...PRED, ['B-MISC']]));
  assert.equal(r.languageMacro.f1, (r.byLanguage.en!.overall.f1 + r.byLanguage.de!.overall.f1) / 2);
  const strict = scoreByLanguage(gold, pred, { mode: 'strict' });
  assert.equal(strict.byLanguage.en!.mode, 'strict');
  assert.throws(
    () => scoreByLanguage([{ lang: 'fr', tags: ['O'] }], [[]]),
    /sentence 0 \(fr\): 1 gold tags but 0/,
  );
});

test('a language called __proto__ is just a key', () => {
  const r = scoreByLanguage([{ lang: '__proto__', tags: ['B-X'] }], [['B-X']]);
  assert.ok(Object.hasOwn(r.byLanguage, '__proto__'));
  assert.equal(Object.getOwnPropertyDescriptor(r.byLanguage, '__proto__')?.value.counts.correct, 1);
});
