/**
 * CRF checks shared by the cpu tests (crfLoss.test.ts) and the wasm run (wasm.test.ts): log Z
 * and the NLL against brute force, and the gradients against brute-force marginals and central
 * finite differences. They run on whatever backend is current.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/core/random.js';
import { Crf } from '../../../src/model/crf/crf.js';
import { crfNll, crfNllMean, crfNllMeanOps, logPartition } from '../../../src/model/crf/crfLoss.js';
import { iob2Tags } from '../../../src/model/crf/tags.js';
import * as bf from './bruteForce.js';

/** Small CRFs: constrained IOB2 with 1 and 2 types (k = 3, 5), and an unconstrained k = 4. */
export const SHAPES = [
  { tags: iob2Tags(['PER']), constrain: true },
  { tags: iob2Tags(['PER', 'LOC']), constrain: true },
  { tags: ['A', 'B', 'C', 'D'].map((t) => `B-${t}`), constrain: false },
];

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tol ${tol})`);
}

/** Test (1)/(2): log Z and NLL equal brute force for random cases with padding, within 1e-4. */
export async function checkLogPartitionAndNll(seed: string): Promise<void> {
  const rng = new Rng(seed);
  for (const shape of SHAPES) {
    const crf = new Crf({ ...shape, seed: rng.int(1000) });
    try {
      crf.setWeights(bf.randomWeights(rng, crf.numTags));
      const sv = await crf.scoreValues();
      for (let seqLen = 1; seqLen <= 5; seqLen++) {
        const c = bf.randomBatch(rng, 3, seqLen, crf.rules);
        const [z, nll] = tf.tidy(() => {
          const em = tf.tensor3d(c.emissions, [c.batch, seqLen, c.k]);
          const tags = tf.tensor2d(c.tags, [c.batch, seqLen], 'int32');
          return [logPartition(em, c.lengths, crf).arraySync(), crfNll(em, tags, c.lengths, crf).arraySync()];
        });
        c.lengths.forEach((len, b) => {
          const em = bf.sentence(c.emissions, b, seqLen, c.k, len);
          const gold = Array.from(c.tags.subarray(b * seqLen, b * seqLen + len));
          const expectedZ = bf.logZ(em, sv);
          const where = `k=${c.k} T=${seqLen} b=${b} len=${len}`;
          close(z[b]!, expectedZ, 1e-4, `log Z ${where}`);
          close(nll[b]!, expectedZ - bf.score(em, gold, sv), 1e-4, `NLL ${where}`);
        });
      }
    } finally {
      crf.dispose();
    }
  }
}

/**
 * Test (4): gradients of the mean NLL (`crfNllMean`, which is computed on the host on the CPU
 * backends, or the tf-ops `crfNllMeanOps` that GPU backends use).
 * - Exact: d/d emissions = (marginals − one-hot gold) / batch at real tokens, 0 at padding; and
 *   d/d transitions[to, from] = (E[#from→to] − gold #from→to) / batch, 0 where forbidden. Both
 *   from brute-force marginals in float64, within 1e-4.
 * - Finite differences of the float32 loss itself, central, eps = 1e-2: truncation error is
 *   ~eps²·f'''/6 ≈ 1e-5 and float32 rounding of a loss of ~5 is ~1e-6/(2·eps) ≈ 5e-5, so
 *   |grad − fd| ≤ 1e-3 + 1e-2·|grad| holds with margin, while a wrong gradient is off by ≥ 0.05.
 */
export async function checkGradients(seed: string, meanNll: typeof crfNllMean = crfNllMean): Promise<void> {
  const rng = new Rng(seed);
  const crf = new Crf({ tags: iob2Tags(['PER', 'LOC']), seed: 7 });
  try {
    crf.setWeights(bf.randomWeights(rng, crf.numTags));
    const sv = await crf.scoreValues();
    const seqLen = 4;
    const c = bf.randomBatch(rng, 3, seqLen, crf.rules);
    const k = c.k;
    const tags = tf.tensor2d(c.tags, [c.batch, seqLen], 'int32');
    const loss = (em: tf.Tensor) => meanNll(em as tf.Tensor3D, tags, c.lengths, crf);
    const emissions = tf.tensor3d(c.emissions, [c.batch, seqLen, k]);
    const gradTensor = tf.grad(loss)(emissions);
    const gradE = gradTensor.dataSync();
    gradTensor.dispose();
    const gradT = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => loss(emissions), [crf.transitions]);
      return grads[crf.transitions.name]!;
    });
    const gradTr = gradT.dataSync();
    gradT.dispose();

    // Exact: marginals − gold.
    const expectedE = new Float64Array(c.emissions.length);
    const expectedT = new Float64Array(k * k);
    c.lengths.forEach((len, b) => {
      const em = bf.sentence(c.emissions, b, seqLen, k, len);
      const m = bf.marginals(em, sv);
      for (let t = 0; t < len; t++) {
        const gold = c.tags[b * seqLen + t]!;
        for (let j = 0; j < k; j++) {
          expectedE[(b * seqLen + t) * k + j] = (m.unary[t]![j]! - (j === gold ? 1 : 0)) / c.batch;
        }
        if (t > 0) expectedT[gold * k + c.tags[b * seqLen + t - 1]!]! -= 1 / c.batch;
      }
      m.pair.forEach((p, i) => {
        expectedT[i]! += p / c.batch;
      });
    });
    expectedE.forEach((e, i) => {
      close(gradE[i]!, e, 1e-4, `d/d emissions[${i}]`);
    });
    expectedT.forEach((e, i) => {
      const expected = crf.rules.transitions[i] ? e : 0;
      close(gradTr[i]!, expected, 1e-4, `d/d transitions[${Math.floor(i / k)}, ${i % k}]`);
    });
    assert.ok(
      gradTr.some((g, i) => !crf.rules.transitions[i] && g === 0),
      'forbidden transitions get zero gradient',
    );

    // Finite differences of the float32 loss.
    const eps = 1e-2;
    const fdTol = (g: number) => 1e-3 + 1e-2 * Math.abs(g);
    const lossAt = (values: Float32Array) =>
      tf.tidy(() => loss(tf.tensor3d(values, [c.batch, seqLen, k])).dataSync()[0]!);
    for (let i = 0; i < c.emissions.length; i++) {
      const plus = Float32Array.from(c.emissions);
      const minus = Float32Array.from(c.emissions);
      plus[i]! += eps;
      minus[i]! -= eps;
      close(gradE[i]!, (lossAt(plus) - lossAt(minus)) / (2 * eps), fdTol(gradE[i]!), `fd emissions[${i}]`);
    }
    const base = crf.getWeights();
    const lossAtTransitions = (values: Float32Array) => {
      crf.setWeights({ ...base, transitions: { values, shape: [k, k] } });
      return tf.tidy(() => loss(emissions).dataSync()[0]!);
    };
    for (let i = 0; i < k * k; i++) {
      const plus = Float32Array.from(base.transitions!.values);
      const minus = Float32Array.from(base.transitions!.values);
      plus[i]! += eps;
      minus[i]! -= eps;
      const fd = (lossAtTransitions(plus) - lossAtTransitions(minus)) / (2 * eps);
      close(gradTr[i]!, fd, fdTol(gradTr[i]!), `fd transitions[${i}]`);
    }
    crf.setWeights(base);
    tf.dispose([tags, emissions]);
  } finally {
    crf.dispose();
  }
}

/**
 * The host loss (`crfNllMean` on a CPU backend) against the tf-ops loss (`crfNllMeanOps`) on a
 * realistic CRF (4 types, k = 9) and a padded batch of 6 × 12, lengths as an array and as a mask:
 * the value and the gradients for the emissions and all three CRF variables within 1e-5 (both are
 * float32 results of the same sums; the host sums in float64).
 */
export function checkHostAgainstOps(seed: string): void {
  const rng = new Rng(seed);
  const crf = new Crf({ tags: iob2Tags(['PER', 'LOC', 'ORG', 'MISC']), seed: 3 });
  try {
    crf.setWeights(bf.randomWeights(rng, crf.numTags));
    const seqLen = 12;
    const c = bf.randomBatch(rng, 6, seqLen, crf.rules);
    c.lengths[0] = seqLen; // one full-length sentence, the rest random (some length 1 likely)
    const emissions = tf.tensor3d(c.emissions, [c.batch, seqLen, c.k]);
    const tags = tf.tensor2d(c.tags, [c.batch, seqLen], 'int32');
    const mask = tf.tensor2d(
      c.lengths.flatMap((len) => Array.from({ length: seqLen }, (_, t) => (t < len ? 1 : 0))),
      [c.batch, seqLen],
    );
    const vars = [crf.transitions, crf.start, crf.end];
    const run = (meanNll: typeof crfNllMean, lengths: number[] | tf.Tensor2D) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => meanNll(emissions, tags, lengths, crf), vars);
        const dE = tf.grad((e: tf.Tensor) => meanNll(e as tf.Tensor3D, tags, lengths, crf))(emissions);
        return {
          value: value.dataSync()[0]!,
          grads: [dE, ...vars.map((v) => grads[v.name]!)].map((g) => Array.from(g.dataSync())),
        };
      });
    const ops = run(crfNllMeanOps, c.lengths);
    for (const lengths of [c.lengths, mask]) {
      const host = run(crfNllMean, lengths);
      close(host.value, ops.value, 1e-5 * Math.max(1, Math.abs(ops.value)), 'mean NLL');
      ['emissions', 'transitions', 'start', 'end'].forEach((name, i) => {
        ops.grads[i]!.forEach((g, j) => {
          close(host.grads[i]![j]!, g, 1e-5, `d/d ${name}[${j}]`);
        });
      });
    }
    tf.dispose([emissions, tags, mask]);
  } finally {
    crf.dispose();
  }
}
