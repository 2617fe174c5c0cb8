import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lrAt, makeSchedule } from '../../src/train/schedule.js';

test('linear: warmup from 0, peak, linear decay to 0 (HF get_linear_schedule_with_warmup)', () => {
  const s = makeSchedule({ kind: 'linear', lr: 1, warmupSteps: 4 }, 12);
  assert.deepEqual(
    Array.from({ length: 14 }, (_, i) => s(i)),
    [0, 0.25, 0.5, 0.75, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0, 0],
  );
});

test('linear without warmup starts at the peak; constant stays flat after warmup', () => {
  assert.equal(lrAt({ kind: 'linear', lr: 5e-5, warmupSteps: 0 }, 0, 10), 5e-5);
  assert.equal(lrAt({ kind: 'linear', lr: 5e-5, warmupSteps: 0 }, 5, 10), 2.5e-5);
  const c = makeSchedule({ kind: 'constant', lr: 2, warmupSteps: 2 }, 10);
  assert.deepEqual([c(0), c(1), c(2), c(9), c(50)], [0, 1, 2, 2, 2]);
});

test('bad configs say what is wrong', () => {
  assert.throws(
    () => makeSchedule({ kind: 'cosine' as 'linear', lr: 1, warmupSteps: 0 }, 5),
    /linear, constant/,
  );
  assert.throws(() => makeSchedule({ kind: 'linear', lr: 0, warmupSteps: 0 }, 5), /lr must be > 0/);
  assert.throws(() => makeSchedule({ kind: 'linear', lr: 1, warmupSteps: -1 }, 5), /warmupSteps/);
});
