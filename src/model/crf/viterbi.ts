/**
 * Viterbi decoding: the best tag path of each sentence under the CRF. Runs in plain TypeScript
 * on arrays read back once (one `data()` per batch instead of two tiny kernels per position).
 * Forbidden transitions are skipped outright, so the result always obeys the CRF's rules.
 */
import type * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import { type Crf, type CrfScoreValues, DISALLOWED_SCORE } from './crf.js';
import type { TransitionRules } from './tags.js';

/** The best path of each sentence (tag indices, `length` long) and its score. */
export interface Decoded {
  paths: number[][];
  /** Score of each path: start + emissions + transitions + end. */
  scores: number[];
}

/**
 * Decodes a batch held as a flat row-major array.
 * @param emissions `[batch, seqLen, numTags]` flattened
 * @param lengths `[batch]`, each in `[1, seqLen]`
 * @param scores constrained CRF scores (`crf.scoreValues()`); entries at or below
 *   `DISALLOWED_SCORE` count as forbidden, as do those `rules` forbid when given
 */
export function viterbiDecode(
  emissions: Float32Array,
  shape: readonly [number, number, number],
  lengths: ArrayLike<number>,
  scores: CrfScoreValues,
  rules?: TransitionRules,
): Decoded {
  const [batch, seqLen, k] = shape;
  if (k !== scores.numTags || emissions.length !== batch * seqLen * k || lengths.length !== batch) {
    throw new MmnerError(
      'CRF_SHAPE',
      `Viterbi got ${emissions.length} emissions and ${lengths.length} lengths for shape [${shape.join(', ')}] and ${scores.numTags} tags`,
    );
  }
  const forbidden = (score: number, rule: number | undefined) => score <= DISALLOWED_SCORE || rule === 0;
  // Forbidden entries become −∞, so no path through one is ever chosen.
  const trans = Float64Array.from(scores.transitions, (s, i) =>
    forbidden(s, rules?.transitions[i]) ? -Infinity : s,
  );
  const start = Float64Array.from(scores.start, (s, i) => (forbidden(s, rules?.start[i]) ? -Infinity : s));
  const end = Float64Array.from(scores.end, (s, i) => (forbidden(s, rules?.end[i]) ? -Infinity : s));

  const paths: number[][] = [];
  const best: number[] = [];
  let delta = new Float64Array(k);
  let next = new Float64Array(k);
  const backpointers = new Int32Array(seqLen * k);
  for (let b = 0; b < batch; b++) {
    const len = lengths[b]!;
    if (!Number.isInteger(len) || len < 1 || len > seqLen) {
      throw new MmnerError('CRF_SHAPE', `sentence length ${len} is not in [1, ${seqLen}]`);
    }
    const base = b * seqLen * k;
    for (let j = 0; j < k; j++) delta[j] = start[j]! + emissions[base + j]!;
    for (let t = 1; t < len; t++) {
      for (let to = 0; to < k; to++) {
        let arg = 0;
        let max = -Infinity;
        for (let from = 0; from < k; from++) {
          const s = delta[from]! + trans[to * k + from]!;
          if (s > max) {
            max = s;
            arg = from;
          }
        }
        next[to] = max + emissions[base + t * k + to]!;
        backpointers[t * k + to] = arg;
      }
      [delta, next] = [next, delta];
    }
    let last = 0;
    let max = -Infinity;
    for (let j = 0; j < k; j++) {
      const s = delta[j]! + end[j]!;
      if (s > max) {
        max = s;
        last = j;
      }
    }
    const path = new Array<number>(len);
    path[len - 1] = last;
    for (let t = len - 1; t > 0; t--) path[t - 1] = backpointers[t * k + path[t]!]!;
    paths.push(path);
    best.push(max);
  }
  return { paths, scores: best };
}

/**
 * Decodes a batch of emission tensors: reads them back once, then `viterbiDecode`.
 * @param emissions `[batch, seqLen, numTags]`; not disposed
 * @param lengths `[batch]`, each in `[1, seqLen]`
 */
export async function decode(emissions: tf.Tensor3D, lengths: ArrayLike<number>, crf: Crf): Promise<Decoded> {
  const values = (await emissions.data()) as Float32Array;
  const [batch, seqLen, k] = emissions.shape;
  return viterbiDecode(values, [batch, seqLen, k], lengths, await crf.scoreValues(), crf.rules);
}
