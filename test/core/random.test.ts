import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/random.js';

const draw = (rng: Rng, k = 8) => Array.from({ length: k }, () => rng.uint32());

test('the same seed gives the same stream; another seed another one', () => {
  assert.deepEqual(draw(new Rng(7)), draw(new Rng(7)));
  assert.notDeepEqual(draw(new Rng(7)), draw(new Rng(8)));
  assert.deepEqual(draw(new Rng('7')), draw(new Rng(7)), 'a number seed is its decimal text');
});

test('derived streams depend on their name, not on what the parent drew before', () => {
  const a = new Rng(1);
  const b = new Rng(1);
  draw(b, 100);
  assert.deepEqual(draw(a.derive('images', 3)), draw(b.derive('images', 3)));
  assert.notDeepEqual(draw(a.derive('images', 3)), draw(a.derive('images', 4)));
});

test('known values stay fixed (a change here changes every sample dataset: bump its version)', () => {
  assert.deepEqual(draw(new Rng('mmner'), 3), [1756375219, 485945796, 1692510611]);
});

test('int, range and pick stay in bounds and cover them evenly', () => {
  const rng = new Rng(3);
  const counts = new Array<number>(5).fill(0);
  for (let i = 0; i < 10_000; i++) counts[rng.int(5)]!++;
  for (const c of counts) assert.ok(c > 1800 && c < 2200, `uneven: ${counts}`);
  for (let i = 0; i < 1000; i++) {
    const x = rng.range(-2, 3);
    assert.ok(x >= -2 && x < 3);
  }
  assert.throws(() => rng.pick([]), /empty/);
});

test('shuffle returns a permutation and leaves its input alone', () => {
  const input = Array.from({ length: 50 }, (_, i) => i);
  const out = new Rng(4).shuffle(input);
  assert.notDeepEqual(out, input);
  assert.deepEqual(
    [...out].sort((a, b) => a - b),
    input,
  );
  assert.equal(input[0], 0);
});

test('weighted follows its weights and never picks a zero weight', () => {
  const rng = new Rng(5);
  const counts = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < 4000; i++) counts[rng.weighted(['a', 'b', 'c'] as const, [3, 1, 0])]++;
  assert.equal(counts.c, 0);
  assert.ok(counts.a / counts.b > 2.5 && counts.a / counts.b < 3.5, JSON.stringify(counts));
});
