import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMmnerError } from '../../../src/core/errors.js';
import { formatEvent, readEvents, type TrainEvent } from '../../../src/core/run/events.js';

const step: TrainEvent = {
  type: 'step',
  time: 1,
  step: 1,
  epoch: 0,
  loss: { crf: 2, total: 2 },
  lr: 1e-3,
  gradNorm: 0.5,
  examplesPerSec: 10,
  etaSec: 3,
};
const end: TrainEvent = { type: 'runEnd', time: 2, step: 1, reason: 'completed', elapsedSec: 1 };

test('round trip of whole lines', () => {
  const r = readEvents(formatEvent(step) + formatEvent(end));
  assert.deepEqual(r, { events: [step, end], torn: false });
});

test('a torn last line is skipped and reported', () => {
  const text = formatEvent(step) + formatEvent(end).slice(0, 20);
  const r = readEvents(text);
  assert.equal(r.torn, true);
  assert.deepEqual(r.events, [step]);
});

test('a damaged line in the middle is an error with its line number; unknown types are left out', () => {
  const text = `${formatEvent(step)}{"type":"future","x":1}\n{oops\n${formatEvent(end)}`;
  assert.throws(
    () => readEvents(text, 'runs/a/events.jsonl'),
    (e) => isMmnerError(e) && e.code === 'E_EVENTS_LINE' && e.line === 3 && e.file === 'runs/a/events.jsonl',
  );
  assert.deepEqual(readEvents(`${formatEvent(step)}{"type":"future"}\n`).events, [step]);
});
