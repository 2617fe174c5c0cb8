import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMmnerError } from '../../../src/core/errors.js';
import {
  ConllevalCounter,
  createCounter,
  feedConllevalText,
  feedTagTexts,
  type ScoreResult,
} from '../../../src/core/metrics/index.js';

const GOLD = 'IMGID:1\nRT\tO\nJimmy\tO\nFallon\tI-PER\n\nIMGID:2\nParis\tB-LOC\nrocks\tO\n';
// Predictions without IMGID lines, space-separated, two blank lines and a trailing one.
const PRED = 'RT O\nJimmy B-PER\nFallon I-PER\n\n\nParis B-LOC\nrocks O\n\n';

function score(gold: string, pred: string, mode: 'conlleval' | 'strict' = 'conlleval'): ScoreResult {
  const counter = createCounter({ mode });
  feedTagTexts({ file: 'gold.txt', text: gold }, { file: 'pred.txt', text: pred }, counter);
  return counter.result();
}

test('two tag files score as the pasted conlleval input would', () => {
  const pasted = 'RT O O\nJimmy O B-PER\nFallon I-PER I-PER\n\nParis B-LOC B-LOC\nrocks O O\n';
  const counter = new ConllevalCounter();
  feedConllevalText(pasted, counter);
  assert.deepEqual(score(GOLD, PRED), counter.result());
  assert.deepEqual(score(GOLD, PRED).counts, {
    tokens: 5,
    correctTags: 4,
    foundGold: 2,
    foundPred: 2,
    correct: 1,
  });
  // Strict IOB2: the gold's stray I-PER is no entity.
  assert.deepEqual(score(GOLD, PRED, 'strict').counts.foundGold, 1);
});

test('column layouts: a 3-column gold against a tags-only prediction', () => {
  const gold = '0\tLa\tB-LOC\n1\tCoruña\tI-LOC\n\n0\tHola\tO\n';
  const pred = 'B-LOC\nI-LOC\n\nB-PER\n';
  assert.deepEqual(score(gold, pred).counts, {
    tokens: 3,
    correctTags: 2,
    foundGold: 1,
    foundPred: 2,
    correct: 1,
  });
});

function throwsAlign(gold: string, pred: string, message: RegExp) {
  assert.throws(
    () => score(gold, pred),
    (e) => isMmnerError(e) && e.code === 'E_SCORE_ALIGN' && message.test(e.message),
  );
}

test('misalignment names both files and lines', () => {
  throwsAlign(GOLD, PRED.replace('Paris', 'Rome'), /token 'Paris' at gold\.txt:7 but 'Rome' at pred\.txt:6/);
  throwsAlign(
    GOLD,
    'RT O\nJimmy O\n\nFallon O\n',
    /gold\.txt:4 continues the sentence but pred\.txt:4 starts a new sentence/,
  );
  throwsAlign(
    GOLD,
    'RT O\nJimmy O\nFallon O\n',
    /gold\.txt:7 starts a new sentence but pred\.txt has ended \(3 lines\)/,
  );
  throwsAlign(
    GOLD,
    PRED.replace('rocks O\n', 'rocks O\nagain O\n'),
    /gold\.txt has ended \(8 lines\) but pred\.txt:8 continues/,
  );
  throwsAlign(
    GOLD,
    GOLD.replace('IMGID:2', 'IMGID:3'),
    /sentence IMGID:2 at gold\.txt:7 but IMGID:3 at pred\.txt:7/,
  );
});

test('a tag strict mode rejects is reported at its own file and line', () => {
  assert.throws(
    () => score(GOLD, PRED.replace('Paris B-LOC', 'Paris E-LOC'), 'strict'),
    (e) => isMmnerError(e) && e.code === 'E_SCORE_TAG' && e.file === 'pred.txt' && e.line === 6,
  );
});
