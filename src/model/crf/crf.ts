/**
 * The CRF's parameters: transition scores `[to, from]` plus start and end scores, as trainable
 * variables with a seeded initialization. Transitions the tag scheme forbids are masked to
 * `DISALLOWED_SCORE` whenever the parameters are read, for training and decoding alike.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { allowedTransitions, noTransitionRules, type TransitionRules } from './tags.js';

/**
 * The score a forbidden transition gets. Large enough that no path through one can win against
 * emissions of realistic size (|score| ≪ 1e4), small enough that float32 `logsumexp` stays exact
 * for the allowed paths and no gradient becomes NaN (which `-Infinity` would risk).
 */
export const DISALLOWED_SCORE = -1e4;

/** How a CRF is built; persisted with a model. */
export interface CrfConfig {
  /** The tag vocabulary, index order = tensor index order (see `iob2Tags`). */
  tags: readonly string[];
  /** Forbid transitions that are invalid IOB2 (`allowedTransitions`). Default true. */
  constrain: boolean;
  /** Seed of the initialization. Default 0. */
  seed: number;
  /** Initial scores are uniform in `[-initScale, initScale]`. Default 0.1. */
  initScale: number;
}

export const DEFAULT_CRF_CONFIG: Readonly<Omit<CrfConfig, 'tags'>> = Object.freeze({
  constrain: true,
  seed: 0,
  initScale: 0.1,
});

/** A weight as plain numbers: values in row-major order and the shape. */
export interface WeightValues {
  values: Float32Array;
  shape: number[];
}

/** Constrained CRF scores as tensors: `transitions [to, from]`, `start [numTags]`, `end [numTags]`. */
export interface CrfScores {
  transitions: tf.Tensor2D;
  start: tf.Tensor1D;
  end: tf.Tensor1D;
}

/** Constrained CRF scores as plain arrays (same layouts as `CrfScores`). */
export interface CrfScoreValues {
  numTags: number;
  transitions: Float32Array;
  start: Float32Array;
  end: Float32Array;
}

export class Crf {
  readonly config: CrfConfig;
  readonly numTags: number;
  readonly rules: TransitionRules;
  /** `[numTags (to), numTags (from)]`: score of tag `to` following tag `from`. */
  readonly transitions: tf.Variable<tf.Rank.R2>;
  /** `[numTags]`: score of a sentence starting with each tag. */
  readonly start: tf.Variable<tf.Rank.R1>;
  /** `[numTags]`: score of a sentence ending with each tag. */
  readonly end: tf.Variable<tf.Rank.R1>;
  /** 1 where allowed, 0 where not; `[to, from]`, `[numTags]`, `[numTags]`. */
  private readonly allowed: CrfScores;
  /** 0 where allowed, `DISALLOWED_SCORE` where not. */
  private readonly penalty: CrfScores;

  constructor(config: Partial<CrfConfig> & Pick<CrfConfig, 'tags'>) {
    this.config = resolveCrfConfig(config);
    const { tags, constrain, seed, initScale } = this.config;
    const k = tags.length;
    this.numTags = k;
    this.rules = constrain ? allowedTransitions(tags) : noTransitionRules(k);
    const rng = new Rng(`crf/${seed}`);
    const init = (n: number) => Float32Array.from({ length: n }, () => rng.range(-initScale, initScale));
    // In a tidy: a variable only references its initial tensor, which would outlive the first update.
    [this.transitions, this.start, this.end] = tf.tidy(() => [
      tf.variable(tf.tensor2d(init(k * k), [k, k]), true),
      tf.variable(tf.tensor1d(init(k)), true),
      tf.variable(tf.tensor1d(init(k)), true),
    ]);
    const { transitions, start, end } = this.rules;
    const f = (a: Uint8Array) => Float32Array.from(a);
    const p = (a: Uint8Array) => Float32Array.from(a, (x) => (x ? 0 : DISALLOWED_SCORE));
    this.allowed = {
      transitions: tf.tensor2d(f(transitions), [k, k]),
      start: tf.tensor1d(f(start)),
      end: tf.tensor1d(f(end)),
    };
    this.penalty = {
      transitions: tf.tensor2d(p(transitions), [k, k]),
      start: tf.tensor1d(p(start)),
      end: tf.tensor1d(p(end)),
    };
  }

  /** The trainable variables, for an optimizer's `varList`. */
  get trainableVariables(): tf.Variable[] {
    return [this.transitions, this.start, this.end];
  }

  /**
   * The scores with forbidden entries replaced by `DISALLOWED_SCORE` (as `x·allowed + penalty`,
   * so forbidden entries get zero gradient). New tensors: call inside `tf.tidy`.
   */
  scores(): CrfScores {
    const mask = (v: tf.Tensor, a: tf.Tensor, p: tf.Tensor) => tf.add(tf.mul(v, a), p);
    return {
      transitions: mask(this.transitions, this.allowed.transitions, this.penalty.transitions) as tf.Tensor2D,
      start: mask(this.start, this.allowed.start, this.penalty.start) as tf.Tensor1D,
      end: mask(this.end, this.allowed.end, this.penalty.end) as tf.Tensor1D,
    };
  }

  /**
   * The constrained scores read back as arrays, for `viterbiDecode`. Asynchronous because GPU
   * backends cannot read synchronously in Node (tfjs-backend-webgpu's `dataSync` needs a browser's
   * OffscreenCanvas).
   */
  async scoreValues(): Promise<CrfScoreValues> {
    const s = tf.tidy(() => ({ ...this.scores() }));
    try {
      const [transitions, start, end] = (await Promise.all([
        s.transitions.data(),
        s.start.data(),
        s.end.data(),
      ])) as Float32Array[];
      return { numTags: this.numTags, transitions: transitions!, start: start!, end: end! };
    } finally {
      tf.dispose([s.transitions, s.start, s.end]);
    }
  }

  /** The raw (unmasked) parameters as plain arrays, keyed `transitions`, `start`, `end`. */
  getWeights(): Record<string, WeightValues> {
    const get = (v: tf.Variable) => ({ values: Float32Array.from(v.dataSync()), shape: [...v.shape] });
    return { transitions: get(this.transitions), start: get(this.start), end: get(this.end) };
  }

  /** Loads weights saved by `getWeights`; all three keys are required, with matching shapes. */
  setWeights(weights: Readonly<Record<string, WeightValues>>): void {
    const targets: [string, tf.Variable][] = [
      ['transitions', this.transitions],
      ['start', this.start],
      ['end', this.end],
    ];
    // Check everything before assigning anything, so a bad file leaves the CRF unchanged.
    for (const [name, v] of targets) {
      const w = weights[name];
      const want = v.shape.join('×');
      if (!w) {
        throw new MmnerError('CRF_WEIGHTS', `CRF weight '${name}' is missing`, {
          hint: `expected keys transitions [${this.numTags}×${this.numTags}], start and end [${this.numTags}]`,
        });
      }
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (w.shape.join('×') !== want || w.values.length !== size) {
        throw new MmnerError(
          'CRF_WEIGHTS',
          `CRF weight '${name}' has shape [${w.shape.join('×')}] and ${w.values.length} values; expected [${want}]`,
          { hint: `the weights were saved for a different tag set than this CRF's ${this.numTags} tags` },
        );
      }
    }
    for (const [name, v] of targets) {
      const w = weights[name]!;
      tf.tidy(() => v.assign(tf.tensor(w.values, v.shape)));
    }
  }

  dispose(): void {
    for (const t of [
      ...this.trainableVariables,
      ...Object.values(this.allowed),
      ...Object.values(this.penalty),
    ]) {
      t.dispose();
    }
  }
}

/** Fills defaults into a partial config and checks it. */
export function resolveCrfConfig(partial: Partial<CrfConfig> & Pick<CrfConfig, 'tags'>): CrfConfig {
  const config: CrfConfig = { ...DEFAULT_CRF_CONFIG, ...partial, tags: [...partial.tags] };
  if (config.tags.length === 0) {
    throw new MmnerError('CRF_CONFIG', 'the CRF has no tags', { hint: 'give at least the tag O' });
  }
  if (!(config.initScale >= 0) || !Number.isFinite(config.initScale)) {
    throw new MmnerError('CRF_CONFIG', `CRF initScale ${config.initScale} is not a finite number ≥ 0`, {
      hint: 'use e.g. 0.1',
    });
  }
  return config;
}
