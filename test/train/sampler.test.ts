import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMmnerError } from '../../src/core/errors.js';
import { BatchSampler } from '../../src/train/sampler.js';

/** 12 en, 12 fr, 12 de, 12 es, interleaved in blocks as files would give them. */
const balanced = ['en', 'fr', 'de', 'es'].flatMap((l) => Array<string>(12).fill(l));
const skewed = [
  ...Array<string>(30).fill('en'),
  ...Array<string>(6).fill('fr'),
  ...Array<string>(4).fill('de'),
];

const counts = (langs: readonly string[], idx: number[]) => {
  const c: Record<string, number> = {};
  for (const i of idx) c[langs[i]!] = (c[langs[i]!] ?? 0) + 1;
  return c;
};

test('balanced data: every batch holds each language equally; each epoch covers every example once', () => {
  const s = new BatchSampler(balanced, { batchSize: 8, seed: 7 });
  assert.equal(s.batchesPerEpoch, 6);
  for (let e = 0; e < 2; e++) {
    const seen: number[] = [];
    for (let b = 0; b < 6; b++) {
      const batch = s.next();
      assert.equal(batch.epoch, e);
      assert.equal(batch.epochEnd, b === 5);
      assert.deepEqual(counts(balanced, batch.indices), { en: 2, fr: 2, de: 2, es: 2 });
      seen.push(...batch.indices);
    }
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      balanced.map((_, i) => i),
    );
  }
  assert.notDeepEqual(s.epochBatches(0), s.epochBatches(1), 'epochs are reshuffled');
});

test('skewed data: small languages are spread as evenly as they allow', () => {
  const s = new BatchSampler(skewed, { batchSize: 5, seed: 'x' });
  const batches = s.epochBatches(0);
  assert.equal(batches.length, 8);
  // Round-robin over de, en, fr: fr (6) and de (4) spread over several batches, never piled up.
  const withLang = (l: string) => batches.filter((b) => (counts(skewed, b)[l] ?? 0) > 0).length;
  assert.ok(withLang('fr') >= 3 && withLang('de') >= 2, `fr in ${withLang('fr')}, de in ${withLang('de')}`);
  for (const b of batches) assert.ok((counts(skewed, b).de ?? 0) <= 2 && (counts(skewed, b).fr ?? 0) <= 2);
});

test('same seed → same order; another seed → another; dropLast', () => {
  const a = new BatchSampler(skewed, { batchSize: 6, seed: 1 });
  const b = new BatchSampler([...skewed], { batchSize: 6, seed: 1 });
  const c = new BatchSampler(skewed, { batchSize: 6, seed: 2 });
  assert.deepEqual(a.epochBatches(3), b.epochBatches(3));
  assert.notDeepEqual(a.epochBatches(0), c.epochBatches(0));
  assert.equal(a.batchesPerEpoch, 7);
  assert.deepEqual(
    a
      .epochBatches(0)
      .map((x) => x.length)
      .sort(),
    [4, 6, 6, 6, 6, 6, 6],
  );
  const d = new BatchSampler(skewed, { batchSize: 6, seed: 1, dropLast: true });
  assert.equal(d.batchesPerEpoch, 6);
  assert.ok(d.epochBatches(0).every((x) => x.length === 6));
});

test('resume mid-epoch from the saved state yields exactly the remaining batches', () => {
  const full = new BatchSampler(skewed, { batchSize: 6, seed: 'r' });
  const reference = Array.from({ length: 20 }, () => full.next().indices);
  const first = new BatchSampler(skewed, { batchSize: 6, seed: 'r' });
  for (let i = 0; i < 9; i++) first.next();
  const state = JSON.parse(JSON.stringify(first.state()));
  assert.deepEqual(state, { seed: 'r', epoch: 1, position: 2 });
  const resumed = new BatchSampler(skewed, { batchSize: 6, seed: 'r' });
  resumed.restore(state);
  assert.deepEqual(
    Array.from({ length: 11 }, () => resumed.next().indices),
    reference.slice(9),
  );
});

test('a state from another seed or data size is refused', () => {
  const s = new BatchSampler(skewed, { batchSize: 6, seed: 'r' });
  const code = (e: unknown) => isMmnerError(e) && e.code === 'E_CHECKPOINT_SAMPLER';
  assert.throws(() => s.restore({ seed: 'q', epoch: 0, position: 0 }), code);
  assert.throws(() => s.restore({ seed: 'r', epoch: 0, position: 7 }), code);
  assert.throws(() => new BatchSampler([], { batchSize: 2, seed: 1 }), /no examples/);
});
