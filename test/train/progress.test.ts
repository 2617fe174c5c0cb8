import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StepEvent } from '../../src/core/run/events.js';
import { formatBar, formatDuration, formatStatus, progressReporter } from '../../src/train/progress.js';

const step = (n: number): StepEvent => ({
  type: 'step',
  time: 0,
  step: n,
  epoch: 0,
  loss: { crf: 3, cl: 0.412, total: 3.412 },
  lr: 4.4e-5,
  gradNorm: 1,
  examplesPerSec: 85.25,
  etaSec: 62,
});

test('formatting', () => {
  assert.equal(formatDuration(42), '42s');
  assert.equal(formatDuration(62), '1m02s');
  assert.equal(formatDuration(3725), '1h02m');
  assert.equal(formatBar(5, 10, 4), '[##--]');
  assert.equal(formatStatus(step(12), 100), '12/100 loss 3.412 lr 4.4e-5 85.3 ex/s ETA 1m02s');
});

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns: 100, write: (t: string) => out.push(t) } };
}

test('not a TTY: one line per interval, plus the last step and every eval/end line', () => {
  let t = 0;
  const { out, stream } = sink(false);
  const p = progressReporter({ stream, intervalSec: 10, now: () => t });
  p({ type: 'runStart', time: 0, startStep: 0, totalSteps: 5, batchesPerEpoch: 5 });
  for (let i = 1; i <= 5; i++) {
    t = i * 4000;
    p(step(i));
  }
  p({
    type: 'eval',
    time: 0,
    step: 5,
    epoch: 0,
    split: 'dev',
    f1: 50,
    perLanguage: { en: 60 },
    best: true,
  });
  p({ type: 'runEnd', time: 0, step: 5, reason: 'completed', elapsedSec: 20 });
  assert.deepEqual(out, [
    'training 5 steps (5 per epoch)\n',
    `${formatStatus(step(1), 5)}\n`,
    `${formatStatus(step(4), 5)}\n`,
    `${formatStatus(step(5), 5)}\n`,
    'step 5 dev F1 50.00 (en 60.0) best\n',
    'done (completed) at step 5 in 20s\n',
  ]);
});

test('a TTY: the bar is redrawn in place with \\r and cleared before a message line', () => {
  const { out, stream } = sink(true);
  const p = progressReporter({ stream, redrawMs: 0, now: () => 0 });
  p({ type: 'runStart', time: 0, startStep: 0, totalSteps: 2, batchesPerEpoch: 2 });
  p(step(1));
  p({ type: 'interrupted', time: 0, step: 1, checkpoint: 'checkpoints/step-00000001.safetensors' });
  assert.match(out[1]!, /^\r\[#+-+\] 1\/2 loss 3\.412/);
  assert.equal(out[2], '\r\x1b[K');
  assert.equal(out[3], 'interrupted at step 1; resume from checkpoints/step-00000001.safetensors\n');
});
