import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmnerError } from '../../src/core/errors.js';
import {
  captureCheckpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  restoreCheckpoint,
} from '../../src/train/checkpoint.js';
import {
  BEST_CHECKPOINT,
  latestValidCheckpoint,
  listCheckpoints,
  readCheckpoint,
  saveCheckpoint,
} from '../../src/train/checkpoint.node.js';
import { AdamW } from '../../src/train/optimizer.js';

await tf.setBackend('cpu');
const dir = await mkdtemp(join(tmpdir(), 'mmner-ckpt-'));
after(() => rm(dir, { recursive: true, force: true }));

let n = 0;
function model(seedValue: number) {
  return new Map([
    ['dense.kernel', tf.variable(tf.randomNormal([3, 2], 0, 1, 'float32', seedValue), true, `ck${n++}`)],
    ['dense.bias', tf.variable(tf.tensor1d([0.1, -0.2]), true, `ck${n++}`)],
  ]);
}

async function trainedState(step: number) {
  const vars = model(1);
  const opt = new AdamW();
  tf.tidy(() => opt.step(vars, new Map([...vars].map(([k, v]) => [k, tf.onesLike(v)])), 0.1));
  const ckpt = await captureCheckpoint({
    variables: vars,
    optimizer: opt,
    step,
    sampler: { seed: 's', epoch: 1, position: 2 },
    loop: { bestF1: 0.5, bestStep: 3, evalsSinceBest: 1 },
    extra: { preset: 'tiny' },
  });
  return { vars, opt, ckpt };
}

test('round trip is exact: variables, moments, steps, sampler, loop state, extra', async () => {
  const { vars, opt, ckpt } = await trainedState(7);
  const path = await saveCheckpoint(dir, ckpt);
  assert.equal(path, join(dir, 'step-00000007.safetensors'));
  const back = await readCheckpoint(path);
  assert.deepEqual(back.state, ckpt.state);
  assert.deepEqual(back.optimizer.steps, { 'dense.kernel': 1, 'dense.bias': 1 });
  for (const [k, a] of ckpt.variables) assert.deepEqual(back.variables.get(k), a);
  for (const [k, a] of ckpt.optimizer.m) assert.deepEqual(back.optimizer.m.get(k), a);
  for (const [k, a] of ckpt.optimizer.v) assert.deepEqual(back.optimizer.v.get(k), a);

  const fresh = model(99);
  const opt2 = new AdamW();
  restoreCheckpoint(back, fresh, opt2);
  for (const [k, v] of vars) assert.deepEqual(fresh.get(k)!.dataSync(), v.dataSync());
  assert.deepEqual(await opt2.exportState(), await opt.exportState());
  tf.dispose([...vars.values(), ...fresh.values()]);
  opt.dispose();
  opt2.dispose();
});

test('restore lists every mismatch at once', async () => {
  const { vars, opt, ckpt } = await trainedState(1);
  const other = new Map([
    ['dense.kernel', tf.variable(tf.zeros([4, 2]), true, `ck${n++}`)],
    ['head.kernel', tf.variable(tf.zeros([2]), true, `ck${n++}`)],
  ]);
  assert.throws(
    () => restoreCheckpoint(ckpt, other, undefined, 'x.safetensors'),
    (e) =>
      isMmnerError(e) &&
      e.code === 'E_CHECKPOINT_MISMATCH' &&
      e.message.includes('"dense.kernel": checkpoint [3,2], model [4,2]') &&
      e.message.includes('missing in checkpoint: "head.kernel"') &&
      e.message.includes('not in the model: "dense.bias"'),
  );
  tf.dispose([...vars.values(), ...other.values()]);
  opt.dispose();
});

test('any flipped byte or truncation is detected by the digest or the format', async () => {
  const { vars, opt, ckpt } = await trainedState(2);
  const bytes = await encodeCheckpoint(ckpt);
  await decodeCheckpoint(bytes, 'ok');
  const corrupt = (e: unknown) => isMmnerError(e) && e.code === 'E_CHECKPOINT_CORRUPT';
  for (const at of [bytes.length - 1, bytes.length - 200, 20]) {
    const bad = bytes.slice();
    bad[at]! ^= 0x01;
    await assert.rejects(decodeCheckpoint(bad, 'bad'), corrupt, `byte ${at}`);
  }
  await assert.rejects(decodeCheckpoint(bytes.slice(0, bytes.length - 4), 't'), corrupt);
  await assert.rejects(decodeCheckpoint(bytes.slice(0, 5), 't'), corrupt);
  tf.dispose([...vars.values()]);
  opt.dispose();
});

test('keeps the last K; a corrupt newest falls back to the previous one with a message', async () => {
  const sub = await mkdtemp(join(dir, 'keep-'));
  const { vars, opt, ckpt } = await trainedState(0);
  for (const step of [10, 20, 30, 40])
    await saveCheckpoint(sub, { ...ckpt, state: { ...ckpt.state, step } }, { keep: 2 });
  await saveCheckpoint(sub, ckpt, { name: BEST_CHECKPOINT, keep: 2 });
  assert.deepEqual((await readdir(sub)).sort(), [
    BEST_CHECKPOINT,
    'step-00000030.safetensors',
    'step-00000040.safetensors',
  ]);
  const newest = join(sub, 'step-00000040.safetensors');
  const bytes = await readFile(newest);
  await writeFile(newest, bytes.subarray(0, bytes.length >> 1)); // truncated
  const messages: string[] = [];
  const found = await latestValidCheckpoint(sub, (m) => messages.push(m));
  assert.equal(found?.path, join(sub, 'step-00000030.safetensors'));
  assert.equal(found?.checkpoint.state.step, 30);
  assert.deepEqual(found?.skipped, [newest]);
  assert.equal(messages.length, 1);
  assert.match(messages[0]!, /step-00000040\.safetensors: checkpoint is damaged: .*; using .*step-00000030/);

  await writeFile(join(sub, 'step-00000030.safetensors'), 'garbage');
  const none: string[] = [];
  assert.equal(await latestValidCheckpoint(sub, (m) => none.push(m)), undefined);
  assert.equal(none.length, 2);
  assert.deepEqual(await listCheckpoints(join(sub, 'missing')), []);
  tf.dispose([...vars.values()]);
  opt.dispose();
});
