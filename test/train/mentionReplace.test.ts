import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/random.js';
import { tagsToSpans } from '../../src/core/schemes/index.js';
import type { Sentence } from '../../src/core/types.js';
import { MentionPool, mentionReplacer, replaceMentions } from '../../src/train/mentionReplace.js';

const s = (id: string, text: string, tags: string): Sentence => ({
  id,
  lang: 'en',
  tokens: text.split(' '),
  tags: tags.split(' '),
  image: `img-${id}`,
});

const train = [
  s('a', 'John Smith visited New York today', 'B-PER I-PER O B-LOC I-LOC O'),
  s('b', 'Paris loves Apple', 'B-LOC O B-ORG'),
  s('c', 'no names here', 'O O O'),
  s('d', 'Paris and Berlin and Paris', 'B-LOC O B-LOC O B-LOC'),
  s('e', 'Anna met John', 'B-PER O B-PER'),
];

/** The tokens outside entities, in order: what replacement must keep. */
const context = (x: Sentence) => x.tokens.filter((_, i) => x.tags[i] === 'O');

test('the pool holds every occurrence by type', () => {
  const pool = new MentionPool(train);
  assert.equal(pool.count('LOC'), 5); // New York, Paris ×3, Berlin
  assert.equal(pool.count('PER'), 3);
  assert.equal(pool.count('ORG'), 1);
  assert.equal(pool.count('MISC'), 0);
  assert.equal(pool.draw('MISC', new Rng(1)), undefined);
});

test('p = 1 swaps every mention for one of its type and keeps the context, language and image', () => {
  const pool = new MentionPool(train);
  const rng = new Rng('swap');
  let lengthChanged = false;
  for (let k = 0; k < 200; k++) {
    const x = replaceMentions(train[0]!, pool, 1, rng);
    assert.equal(x.tokens.length, x.tags.length);
    assert.deepEqual(context(x), context(train[0]!));
    assert.deepEqual(
      tagsToSpans(x.tags).map((m) => m.type),
      ['PER', 'LOC'],
    );
    for (const m of tagsToSpans(x.tags)) {
      const name = x.tokens.slice(m.start, m.end).join(' ');
      const known = m.type === 'PER' ? ['John Smith', 'Anna', 'John'] : ['New York', 'Paris', 'Berlin'];
      assert.ok(known.includes(name), `${m.type} ${name}`);
    }
    assert.equal(x.lang, 'en');
    assert.equal(x.image, 'img-a');
    assert.equal(x.id, 'a');
    if (x.tokens.length !== train[0]!.tokens.length) lengthChanged = true;
  }
  assert.ok(lengthChanged, 'one-word names replaced two-word ones at least once');
});

test('draws follow the occurrences: Paris is 3 of the 5 locations', () => {
  const pool = new MentionPool(train);
  const rng = new Rng(7);
  let paris = 0;
  const n = 5000;
  for (let i = 0; i < n; i++) if (pool.draw('LOC', rng)!.join(' ') === 'Paris') paris++;
  assert.ok(Math.abs(paris / n - 0.6) < 0.03, `Paris share ${paris / n}`);
});

test('p between 0 and 1 replaces about that share of the mentions', () => {
  const pool = new MentionPool(train);
  const rng = new Rng(3);
  const original = train[3]!; // three LOC mentions, two of them Paris
  let changed = 0;
  const n = 3000;
  for (let i = 0; i < n; i++) {
    const x = replaceMentions(original, pool, 0.3, rng);
    // A replacement can draw the same name: count only what visibly changed, against the
    // expected 0.3 × P(draw differs) per mention.
    const names = tagsToSpans(x.tags).map((m) => x.tokens.slice(m.start, m.end).join(' '));
    changed += names.filter((name, j) => name !== ['Paris', 'Berlin', 'Paris'][j]).length;
  }
  const differs = (2 * (1 - 3 / 5) + (1 - 1 / 5)) / 3; // P(another name) averaged over the 3 mentions
  const expected = 0.3 * differs;
  assert.ok(Math.abs(changed / (3 * n) - expected) < 0.02, `${changed / (3 * n)} vs ${expected}`);
});

test('a sentence without mentions, or p = 0, is returned as it is', () => {
  const pool = new MentionPool(train);
  assert.equal(replaceMentions(train[2]!, pool, 1, new Rng(1)), train[2]);
  assert.equal(replaceMentions(train[0]!, pool, 0, new Rng(1)), train[0]);
  const off = mentionReplacer(train, 0, 1);
  const batch = off([0, 1, 3]);
  assert.equal(batch[0], train[0]);
  assert.equal(batch[2], train[3]);
});

test('the same seed and indices give the same batch (a resumed run repeats it); other seeds differ', () => {
  const a = mentionReplacer(train, 0.5, 1);
  const b = mentionReplacer(train, 0.5, 1);
  const c = mentionReplacer(train, 0.5, 2);
  const idx = [0, 1, 3, 4];
  assert.deepEqual(a(idx), b(idx));
  assert.deepEqual(a(idx), a(idx));
  let differ = false;
  for (let k = 0; k < 20 && !differ; k++) {
    const more = [0, 1, 3, 4, k % 5];
    differ = JSON.stringify(a(more)) !== JSON.stringify(c(more));
  }
  assert.ok(differ, 'seed 2 draws other names');
  // The originals are never modified.
  assert.deepEqual(train[0]!.tokens, ['John', 'Smith', 'visited', 'New', 'York', 'today']);
});

test('a probability outside [0, 1] is a config error that says what to set', () => {
  for (const p of [-0.1, 1.5, Number.NaN]) {
    assert.throws(
      () => mentionReplacer(train, p, 1),
      (e: Error & { code?: string; hint?: string }) =>
        e.code === 'E_CONFIG' && /train\.mentionReplace/.test(e.message) && /--set/.test(e.hint ?? ''),
    );
  }
});
