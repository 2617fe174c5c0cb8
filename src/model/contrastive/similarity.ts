/**
 * Cosine similarities for contrastive alignment: L2 normalisation, pairwise cosine matrices,
 * per-pair token↔region similarity maps and FILIP-style late-interaction scores between every
 * sentence and every image of a batch. Pure tensor functions; every intermediate is tidied.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';

/**
 * Floor on the squared norm in `l2Normalize`. An all-zero vector (padding) normalises to zero
 * with a zero gradient instead of NaN.
 */
const NORM_EPS_SQ = 1e-16;

/** Added to masked-out keys before a max; far below any cosine (≥ −1). */
const MASKED = -1e9;

export function assertRank(t: tf.Tensor, rank: number, what: string): void {
  if (t.rank !== rank) {
    throw new MmnerError('E_SHAPE', `${what} must have rank ${rank}, got shape [${t.shape.join(',')}]`);
  }
}

export function assertSameShape(a: tf.Tensor, b: tf.Tensor, what: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new MmnerError(
      'E_SHAPE',
      `${what}: shapes differ, [${a.shape.join(',')}] vs [${b.shape.join(',')}]`,
    );
  }
}

/** x / max(‖x‖, 1e-8) along the last axis; same shape as x. */
export function l2Normalize<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const sq = tf.sum(tf.square(x), -1, true);
    return tf.mul(x, tf.rsqrt(tf.maximum(sq, NORM_EPS_SQ))) as T;
  });
}

/** Cosine similarity of every row of a `[N,D]` with every row of b `[M,D]` → `[N,M]`. */
export function cosineMatrix(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  assertRank(a, 2, 'cosineMatrix: a');
  assertRank(b, 2, 'cosineMatrix: b');
  if (a.shape[1] !== b.shape[1]) {
    throw new MmnerError('E_SHAPE', `cosineMatrix: widths differ, ${a.shape[1]} vs ${b.shape[1]}`);
  }
  return tf.tidy(() => tf.matMul(l2Normalize(a), l2Normalize(b), false, true));
}

/**
 * Cosine similarity of each token of sentence b with each region of its own image b:
 * tokens `[B,T,D]`, regions `[B,R,D]` → `[B,T,R]`. For visualisation (alignment maps); padded
 * tokens get whatever their vectors give (0 for all-zero padding) — mask them when drawing.
 */
export function tokenRegionSimilarity(tokens: tf.Tensor3D, regions: tf.Tensor3D): tf.Tensor3D {
  assertRank(tokens, 3, 'tokenRegionSimilarity: tokens');
  assertRank(regions, 3, 'tokenRegionSimilarity: regions');
  if (tokens.shape[0] !== regions.shape[0] || tokens.shape[2] !== regions.shape[2]) {
    throw new MmnerError(
      'E_SHAPE',
      `tokenRegionSimilarity: tokens [${tokens.shape.join(',')}] and regions [${regions.shape.join(',')}] ` +
        'must agree on batch size and width',
    );
  }
  return tf.tidy(() => tf.matMul(l2Normalize(tokens), l2Normalize(regions), false, true));
}

/**
 * FILIP-style late interaction between every item i of `queries` and every item j of `keys`:
 *
 *   s(i,j) = mean over real queries q of item i of ( max over real keys k of item j of cos(q,k) )
 *
 * queries `[B,N,D]`, queryMask `[B,N]` (1 = real, 0 = padding; null = all real), keys `[B,M,D]`,
 * keyMask `[B,M]` or null → `[B,B]`. Masked queries contribute nothing (value or gradient);
 * masked keys are never the max. An item with no real query scores 0; an item with no real
 * key scores −1 (the cosine floor), so neither yields NaN.
 */
export function lateInteractionScores(
  queries: tf.Tensor3D,
  queryMask: tf.Tensor2D | null,
  keys: tf.Tensor3D,
  keyMask: tf.Tensor2D | null,
): tf.Tensor2D {
  assertRank(queries, 3, 'lateInteractionScores: queries');
  assertRank(keys, 3, 'lateInteractionScores: keys');
  const [b, n, d] = queries.shape;
  const [bk, m, dk] = keys.shape;
  if (b !== bk || d !== dk) {
    throw new MmnerError(
      'E_SHAPE',
      `lateInteractionScores: queries [${queries.shape.join(',')}] and keys [${keys.shape.join(',')}] ` +
        'must agree on batch size and width',
    );
  }
  if (queryMask) checkMask(queryMask, b, n, 'query mask');
  if (keyMask) checkMask(keyMask, b, m, 'key mask');
  return tf.tidy(() => {
    const q = tf.reshape(l2Normalize(queries), [b * n, d]);
    const k = tf.reshape(l2Normalize(keys), [b * m, d]);
    let sim = tf.reshape(tf.matMul(q, k, false, true), [b, n, b, m]); // [i, q, j, k]
    if (keyMask) {
      const penalty = tf.mul(tf.sub(1, tf.cast(keyMask, 'float32')), MASKED); // [B,M]
      sim = tf.add(sim, tf.reshape(penalty, [1, 1, b, m]));
    }
    const best = tf.maximum(tf.max(sim, 3), -1); // [B,N,B]; −1 only if item j has no real key
    if (!queryMask) return tf.mean(best, 1) as tf.Tensor2D;
    const qm = tf.cast(queryMask, 'float32');
    const summed = tf.sum(tf.mul(best, tf.reshape(qm, [b, n, 1])), 1); // [B,B]
    const count = tf.maximum(tf.sum(qm, 1, true), 1); // [B,1]
    return tf.div(summed, count) as tf.Tensor2D;
  });
}

function checkMask(mask: tf.Tensor, b: number, n: number, what: string): void {
  if (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== n) {
    throw new MmnerError('E_SHAPE', `${what} must have shape [${b},${n}], got [${mask.shape.join(',')}]`);
  }
}
