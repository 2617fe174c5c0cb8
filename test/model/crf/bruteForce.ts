/**
 * Brute-force references for the CRF tests: enumerate all numTags^length paths in float64 and
 * compute log Z, path scores, the best path and the marginals directly from the definitions.
 * Also random test cases. Not a test file itself (no `.test.ts`).
 */

import type { Rng } from '../../../src/core/random.js';
import type { CrfScoreValues } from '../../../src/model/crf/crf.js';
import { isAllowedPath, type TransitionRules } from '../../../src/model/crf/tags.js';

/** All tag paths of `length` over `k` tags (k^length of them). */
export function* allPaths(k: number, length: number): Generator<number[]> {
  const path = new Array<number>(length).fill(0);
  while (true) {
    yield [...path];
    let i = length - 1;
    while (i >= 0 && path[i] === k - 1) path[i--] = 0;
    if (i < 0) return;
    path[i]!++;
  }
}

/** One sentence's emissions: `em[t][j]`. */
export type Emissions = number[][];

/** Sentence `b` of a flat `[batch, seqLen, k]` array, cut to `length`. */
export function sentence(
  flat: Float32Array,
  b: number,
  seqLen: number,
  k: number,
  length: number,
): Emissions {
  return Array.from({ length }, (_, t) =>
    Array.from(flat.subarray((b * seqLen + t) * k, (b * seqLen + t + 1) * k)),
  );
}

export function score(em: Emissions, path: readonly number[], s: CrfScoreValues): number {
  const k = s.numTags;
  let total = s.start[path[0]!]! + s.end[path[path.length - 1]!]!;
  path.forEach((tag, t) => {
    total += em[t]![tag]!;
    if (t > 0) total += s.transitions[tag * k + path[t - 1]!]!;
  });
  return total;
}

export function logZ(em: Emissions, s: CrfScoreValues): number {
  const scores = [...allPaths(s.numTags, em.length)].map((p) => score(em, p, s));
  const max = Math.max(...scores);
  return max + Math.log(scores.reduce((a, x) => a + Math.exp(x - max), 0));
}

/** The best path (among those `rules` allow, when given) and its score. */
export function best(
  em: Emissions,
  s: CrfScoreValues,
  rules?: TransitionRules,
): { path: number[]; score: number } {
  let top = { path: [] as number[], score: -Infinity };
  for (const p of allPaths(s.numTags, em.length)) {
    if (rules && !isAllowedPath(p, rules)) continue;
    const x = score(em, p, s);
    if (x > top.score) top = { path: p, score: x };
  }
  return top;
}

/** Posterior marginals: `unary[t][j]` = P(tag t = j), `pair[to*k+from]` = E[#from→to transitions]. */
export function marginals(em: Emissions, s: CrfScoreValues): { unary: number[][]; pair: number[] } {
  const k = s.numTags;
  const z = logZ(em, s);
  const unary = em.map(() => new Array<number>(k).fill(0));
  const pair = new Array<number>(k * k).fill(0);
  for (const p of allPaths(k, em.length)) {
    const prob = Math.exp(score(em, p, s) - z);
    p.forEach((tag, t) => {
      unary[t]![tag]! += prob;
      if (t > 0) pair[tag * k + p[t - 1]!]! += prob;
    });
  }
  return { unary, pair };
}

/** A random path `rules` allows (IOB2-valid when the rules are IOB2's). */
export function randomAllowedPath(rng: Rng, length: number, rules: TransitionRules): number[] {
  const k = rules.numTags;
  while (true) {
    const p = Array.from({ length }, () => rng.int(k));
    if (isAllowedPath(p, rules)) return p;
  }
}

export interface RandomBatch {
  batch: number;
  seqLen: number;
  k: number;
  /** `[batch, seqLen, k]`; padded positions hold random values too (they must not matter). */
  emissions: Float32Array;
  lengths: number[];
  /** `[batch, seqLen]` gold tags; padded positions hold random tags. */
  tags: Int32Array;
}

export function randomBatch(
  rng: Rng,
  batch: number,
  seqLen: number,
  rules: TransitionRules,
  scale = 2,
): RandomBatch {
  const k = rules.numTags;
  const emissions = Float32Array.from({ length: batch * seqLen * k }, () => rng.range(-scale, scale));
  const lengths = Array.from({ length: batch }, (_, b) => (b === 0 ? seqLen : 1 + rng.int(seqLen)));
  const tags = new Int32Array(batch * seqLen);
  lengths.forEach((len, b) => {
    const gold = randomAllowedPath(rng, len, rules);
    for (let t = 0; t < seqLen; t++) tags[b * seqLen + t] = t < len ? gold[t]! : rng.int(k);
  });
  return { batch, seqLen, k, emissions, lengths, tags };
}

/** Random raw CRF weights of the given scale, for `crf.setWeights`. */
export function randomWeights(rng: Rng, k: number, scale = 1) {
  const r = (n: number) => Float32Array.from({ length: n }, () => rng.range(-scale, scale));
  return {
    transitions: { values: r(k * k), shape: [k, k] },
    start: { values: r(k), shape: [k] },
    end: { values: r(k), shape: [k] },
  };
}
