/**
 * CRF training loss: negative log-likelihood of the gold tags, `log Z − score(gold)`, with `log Z`
 * from the forward algorithm in log space. Batched; padded positions are masked out. Plain tf
 * ops only, so autodiff gives gradients for the emissions and the CRF parameters.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import { onHostBackend } from '../module.js';
import type { Crf } from './crf.js';
import { crfNllMeanHost, hostLengths } from './crfNllHost.js';

/**
 * Which positions of a batch are real tokens: per-sentence lengths (each in `[1, seqLen]`), or a
 * `[batch, seqLen]` float mask of 1 (token) / 0 (padding). A mask must be a prefix mask (ones,
 * then zeros) with a 1 at position 0; lengths are checked, masks are not (reading them back
 * would stall the GPU).
 */
export type SeqLengths = readonly number[] | Int32Array | tf.Tensor2D;

/**
 * `[batch]`: `log Z` of each sentence, the log of the summed exp-scores of all tag paths.
 * @param emissions `[batch, seqLen, numTags]`
 */
export function logPartition(emissions: tf.Tensor3D, lengths: SeqLengths, crf: Crf): tf.Tensor1D {
  return tf.tidy(() => {
    checkEmissions(emissions, crf);
    const mask = toMask(lengths, emissions.shape[0], emissions.shape[1]);
    const { transitions, start, end } = crf.scores();
    const steps = tf.unstack(emissions, 1) as tf.Tensor2D[]; // seqLen × [batch, numTags]
    const masks = tf.unstack(tf.expandDims(mask, 2), 1); // seqLen × [batch, 1]
    // alpha[b, j]: log-sum-exp of the scores of all paths over positions 0..t that end in tag j.
    let alpha: tf.Tensor2D = tf.add(steps[0]!, start);
    for (let t = 1; t < steps.length; t++) {
      // [batch, 1 (to), numTags (from)] + [numTags (to), numTags (from)] → lse over from.
      const next = tf.add(tf.logSumExp(tf.add(tf.expandDims(alpha, 1), transitions), 2), steps[t]!);
      // Padded positions carry alpha through unchanged. m·next + (1−m)·alpha is exact for m ∈
      // {0, 1}; alpha + m·(next − alpha) would round away ~1e-3 next to −1e4 scores.
      const m = masks[t]!;
      alpha = tf.add(tf.mul(m, next), tf.mul(tf.sub(1, m), alpha));
    }
    return tf.logSumExp(tf.add(alpha, end), 1) as tf.Tensor1D;
  });
}

/**
 * `[batch]`: the score of the given tag path of each sentence (start + emissions + transitions
 * + end, over the real positions). Tags at padded positions are ignored.
 * @param emissions `[batch, seqLen, numTags]`
 * @param tags `[batch, seqLen]` int32 tag indices
 */
export function pathScore(
  emissions: tf.Tensor3D,
  tags: tf.Tensor2D,
  lengths: SeqLengths,
  crf: Crf,
): tf.Tensor1D {
  return tf.tidy(() => {
    checkEmissions(emissions, crf);
    const [batch, seqLen, k] = emissions.shape;
    if (tags.shape[0] !== batch || tags.shape[1] !== seqLen) {
      throw new MmnerError(
        'CRF_SHAPE',
        `CRF tags have shape [${tags.shape.join(', ')}]; the emissions need [${batch}, ${seqLen}]`,
      );
    }
    const mask = toMask(lengths, batch, seqLen); // [batch, seqLen]
    const { transitions, start, end } = crf.scores();
    const oneHot = tf.cast(tf.oneHot(tf.cast(tags, 'int32'), k), 'float32'); // [batch, seqLen, k]
    const emitted = tf.sum(tf.mul(tf.sum(tf.mul(oneHot, emissions), 2), mask), 1);
    const first = tf.squeeze(tf.slice(oneHot, [0, 0, 0], [batch, 1, k]), [1]); // [batch, k]
    const started = tf.sum(tf.mul(first, start), 1);
    // isLast[b, t] = mask[b, t] − mask[b, t+1]: 1 at the last real token.
    const maskNext = tf.concat([tf.slice(mask, [0, 1], [batch, seqLen - 1]), tf.zeros([batch, 1])], 1);
    const isLast = tf.sub(mask, maskNext);
    const lastTag = tf.sum(tf.mul(oneHot, tf.expandDims(isLast, 2)), 1); // [batch, k]
    const ended = tf.sum(tf.mul(lastTag, end), 1);
    let total = tf.add(tf.add(emitted, started), ended);
    if (seqLen > 1) {
      // For each step t ≥ 1: oneHot[t−1] · transitionsᵀ is the score of moving to every tag.
      const prev = tf.reshape(tf.slice(oneHot, [0, 0, 0], [batch, seqLen - 1, k]), [-1, k]);
      const cur = tf.reshape(tf.slice(oneHot, [0, 1, 0], [batch, seqLen - 1, k]), [-1, k]);
      const moved = tf.sum(tf.mul(tf.matMul(prev, transitions, false, true), cur), 1);
      const stepMask = tf.slice(mask, [0, 1], [batch, seqLen - 1]);
      total = tf.add(total, tf.sum(tf.mul(tf.reshape(moved, [batch, seqLen - 1]), stepMask), 1));
    }
    return total as tf.Tensor1D;
  });
}

/**
 * `[batch]`: the negative log-likelihood of the gold tags, `log Z − score(gold)`.
 * @param emissions `[batch, seqLen, numTags]`
 * @param tags `[batch, seqLen]` int32 gold tag indices (any valid index at padded positions)
 */
export function crfNll(
  emissions: tf.Tensor3D,
  tags: tf.Tensor2D,
  lengths: SeqLengths,
  crf: Crf,
): tf.Tensor1D {
  return tf.tidy(() =>
    tf.sub(logPartition(emissions, lengths, crf), pathScore(emissions, tags, lengths, crf)),
  );
}

/**
 * Scalar: `crfNll` averaged over the batch (the training loss). On the CPU backends (wasm, cpu)
 * it is computed on the host with its exact gradient (`crfNllMeanHost`), elsewhere with tf ops
 * (`crfNllMeanOps`); the two agree within float32 rounding.
 */
export function crfNllMean(
  emissions: tf.Tensor3D,
  tags: tf.Tensor2D,
  lengths: SeqLengths,
  crf: Crf,
): tf.Scalar {
  if (!onHostBackend()) return crfNllMeanOps(emissions, tags, lengths, crf);
  return tf.tidy(() => {
    checkEmissions(emissions, crf);
    const [batch, seqLen] = emissions.shape;
    if (!(lengths instanceof tf.Tensor)) checkLengths(lengths, batch, seqLen);
    const { transitions, start, end } = crf.scores();
    return crfNllMeanHost(emissions, tags, hostLengths(lengths, batch, seqLen), transitions, start, end);
  });
}

/** `crfNllMean` with tf ops on every backend (the forward algorithm, autodiff gradients). */
export function crfNllMeanOps(
  emissions: tf.Tensor3D,
  tags: tf.Tensor2D,
  lengths: SeqLengths,
  crf: Crf,
): tf.Scalar {
  return tf.tidy(() => tf.mean(crfNll(emissions, tags, lengths, crf)));
}

/**
 * `[batch, seqLen]` float mask from lengths, or the given mask. New tensor: call inside tidy.
 */
export function toMask(lengths: SeqLengths, batch: number, seqLen: number): tf.Tensor2D {
  if (lengths instanceof tf.Tensor) {
    if (lengths.shape[0] !== batch || lengths.shape[1] !== seqLen) {
      throw new MmnerError(
        'CRF_SHAPE',
        `CRF mask has shape [${lengths.shape.join(', ')}]; the emissions need [${batch}, ${seqLen}]`,
      );
    }
    return tf.cast(lengths, 'float32') as tf.Tensor2D;
  }
  checkLengths(lengths, batch, seqLen);
  const positions = tf.expandDims(tf.range(0, seqLen, 1, 'int32'), 0); // [1, seqLen]
  const ends = tf.tensor2d(Int32Array.from(lengths), [batch, 1], 'int32');
  return tf.cast(tf.less(positions, ends), 'float32') as tf.Tensor2D;
}

/** Lengths: one per sentence, each in `[1, seqLen]`. */
function checkLengths(lengths: readonly number[] | Int32Array, batch: number, seqLen: number): void {
  if (lengths.length !== batch) {
    throw new MmnerError('CRF_SHAPE', `${lengths.length} sentence lengths for a batch of ${batch}`);
  }
  for (const n of lengths) {
    if (!Number.isInteger(n) || n < 1 || n > seqLen) {
      throw new MmnerError('CRF_SHAPE', `sentence length ${n} is not in [1, ${seqLen}]`, {
        hint: 'every sentence needs at least one token, and no more than the padded length',
      });
    }
  }
}

function checkEmissions(emissions: tf.Tensor3D, crf: Crf): void {
  const [batch, seqLen, k] = emissions.shape;
  if (emissions.rank !== 3 || k !== crf.numTags || batch < 1 || seqLen < 1) {
    throw new MmnerError(
      'CRF_SHAPE',
      `CRF emissions have shape [${emissions.shape.join(', ')}]; expected [batch ≥ 1, seqLen ≥ 1, ${crf.numTags}]`,
    );
  }
}
