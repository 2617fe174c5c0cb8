import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TrainEvent } from '../../src/core/run/events.js';
import { RunDir } from '../../src/core/run/runDir.node.js';
import { fanOut, runDirLogger } from '../../src/train/events.js';

const root = await mkdtemp(join(tmpdir(), 'mmner-ev-'));
after(() => rm(root, { recursive: true, force: true }));

test('runDirLogger appends every event to events.jsonl, in order, readable back', async () => {
  const run = await RunDir.open(root, 'r1');
  const seen: string[] = [];
  const observe = fanOut([runDirLogger(run), (e) => void seen.push(e.type)]);
  const events: TrainEvent[] = [
    { type: 'runStart', time: 1, startStep: 0, totalSteps: 2, batchesPerEpoch: 2 },
    { type: 'checkpoint', time: 2, step: 2, path: 'checkpoints/step-00000002.safetensors', reason: 'final' },
    { type: 'runEnd', time: 3, step: 2, reason: 'completed', elapsedSec: 0.1 },
  ];
  for (const e of events) await observe(e);
  assert.deepEqual(seen, ['runStart', 'checkpoint', 'runEnd']);
  assert.deepEqual((await run.readEvents()).events, events);
});
