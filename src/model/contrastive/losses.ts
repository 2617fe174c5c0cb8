/**
 * The contrastive alignment losses of 2M-NER over cosine similarity with in-batch negatives:
 * NT-Xent (SimCLR; the authors' code: 2B stacked items, same-modality negatives, fixed τ) and
 * CLIP-style symmetric InfoNCE (B×B cross-modal, learnable clamped scale), each at sentence
 * level (vector ↔ vector) and token level (tokens ↔ regions by late interaction).
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import { assertRank, assertSameShape, cosineMatrix, lateInteractionScores } from './similarity.js';

/** NT-Xent temperature of the paper's code (SimCLR's τ). */
export const DEFAULT_TEMPERATURE = 0.5;
/** CLIP's initial log logit scale, log(1/0.07) ≈ 2.659. */
export const CLIP_INIT_LOG_SCALE = Math.log(1 / 0.07);
/** CLIP's ceiling on the logit scale exp(logScale). */
export const MAX_LOGIT_SCALE = 100;

/** Added to the self-similarity logits of NT-Xent so they drop out of the softmax. */
const SELF = -1e9;

/** A fresh trainable log logit scale (scalar tf.Variable); the caller disposes it. */
export function createLogScale(init: number = CLIP_INIT_LOG_SCALE): tf.Variable<tf.Rank.R0> {
  checkFinite(init, 'initLogScale');
  return tf.tidy(() => tf.variable(tf.scalar(init), true));
}

/**
 * min(exp(logScale), 100) → scalar. Clamped in the forward pass (CLIP clamps the parameter
 * after each step instead): above the ceiling the scale is 100 and logScale gets no gradient.
 */
export function logitScale(logScale: tf.Scalar | number): tf.Scalar {
  return tf.tidy(() =>
    tf.minimum(tf.exp(typeof logScale === 'number' ? tf.scalar(logScale) : logScale), MAX_LOGIT_SCALE),
  );
}

/**
 * NT-Xent over a 2B×2B similarity matrix of stacked items [text_0..text_{B−1}, image_0..image_{B−1}]
 * (cosines or late-interaction scores; scores `[2B,2B]`). Row r's positive is column (r+B) mod 2B,
 * its self column is dropped, the other 2B−2 columns are negatives:
 *
 *   loss = 1/2B Σ_r −log( exp(s[r,r±B]/τ) / Σ_{c≠r} exp(s[r,c]/τ) )   → scalar
 */
export function ntXentFromScores(scores: tf.Tensor2D, temperature: number = DEFAULT_TEMPERATURE): tf.Scalar {
  assertRank(scores, 2, 'ntXentFromScores: scores');
  const [n, m] = scores.shape;
  if (n !== m || n % 2 !== 0 || n < 4) {
    throw new MmnerError(
      'E_SHAPE',
      `NT-Xent needs a square 2B×2B score matrix with B ≥ 2, got [${scores.shape.join(',')}]`,
      { hint: 'use a batch of at least two pairs: with one pair there is no negative' },
    );
  }
  checkPositive(temperature, 'temperature');
  const b = n / 2;
  return tf.tidy(() => {
    const logits = tf.add(tf.div(scores, temperature), tf.mul(tf.eye(n), SELF));
    const positives = tf.concat([tf.range(b, n, 1, 'int32'), tf.range(0, b, 1, 'int32')]);
    const onehot = tf.oneHot(positives, n, 1, 0, 'float32');
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits, 1), onehot), 1))) as tf.Scalar;
  });
}

/**
 * The paper's sentence-level NT-Xent: text `[B,D]`, image `[B,D]` (projected, not necessarily
 * normalised), τ (default 0.5) → scalar. Cosine similarity over the 2B stacked vectors.
 */
export function ntXent(
  text: tf.Tensor2D,
  image: tf.Tensor2D,
  temperature: number = DEFAULT_TEMPERATURE,
): tf.Scalar {
  assertRank(text, 2, 'ntXent: text');
  assertSameShape(text, image, 'ntXent: text and image');
  return tf.tidy(() => {
    const z = tf.concat([text, image], 0);
    return ntXentFromScores(cosineMatrix(z, z), temperature);
  });
}

/**
 * CLIP-style symmetric InfoNCE over a B×B score matrix (scores `[B,B]`, row i = text i, column
 * j = image j, positives on the diagonal) scaled by min(exp(logScale), 100):
 *
 *   loss = ( CE_rows(scale·S, diag) + CE_columns(scale·S, diag) ) / 2   → scalar
 */
export function infoNceFromScores(scores: tf.Tensor2D, logScale: tf.Scalar | number): tf.Scalar {
  assertRank(scores, 2, 'infoNceFromScores: scores');
  const [n, m] = scores.shape;
  if (n !== m || n < 2) {
    throw new MmnerError(
      'E_SHAPE',
      `InfoNCE needs a square B×B score matrix with B ≥ 2, got [${scores.shape.join(',')}]`,
      {
        hint: 'use a batch of at least two pairs: with one pair there is no negative',
      },
    );
  }
  if (typeof logScale === 'number') checkFinite(logScale, 'logScale');
  return tf.tidy(() => {
    const logits = tf.mul(scores, logitScale(logScale));
    const eye = tf.eye(n);
    const textToImage = tf.sum(tf.mul(tf.logSoftmax(logits, 1), eye), 1);
    const imageToText = tf.sum(tf.mul(tf.logSoftmax(tf.transpose(logits), 1), eye), 1);
    return tf.neg(tf.div(tf.add(tf.mean(textToImage), tf.mean(imageToText)), 2)) as tf.Scalar;
  });
}

/** Sentence-level CLIP InfoNCE: text `[B,D]`, image `[B,D]`, logScale (scalar or number) → scalar. */
export function infoNce(text: tf.Tensor2D, image: tf.Tensor2D, logScale: tf.Scalar | number): tf.Scalar {
  assertRank(text, 2, 'infoNce: text');
  assertSameShape(text, image, 'infoNce: text and image');
  return tf.tidy(() => infoNceFromScores(cosineMatrix(text, image), logScale));
}

/** Token-level inputs: tokens `[B,T,D]`, tokenMask `[B,T]` (1 real, 0 padding), regions `[B,R,D]`. */
export interface TokenRegionBatch {
  tokens: tf.Tensor3D;
  tokenMask: tf.Tensor2D;
  regions: tf.Tensor3D;
}

/**
 * The sentence↔image pair score at token level → `[B,B]`, s(i,j) = mean over the real tokens of
 * sentence i of the max cosine over the regions of image j (FILIP late interaction, text side).
 *
 * Why this form: a sentence's entities match a few regions, not the whole image, so each token
 * picks its best region (max) instead of averaging over all regions (which a cluttered image
 * would dilute), and the mean over tokens keeps the score in [−1,1] whatever the sentence length.
 * Only the token-anchored direction is used (FILIP also averages region→token maxima for the
 * image→text loss): most regions are background with no matching word, and forcing every region
 * onto some token would reward spurious alignments. Padded tokens are excluded from the mean.
 */
export function tokenRegionScores(batch: TokenRegionBatch): tf.Tensor2D {
  return lateInteractionScores(batch.tokens, batch.tokenMask, batch.regions, null);
}

/** Token-level InfoNCE: CLIP's symmetric loss over `tokenRegionScores` → scalar. */
export function tokenInfoNce(batch: TokenRegionBatch, logScale: tf.Scalar | number): tf.Scalar {
  return tf.tidy(() => infoNceFromScores(tokenRegionScores(batch), logScale));
}

/**
 * Token-level NT-Xent → scalar: the 2B×2B matrix [[TT, S], [Sᵀ, II]] where S = tokenRegionScores,
 * TT = late interaction of sentence tokens with sentence tokens (masked both sides) and II = of
 * regions with regions; the same-modality blocks supply the 2B−2 negatives as in the paper's form.
 */
export function tokenNtXent(batch: TokenRegionBatch, temperature: number = DEFAULT_TEMPERATURE): tf.Scalar {
  return tf.tidy(() => {
    const { tokens, tokenMask, regions } = batch;
    const s = tokenRegionScores(batch);
    const tt = lateInteractionScores(tokens, tokenMask, tokens, tokenMask);
    const ii = lateInteractionScores(regions, null, regions, null);
    const scores = tf.concat([tf.concat([tt, s], 1), tf.concat([tf.transpose(s), ii], 1)], 0);
    return ntXentFromScores(scores, temperature);
  });
}

function checkPositive(x: number, what: string): void {
  if (!Number.isFinite(x) || x <= 0) {
    throw new MmnerError('E_CONFIG', `${what} must be a positive finite number, got ${x}`);
  }
}

function checkFinite(x: number, what: string): void {
  if (!Number.isFinite(x)) throw new MmnerError('E_CONFIG', `${what} must be a finite number, got ${x}`);
}
