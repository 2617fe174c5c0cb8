import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findOverlap } from '../../../src/core/data/overlap.js';
import { readDataFile } from '../../../src/core/data/readFile.node.js';
import type { Sentence } from '../../../src/core/types.js';
import { NO_SHARED_DATA, shared } from './helpers.js';

const s = (id: string, tokens: string, tags: string, image?: string): Sentence => ({
  id,
  lang: 'en',
  tokens: tokens.split(' '),
  tags: tags.split(' '),
  ...(image ? { image } : {}),
  source: { file: id[0]!, line: Number(id.slice(1)) },
});

test('counts shared sentences by tokens, tokens and tags, and image id', () => {
  const a = [
    s('a1', 'Jordan plays', 'B-PER O', 'i1'),
    s('a2', 'Jordan plays', 'B-PER O', 'i2'),
    s('a3', 'Orange rises', 'B-ORG O', 'i3'),
    s('a4', 'new text', 'O O', 'i9'),
  ];
  const b = [
    s('b1', 'Jordan plays', 'B-PER O', 'x'),
    s('b2', 'Orange rises', 'B-MISC O', 'y'),
    s('b3', 'other', 'O', 'i9'),
    s('b4', 'no image', 'O O'),
  ];
  const r = findOverlap(a, b, 5);
  const by = Object.fromEntries(r.kinds.map((k) => [k.kind, [k.inA, k.inB, k.distinct]]));
  assert.deepEqual(by, { tokens: [3, 2, 2], 'tokens+tags': [2, 1, 1], image: [1, 1, 1] });
  const tokens = r.kinds.find((k) => k.kind === 'tokens')!;
  // The pair whose tags differ is shown first: it is what the stricter kind misses.
  assert.deepEqual(tokens.examples[0], {
    a: { id: 'a3', file: 'a', line: 3 },
    b: { id: 'b2', file: 'b', line: 2 },
  });
  assert.equal(findOverlap(a, b, 0).kinds[0]!.examples.length, 0);
});

test('MMNERD-en test shares tweets with Twitter-2017 train (measured)', {
  skip: NO_SHARED_DATA,
}, async () => {
  const a = (await readDataFile(shared('mmnerd-en/test.txt'))).sentences;
  const b = (await readDataFile(shared('twitter2017/train.txt'))).sentences;
  const t0 = performance.now();
  const r = findOverlap(a, b);
  assert.ok(performance.now() - t0 < 1000);
  const by = Object.fromEntries(r.kinds.map((k) => [k.kind, [k.inA, k.inB]]));
  assert.deepEqual(by, { tokens: [210, 210], 'tokens+tags': [209, 209], image: [211, 211] });
});
