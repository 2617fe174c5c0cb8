import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sentence } from '../../src/core/types.js';
import { MostFrequentTagBaseline } from '../../src/model/baseline.js';

const s = (tokens: string, tags: string): Sentence => ({
  id: tokens,
  lang: 'en',
  tokens: tokens.split(' '),
  tags: tags.split(' '),
});

test('each word gets its most frequent training tag; unseen words get O', () => {
  const model = new MostFrequentTagBaseline([
    s('Jordan won', 'B-PER O'),
    s('Jordan won again', 'B-PER O O'),
    s('visit Jordan', 'O B-LOC'),
  ]);
  assert.deepEqual(model.predict(['Jordan', 'won', 'today']), ['B-PER', 'O', 'O']);
});

test('output is repaired to valid IOB2', () => {
  // 'York' is I-LOC twice and I-ORG once; 'Times' is I-ORG.
  const model = new MostFrequentTagBaseline([
    s('New York Times', 'B-ORG I-ORG I-ORG'),
    s('in New York', 'O B-LOC I-LOC'),
    s('to New York', 'O B-LOC I-LOC'),
  ]);
  assert.deepEqual(model.predict(['York', 'Times']), ['B-LOC', 'B-ORG']);
  assert.deepEqual(model.predict(['Times', 'Times']), ['B-ORG', 'I-ORG']);
});
