import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmnerError } from '../../../src/core/errors.js';
import {
  createLogScale,
  infoNce,
  logitScale,
  ntXent,
  tokenInfoNce,
  tokenNtXent,
} from '../../../src/model/contrastive/losses.js';
import { finiteDiff, refInfoNce, refNtXent, refTokenInfoNce, refTokenNtXent, type Vec } from './reference.js';

before(async () => {
  await tf.setBackend('cpu');
});

// A tiny example, B = 3 pairs in D = 4, written by hand. Each image is closest to its own
// sentence, but image 0 is almost as close to sentence 1 (cosines 0.54 vs 0.53).
const TEXT: Vec[] = [
  [1.0, 0.2, -0.5, 0.3],
  [-0.4, 1.1, 0.6, -0.2],
  [0.3, -0.7, 0.9, 1.2],
];
const IMAGE: Vec[] = [
  [0.6, 0.7, 0.3, 0.1],
  [0.2, 0.8, 0.9, 0.3],
  [0.5, -0.1, 0.6, 0.4],
];

// Token level: B = 3 sentences of T = 3 tokens (mask marks padding), R = 2 regions, D = 3.
const TOKENS: Vec[][] = [
  [
    [1.0, 0.1, 0.0],
    [0.2, 0.9, -0.3],
    [0.5, 0.5, 0.5],
  ],
  [
    [-0.6, 0.4, 1.0],
    [0.3, -0.8, 0.2],
    [0.0, 0.0, 0.0],
  ],
  [
    [0.7, -0.2, 0.6],
    [0.1, 0.1, 0.1],
    [0.0, 0.0, 0.0],
  ],
];
const MASK = [
  [1, 1, 1],
  [1, 1, 0],
  [1, 0, 0],
];
const REGIONS: Vec[][] = [
  [
    [0.9, 0.3, 0.1],
    [-0.2, 0.8, 0.4],
  ],
  [
    [-0.5, 0.2, 0.9],
    [0.4, 0.4, -0.7],
  ],
  [
    [0.6, -0.4, 0.5],
    [0.0, 1.0, 0.2],
  ],
];

const t2 = (x: Vec[]) => tf.tensor2d(x);
const t3 = (x: Vec[][]) => tf.tensor3d(x);

/** Runs a loss on fresh tensors and returns its value, disposing everything. */
function value(f: () => tf.Scalar): number {
  return tf.tidy(() => f().dataSync()[0]!);
}

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tol ${tol})`);
}

function tokenBatch(tokens = TOKENS, mask = MASK, regions = REGIONS) {
  return { tokens: t3(tokens), tokenMask: tf.tensor2d(mask), regions: t3(regions) };
}

test('NT-Xent of orthonormal matched pairs is log(1 + 2e^-2) at τ = 0.5 (closed form)', () => {
  // Each item: positive cosine 1, the 2 other items cosine 0 → −log(e² / (e² + 2)).
  const eye = [
    [1, 0],
    [0, 1],
  ];
  close(
    value(() => ntXent(t2(eye), t2(eye))),
    Math.log(1 + 2 * Math.exp(-2)),
    1e-6,
    'ntXent',
  );
});

test('ntXent matches the plain-JS reference (B = 3, D = 4) at two temperatures', () => {
  for (const tau of [0.5, 0.1]) {
    close(
      value(() => ntXent(t2(TEXT), t2(IMAGE), tau)),
      refNtXent(TEXT, IMAGE, tau),
      1e-5,
      `τ=${tau}`,
    );
  }
  // Same-modality negatives count: it is not the cross-modal-only InfoNCE at scale 1/τ.
  const gap = Math.abs(refNtXent(TEXT, IMAGE, 0.5) - refInfoNce(TEXT, IMAGE, Math.log(2)));
  assert.ok(gap > 1e-2, `NT-Xent equals InfoNCE at scale 2 (gap ${gap})`);
});

test('InfoNCE of orthonormal matched pairs is log(1 + e^-s) (closed form), and matches the reference', () => {
  const eye = [
    [1, 0],
    [0, 1],
  ];
  const logS = Math.log(1 / 0.07);
  close(
    value(() => infoNce(t2(eye), t2(eye), logS)),
    Math.log(1 + Math.exp(-1 / 0.07)),
    1e-6,
    'closed form',
  );
  for (const ls of [0, 1, logS]) {
    close(
      value(() => infoNce(t2(TEXT), t2(IMAGE), ls)),
      refInfoNce(TEXT, IMAGE, ls),
      1e-5,
      `logScale=${ls}`,
    );
  }
});

test('InfoNCE and NT-Xent are symmetric in swapping the modalities', () => {
  close(
    value(() => infoNce(t2(TEXT), t2(IMAGE), 2)),
    value(() => infoNce(t2(IMAGE), t2(TEXT), 2)),
    1e-6,
    'infoNce',
  );
  close(
    value(() => ntXent(t2(TEXT), t2(IMAGE))),
    value(() => ntXent(t2(IMAGE), t2(TEXT))),
    1e-6,
    'ntXent',
  );
});

test('perfect alignment with a large scale drives InfoNCE to ~0', () => {
  const loss = value(() => infoNce(t2(TEXT), t2(TEXT), Math.log(100)));
  assert.ok(loss < 1e-3, `loss ${loss}`);
  const misaligned = value(() => infoNce(t2(TEXT), t2(IMAGE), Math.log(100)));
  assert.ok(misaligned > 0.02, `imperfect pairs at scale 100: ${misaligned}`);
});

test('every loss decreases as each image moves toward its own sentence', () => {
  const mix = (a: Vec[], b: Vec[], alpha: number) =>
    a.map((row, i) => row.map((x, k) => x + alpha * (b[i]![k]! - x)));
  const mix3 = (a: Vec[][], b: Vec[][], alpha: number) => a.map((m, i) => mix(m, b[i]!, alpha));
  // Token level: each image's regions move toward its sentence's first two (real) tokens.
  const targets = TOKENS.map((t) => [t[0]!, t[1]!.some((x) => x !== 0) ? t[1]! : t[0]!]);
  const losses: Record<string, number[]> = { ntXent: [], infoNce: [], tokenNtXent: [], tokenInfoNce: [] };
  for (const alpha of [0, 0.3, 0.6, 0.9]) {
    const img = mix(IMAGE, TEXT, alpha);
    const reg = mix3(REGIONS, targets, alpha);
    losses.ntXent!.push(value(() => ntXent(t2(TEXT), t2(img))));
    losses.infoNce!.push(value(() => infoNce(t2(TEXT), t2(img), 2)));
    losses.tokenNtXent!.push(value(() => tokenNtXent(tokenBatch(TOKENS, MASK, reg))));
    losses.tokenInfoNce!.push(value(() => tokenInfoNce(tokenBatch(TOKENS, MASK, reg), 2)));
  }
  for (const [name, seq] of Object.entries(losses)) {
    for (let i = 1; i < seq.length; i++) {
      assert.ok(seq[i]! < seq[i - 1]!, `${name} not decreasing: ${seq.join(', ')}`);
    }
  }
});

test('token-level losses match the reference with padding masks', () => {
  for (const ls of [0, 2]) {
    close(
      value(() => tokenInfoNce(tokenBatch(), ls)),
      refTokenInfoNce(TOKENS, MASK, REGIONS, ls),
      1e-5,
      `tokenInfoNce ${ls}`,
    );
  }
  for (const tau of [0.5, 0.2]) {
    close(
      value(() => tokenNtXent(tokenBatch(), tau)),
      refTokenNtXent(TOKENS, MASK, REGIONS, tau),
      1e-5,
      `tokenNtXent ${tau}`,
    );
  }
});

test('a masked token that matches a region perfectly changes neither loss nor gradient', () => {
  // Sentence 1's padded token becomes 1000 × region (1, 0) of image 0 and sentence 2's padded
  // tokens copy image 2's regions: cosine 1, a huge similarity if it counted.
  const spoiled = TOKENS.map((s) => s.map((t) => [...t]));
  spoiled[1]![2] = REGIONS[0]![0]!.map((x) => 1000 * x);
  spoiled[2]![1] = [...REGIONS[2]![0]!];
  spoiled[2]![2] = [...REGIONS[2]![1]!];
  for (const [name, f] of [
    ['tokenInfoNce', (b: ReturnType<typeof tokenBatch>) => tokenInfoNce(b, 2)],
    ['tokenNtXent', (b: ReturnType<typeof tokenBatch>) => tokenNtXent(b)],
  ] as const) {
    const clean = value(() => f(tokenBatch()));
    const dirty = value(() => f(tokenBatch(spoiled)));
    close(dirty, clean, 1e-6, name);
    const grad = tf.tidy(() => {
      const b = tokenBatch(spoiled);
      const g = tf.grad((tokens: tf.Tensor) => f({ ...b, tokens: tokens as tf.Tensor3D }))(b.tokens);
      return g.arraySync() as number[][][];
    });
    for (const [i, t] of [
      [1, 2],
      [2, 1],
      [2, 2],
    ] as const) {
      assert.deepEqual(
        grad[i]![t]!.map((x) => Math.abs(x)),
        [0, 0, 0],
        `${name}: gradient reached masked token ${i},${t}`,
      );
    }
    // …while a real token does get a gradient.
    assert.ok(
      grad[0]![0]!.some((x) => Math.abs(x) > 1e-6),
      `${name}: no gradient on a real token`,
    );
  }
  // If it did count, the loss would differ: unmasking it moves the value.
  const unmasked = MASK.map((m) => m.map(() => 1));
  const shift = Math.abs(
    refTokenInfoNce(spoiled, unmasked, REGIONS, 2) - refTokenInfoNce(TOKENS, MASK, REGIONS, 2),
  );
  assert.ok(shift > 1e-2, `unmasking the spoiled tokens should move the loss (moved ${shift})`);
});

test('ntXent gradients w.r.t. both inputs match finite differences of the reference', () => {
  const text = TEXT.map((r) => [...r]);
  const image = IMAGE.map((r) => [...r]);
  const [gt, gi] = tf.tidy(() => {
    const gs = tf.grads((a: tf.Tensor, b: tf.Tensor) => ntXent(a as tf.Tensor2D, b as tf.Tensor2D))([
      t2(text),
      t2(image),
    ]);
    return gs.map((g) => g.arraySync() as number[][]);
  });
  const f = () => refNtXent(text, image, 0.5);
  assertGradClose(gt!, finiteDiff(f, text), 'd/dtext');
  assertGradClose(gi!, finiteDiff(f, image), 'd/dimage');
});

test('infoNce gradients w.r.t. inputs and logScale match finite differences of the reference', () => {
  const text = TEXT.map((r) => [...r]);
  const image = IMAGE.map((r) => [...r]);
  const logS = [[1.3]];
  const [gt, gi, gs] = tf.tidy(() => {
    const gs = tf.grads((a: tf.Tensor, b: tf.Tensor, s: tf.Tensor) =>
      infoNce(a as tf.Tensor2D, b as tf.Tensor2D, s as tf.Scalar),
    )([t2(text), t2(image), tf.scalar(logS[0]![0]!)]);
    return gs.map((g) => g.arraySync());
  });
  const f = () => refInfoNce(text, image, logS[0]![0]!);
  assertGradClose(gt as number[][], finiteDiff(f, text), 'd/dtext');
  assertGradClose(gi as number[][], finiteDiff(f, image), 'd/dimage');
  assertGradClose([[gs as number]], finiteDiff(f, logS), 'd/dlogScale');
});

test('the logit scale is clamped at 100: beyond it the loss is flat and logScale gets no gradient', () => {
  close(
    value(() => logitScale(Math.log(1000))),
    100,
    1e-4,
    'clamped scale',
  );
  close(
    value(() => logitScale(Math.log(20))),
    20,
    1e-4,
    'unclamped scale',
  );
  close(
    value(() => infoNce(t2(TEXT), t2(IMAGE), Math.log(1000))),
    value(() => infoNce(t2(TEXT), t2(IMAGE), Math.log(100))),
    1e-5,
    'loss at 1000 vs 100',
  );
  const gradAt = (ls: number) =>
    tf.tidy(
      () =>
        tf
          .grad((s: tf.Tensor) => infoNce(t2(TEXT), t2(IMAGE), s as tf.Scalar))(tf.scalar(ls))
          .dataSync()[0]!,
    );
  assert.equal(Math.abs(gradAt(Math.log(1000))), 0);
  const below = gradAt(Math.log(20));
  assert.ok(Math.abs(below) > 1e-4, `gradient below the clamp: ${below}`);
});

test('repeated loss + gradient calls leave no tensors behind', () => {
  const text = t2(TEXT);
  const image = t2(IMAGE);
  const batch = tokenBatch();
  const logScale = createLogScale();
  const step = () => {
    tf.tidy(() => {
      tf.variableGrads(() => infoNce(text, image, logScale), [logScale]);
      tf.grads((a: tf.Tensor, b: tf.Tensor) => ntXent(a as tf.Tensor2D, b as tf.Tensor2D))([text, image]);
      tf.grad((r: tf.Tensor) => tokenNtXent({ ...batch, regions: r as tf.Tensor3D }))(batch.regions);
      tf.variableGrads(() => tokenInfoNce(batch, logScale), [logScale]);
    });
  };
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) step();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([text, image, batch.tokens, batch.tokenMask, batch.regions, logScale]);
});

test('bad inputs are MmnerErrors: one pair, mismatched shapes, bad temperature', () => {
  tf.tidy(() => {
    assert.throws(
      () => ntXent(t2([[1, 0]]), t2([[0, 1]])),
      (e) => isMmnerError(e) && /B ≥ 2/.test(e.message),
    );
    assert.throws(() => infoNce(t2([[1, 0]]), t2([[0, 1]]), 1), isMmnerError);
    assert.throws(() => ntXent(t2(TEXT), t2(IMAGE.slice(0, 2))), isMmnerError);
    assert.throws(() => ntXent(t2(TEXT), t2(IMAGE), 0), isMmnerError);
    assert.throws(() => infoNce(t2(TEXT), t2(IMAGE), Number.NaN), isMmnerError);
    assert.throws(
      () => tokenInfoNce({ tokens: t3(TOKENS), tokenMask: tf.tensor2d([[1, 1]]), regions: t3(REGIONS) }, 1),
      isMmnerError,
    );
  });
});

function assertGradClose(actual: number[][], expected: number[][], what: string): void {
  for (const [i, row] of actual.entries()) {
    for (const [k, x] of row.entries()) {
      const e = expected[i]![k]!;
      assert.ok(Math.abs(x - e) <= 1e-4 + 1e-3 * Math.abs(e), `${what}[${i}][${k}]: ${x} vs ${e}`);
    }
  }
}
