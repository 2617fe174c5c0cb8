import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertTags, spansToTags, tagsToSpans } from '../../../src/core/schemes/spans.js';
import { TAG_SCHEMES } from '../../../src/core/schemes/tags.js';
import type { Span } from '../../../src/core/types.js';

const t = (s: string) => s.split(' ');

test('tagsToSpans reads IOB2 as conlleval does, stray I- starting an entity', () => {
  assert.deepEqual(tagsToSpans(t('B-PER I-PER O B-LOC')), [
    { type: 'PER', start: 0, end: 2 },
    { type: 'LOC', start: 3, end: 4 },
  ]);
  // Twitter-2015's `Jimmy O / Fallon I-PER`: the I- after O is an entity of its own.
  assert.deepEqual(tagsToSpans(t('O I-PER I-PER O')), [{ type: 'PER', start: 1, end: 3 }]);
  // A type change inside an entity closes it and opens another.
  assert.deepEqual(tagsToSpans(t('B-LOC I-ORG')), [
    { type: 'LOC', start: 0, end: 1 },
    { type: 'ORG', start: 1, end: 2 },
  ]);
  assert.deepEqual(tagsToSpans(t('B-PER B-PER')), [
    { type: 'PER', start: 0, end: 1 },
    { type: 'PER', start: 1, end: 2 },
  ]);
  assert.deepEqual(tagsToSpans([]), []);
  assert.deepEqual(tagsToSpans(t('O bad-tag O')), [], 'malformed tags read as O');
});

test('tagsToSpans reads BIOES and IOB1', () => {
  assert.deepEqual(tagsToSpans(t('S-PER B-LOC I-LOC E-LOC O')), [
    { type: 'PER', start: 0, end: 1 },
    { type: 'LOC', start: 1, end: 4 },
  ]);
  assert.deepEqual(tagsToSpans(t('B-X E-X E-X')), [
    { type: 'X', start: 0, end: 2 },
    { type: 'X', start: 2, end: 3 },
  ]);
  assert.deepEqual(tagsToSpans(t('I-PER I-PER B-PER O I-LOC')), [
    { type: 'PER', start: 0, end: 2 },
    { type: 'PER', start: 2, end: 3 },
    { type: 'LOC', start: 4, end: 5 },
  ]);
});

test('spansToTags writes each scheme from its encoding table', () => {
  const spans: Span[] = [
    { type: 'PER', start: 0, end: 2 },
    { type: 'PER', start: 2, end: 3 },
    { type: 'LOC', start: 4, end: 7 },
  ];
  assert.deepEqual(spansToTags(spans, 8, 'IOB2'), t('B-PER I-PER B-PER O B-LOC I-LOC I-LOC O'));
  assert.deepEqual(spansToTags(spans, 8, 'IOB1'), t('I-PER I-PER B-PER O I-LOC I-LOC I-LOC O'));
  assert.deepEqual(spansToTags(spans, 8, 'BIOES'), t('B-PER E-PER S-PER O B-LOC I-LOC E-LOC O'));
  assert.throws(() => spansToTags([{ type: 'X', start: 1, end: 1 }], 3, 'IOB2'), RangeError);
  assert.throws(() => spansToTags([{ type: 'X', start: 0, end: 4 }], 3, 'IOB2'), RangeError);
});

/** Deterministic random spans, for round trips over many shapes. */
function randomSpans(seed: number, length: number): Span[] {
  let x = seed;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  const spans: Span[] = [];
  let i = 0;
  while (i < length) {
    if (rand() < 0.4) {
      const len = 1 + Math.floor(rand() * 3);
      const end = Math.min(length, i + len);
      spans.push({ type: ['PER', 'LOC'][Math.floor(rand() * 2)]!, start: i, end });
      i = end;
    } else i++;
  }
  return spans;
}

test('conversion round trips between every pair of schemes on valid sequences', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const spans = randomSpans(seed, 1 + (seed % 12));
    const length = 1 + (seed % 12);
    for (const from of TAG_SCHEMES) {
      const tags = spansToTags(spans, length, from);
      assert.deepEqual(tagsToSpans(tags), spans, `${from} ${tags.join(' ')}`);
      for (const to of TAG_SCHEMES) {
        const there = convertTags(tags, from, to);
        assert.deepEqual(there, spansToTags(spans, length, to));
        assert.deepEqual(convertTags(there, to, from), tags, `${from}→${to}→${from}: ${tags.join(' ')}`);
      }
    }
  }
});

test('converting IOB1 to IOB2 and IOB2 to BIOES', () => {
  assert.deepEqual(
    convertTags(t('I-PER I-PER B-PER O I-LOC'), 'IOB1', 'IOB2'),
    t('B-PER I-PER B-PER O B-LOC'),
  );
  assert.deepEqual(convertTags(t('B-PER I-PER O B-LOC'), 'IOB2', 'BIOES'), t('B-PER E-PER O S-LOC'));
  assert.deepEqual(convertTags(t('B-PER E-PER O S-LOC'), 'BIOES', 'IOB2'), t('B-PER I-PER O B-LOC'));
  // The same scheme is a copy, not a repair: Twitter-2015's stray I- stays as it is.
  const stray = t('O I-PER');
  const copy = convertTags(stray, 'IOB2', 'IOB2');
  assert.deepEqual(copy, stray);
  assert.notEqual(copy, stray);
  // Another scheme reads it as an entity start.
  assert.deepEqual(convertTags(stray, 'IOB2', 'BIOES'), t('O S-PER'));
});
