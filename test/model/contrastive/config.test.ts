import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmnerError } from '../../../src/core/errors.js';
import {
  CONTRASTIVE_DEFAULTS,
  type ContrastiveConfig,
  contrastiveLoss,
  resolveContrastiveConfig,
} from '../../../src/model/contrastive/config.js';
import {
  createLogScale,
  infoNce,
  ntXent,
  tokenInfoNce,
  tokenNtXent,
} from '../../../src/model/contrastive/losses.js';

before(async () => {
  await tf.setBackend('cpu');
});

test('defaults are the paper’s: sentence-level NT-Xent, τ = 0.5; CLIP’s initial log scale', () => {
  assert.deepEqual(resolveContrastiveConfig(), {
    form: 'nt-xent',
    level: 'sentence',
    temperature: 0.5,
    initLogScale: Math.log(1 / 0.07),
  });
  assert.deepEqual(resolveContrastiveConfig({ form: 'infonce', level: 'token', initLogScale: 1 }), {
    ...CONTRASTIVE_DEFAULTS,
    form: 'infonce',
    level: 'token',
    initLogScale: 1,
  });
});

test('invalid values are MmnerErrors that list the valid ones', () => {
  const bad = (c: unknown, pattern: RegExp) =>
    assert.throws(
      () => resolveContrastiveConfig(c as ContrastiveConfig),
      (e) => isMmnerError(e) && e.code === 'E_CONFIG' && pattern.test(e.message),
    );
  bad({ form: 'clip' }, /'nt-xent', 'infonce'/);
  bad({ level: 'word' }, /'sentence', 'token'/);
  bad({ temperature: 0 }, /positive/);
  bad({ temperature: '0.5' }, /positive/);
  bad({ initLogScale: Number.POSITIVE_INFINITY }, /finite/);
  bad({ temprature: 0.1 }, /valid keys: form, level, temperature, initLogScale/);
});

test('contrastiveLoss dispatches to the configured form and level', () => {
  tf.tidy(() => {
    const text = tf.tensor2d([
      [1, 0.2, 0],
      [0.1, 1, 0.3],
      [0.4, -0.2, 1],
    ]);
    const image = tf.tensor2d([
      [0.9, 0.5, 0.1],
      [0.3, 0.7, 0.2],
      [0.1, 0.1, 0.8],
    ]);
    const tokens = tf.stack([text, image, text.reverse(0)]) as tf.Tensor3D; // [3,3,3]
    const tokenMask = tf.tensor2d([
      [1, 1, 0],
      [1, 1, 1],
      [1, 0, 0],
    ]);
    const regions = tf.stack([image, text, image.reverse(1)]) as tf.Tensor3D;
    const tokenBatch = { tokens, tokenMask, regions };
    const logScale = createLogScale(1.5);
    const v = (s: tf.Scalar) => s.dataSync()[0]!;
    const cases: [ContrastiveConfig, number, number][] = [
      [{}, v(contrastiveLoss({}, { text, image })), v(ntXent(text, image, 0.5))],
      [
        { temperature: 0.2 },
        v(contrastiveLoss({ temperature: 0.2 }, { text, image })),
        v(ntXent(text, image, 0.2)),
      ],
      [
        { form: 'infonce' },
        v(contrastiveLoss({ form: 'infonce' }, { text, image }, logScale)),
        v(infoNce(text, image, 1.5)),
      ],
      [
        { form: 'infonce', initLogScale: 0.7 },
        v(contrastiveLoss({ form: 'infonce', initLogScale: 0.7 }, { text, image })),
        v(infoNce(text, image, 0.7)),
      ],
      [{ level: 'token' }, v(contrastiveLoss({ level: 'token' }, tokenBatch)), v(tokenNtXent(tokenBatch))],
      [
        { level: 'token', form: 'infonce' },
        v(contrastiveLoss({ level: 'token', form: 'infonce' }, tokenBatch, logScale)),
        v(tokenInfoNce(tokenBatch, 1.5)),
      ],
    ];
    const values = cases.map(([, got]) => got);
    for (const [config, got, want] of cases) {
      assert.ok(Math.abs(got - want) < 1e-6, `${JSON.stringify(config)}: ${got} vs ${want}`);
    }
    assert.equal(new Set(values).size, values.length, `some configs gave the same loss: ${values}`);
    assert.throws(() => contrastiveLoss({ level: 'token' }, { text, image }), isMmnerError);
    assert.throws(() => contrastiveLoss({ level: 'sentence' }, tokenBatch), isMmnerError);
    logScale.dispose();
  });
});
