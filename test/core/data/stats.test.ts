import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeStats, formatStatsTable } from '../../../src/core/data/stats.js';
import type { Sentence } from '../../../src/core/types.js';

const s = (id: string, lang: string, tokens: string, tags: string, image?: string): Sentence => ({
  id,
  lang,
  tokens: tokens.split(' '),
  tags: tags.split(' '),
  ...(image ? { image } : {}),
});

const input = {
  name: 'toy',
  splits: {
    train: [
      s('a', 'en', 'Jordan is here', 'B-PER O O', 'a'),
      s('b', 'en', 'New York Times', 'B-ORG I-ORG I-ORG', 'b'),
      s('c', 'fr', 'à Paris et Lyon', 'O B-LOC O B-LOC', 'c'),
    ],
    test: [s('d', 'en', 'Wow', 'O', 'd'), s('e', 'en', 'a EVENT', 'O B-EVENT')],
  },
  subsets: { ambiguous: ['a', 'c', 'zz'], 'unrelated-image': ['d'] },
  foundImages: new Set(['a', 'c', 'd']),
};

test('counts per language and split, per split, and in all', () => {
  const stats = computeStats(input);
  assert.deepEqual(stats.types, ['PER', 'LOC', 'ORG', 'MISC', 'EVENT']);
  assert.deepEqual(
    stats.rows.map((r) => `${r.lang}/${r.split}`),
    ['en/train', 'fr/train', 'en/test', 'all/train', 'all/test', 'all/all'],
  );
  const [enTrain, frTrain, enTest, , , all] = stats.rows;
  assert.deepEqual(enTrain, {
    lang: 'en',
    split: 'train',
    sentences: 2,
    tokens: 6,
    entities: { PER: 1, LOC: 0, ORG: 1, MISC: 0, EVENT: 0 },
    subsets: { ambiguous: 1, 'unrelated-image': 0 },
    images: { found: 1, missing: 1 },
  });
  assert.equal(frTrain!.entities.LOC, 2);
  assert.deepEqual(enTest!.images, { found: 1, missing: 0 }, 'a sentence without image is neither');
  assert.equal(all!.sentences, 5);
  assert.equal(all!.tokens, 13);
  assert.deepEqual(all!.subsets, { ambiguous: 2, 'unrelated-image': 1 });
  assert.equal(all!.entities.EVENT, 1);
});

test('the table has a header, aligned columns and a rule before the totals', () => {
  const lines = formatStatsTable(computeStats(input)).trimEnd().split('\n');
  assert.match(
    lines[0]!,
    /^lang {2}split {2}sentences {2}tokens {2}PER {2}LOC {2}ORG {2}MISC {2}EVENT {2}ambiguous {2}unrelated-image {2}images {2}missing$/,
  );
  assert.match(lines[4]!, /^-+ {2}-+/);
  assert.match(lines.at(-1)!, /^all {3}all {4}\s+5\s+13\s+1\s+2\s+1\s+0\s+1\s+2\s+1\s+3\s+1$/);
  const width = lines[0]!.length;
  for (const l of lines.slice(1)) assert.ok(l.length <= width, l);
});
