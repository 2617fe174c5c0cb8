// The browser-safe half: option checks, normalisation arithmetic, channel expansion, the LRU cache.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MmnerError } from '../../../src/core/errors.js';
import {
  DEFAULT_PREPROCESS,
  ImageCache,
  meanColour,
  normalize,
  normalizeInto,
  resolvePreprocess,
  toRgb,
} from '../../../src/core/image/index.js';

test('defaults: 64×64, ImageNet statistics, cover', () => {
  const o = resolvePreprocess();
  assert.equal(o.size, 64);
  assert.deepEqual(o.mean, [0.485, 0.456, 0.406]);
  assert.deepEqual(o.std, [0.229, 0.224, 0.225]);
  assert.equal(o.resize, 'cover');
  assert.deepEqual(resolvePreprocess({ size: 32 }), { ...DEFAULT_PREPROCESS, size: 32 });
  assert.throws(() => resolvePreprocess({ kernel: 'box' as 'nearest' }), MmnerError);
  assert.throws(() => resolvePreprocess({ mean: [0, 0] as unknown as [number, number, number] }), /mean/);
});

test('normalize computes (v/255 − mean)/std per channel, in place at an offset', () => {
  const rgb = new Uint8Array([0, 128, 255, 255, 0, 51]);
  const mean = [0.5, 0.25, 0] as const;
  const std = [0.5, 0.25, 2] as const;
  const out = normalize(rgb, mean, std);
  const want = [-1, (128 / 255 - 0.25) / 0.25, 0.5, 1, -1, 0.1];
  for (const [i, v] of out.entries()) assert.ok(Math.abs(v - want[i]!) < 1e-6, `${i}: ${v} vs ${want[i]}`);
  const batch = new Float32Array(9).fill(7);
  normalizeInto(rgb, mean, std, batch, 3);
  assert.deepEqual([...batch.slice(0, 3)], [7, 7, 7]);
  assert.ok(Math.abs(batch[3]! + 1) < 1e-6);
  assert.throws(() => normalizeInto(rgb, mean, std, batch, 4), /too small/);
  assert.throws(() => normalize(new Uint8Array(4)), /not RGB/);
});

test('meanColour rounds the mean to 8 bits', () => {
  assert.deepEqual(meanColour([0.485, 0.456, 0.406]), { r: 124, g: 116, b: 104 });
  assert.deepEqual(meanColour([-1, 0.5, 2]), { r: 0, g: 128, b: 255 });
});

test('toRgb expands grey and composites alpha over the background', () => {
  assert.deepEqual([...toRgb(new Uint8Array([7, 9]), 1)], [7, 7, 7, 9, 9, 9]);
  assert.deepEqual([...toRgb(new Uint8Array([100, 0, 100, 255]), 2)], [255, 255, 255, 100, 100, 100]);
  assert.deepEqual([...toRgb(new Uint8Array([10, 20, 30, 0]), 4, { r: 1, g: 2, b: 3 })], [1, 2, 3]);
  const same = new Uint8Array([1, 2, 3]);
  assert.equal(toRgb(same, 3), same);
  assert.throws(() => toRgb(new Uint8Array(5), 2));
});

test('ImageCache evicts the least recently used entry past its byte budget', () => {
  const cache = new ImageCache({ maxBytes: 10 });
  cache.set('a', new Uint8Array(4));
  cache.set('b', new Uint8Array(4));
  assert.ok(cache.get('a')); // a is now the most recent
  cache.set('c', new Uint8Array(4)); // 12 > 10: b goes
  assert.equal(cache.has('b'), false);
  assert.ok(cache.has('a') && cache.has('c'));
  cache.set('a', new Uint8Array(2)); // replacing updates the byte count
  assert.equal(cache.stats().bytes, 6);
  cache.set('huge', new Uint8Array(11)); // larger than the budget: not stored, nothing evicted
  assert.equal(cache.has('huge'), false);
  assert.equal(cache.stats().entries, 2);
  assert.equal(cache.get('b'), undefined);
  const s = cache.stats();
  assert.equal(s.hits, 1);
  assert.equal(s.misses, 1);
  cache.clear();
  assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, maxBytes: 10, hits: 1, misses: 1 });
});
