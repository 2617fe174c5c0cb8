/** The progress line: durations and which parts are shown in each state. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, progressParts } from '../../src/renderer/views/progress.js';

test('durations read as h/m/s', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(42.4), '42s');
  assert.equal(formatDuration(185), '3m 05s');
  assert.equal(formatDuration(3720), '1h 02m');
  assert.equal(formatDuration(-5), '0s');
});

test('absent values are left out; ETA only while running', () => {
  assert.deepEqual(progressParts({ step: 3, totalSteps: 10, epoch: 1, state: 'running' }), [
    'step 3/10',
    'epoch 1',
  ]);
  const full = { step: 3, totalSteps: 10, epoch: 1, loss: 0.5, devF1: 70, examplesPerSec: 9.87, etaSec: 61 };
  assert.deepEqual(progressParts({ ...full, state: 'running' }), [
    'step 3/10',
    'epoch 1',
    'loss 0.5000',
    'dev F1 70.00%',
    '9.9 ex/s',
    'ETA 1m 01s',
  ]);
  assert.ok(!progressParts({ ...full, state: 'cancelled' }).some((s) => s.startsWith('ETA')));
});
