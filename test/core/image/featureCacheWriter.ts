/**
 * A child process for featureCache.node.test.ts: opens the cache in argv[2] and writes entries
 * from..to (exclusive) of a deterministic set, then flushes the index. Not a test file itself.
 *   node --import tsx test/core/image/featureCacheWriter.ts <root> <from> <to>
 */
import { FeatureCache, hashBytes } from '../../../src/core/image/featureCache.node.js';

export const KEY = { encoder: 'test-encoder', preprocessing: 'test-pre', shape: [4, 8] } as const;

/** Entry i: its content hash and its features (a pattern that depends on i). */
export function entry(i: number): { hash: string; features: Float32Array } {
  const features = Float32Array.from({ length: 32 }, (_, k) => i * 1000 + k + 0.25);
  return { hash: hashBytes(new TextEncoder().encode(`image ${i}`)), features };
}

if (process.argv[1]?.endsWith('featureCacheWriter.ts')) {
  const [root, from, to] = process.argv.slice(2);
  // MMNER_TEST_START_AT (epoch ms): start writing then, so two writers really overlap.
  const startAt = Number(process.env.MMNER_TEST_START_AT ?? 0);
  if (startAt > Date.now()) await new Promise((r) => setTimeout(r, startAt - Date.now()));
  const cache = await FeatureCache.open(root!, KEY);
  for (let i = Number(from); i < Number(to); i++) {
    const e = entry(i);
    await cache.put(e.hash, e.features, `image-${i}.jpg`);
    if (i % 10 === 9) await cache.flush();
  }
  await cache.flush();
}
