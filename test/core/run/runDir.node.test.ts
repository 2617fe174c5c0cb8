import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isMmnerError } from '../../../src/core/errors.js';
import { checkSafeName } from '../../../src/core/run/names.js';
import { RunDir } from '../../../src/core/run/runDir.node.js';

const root = await mkdtemp(join(tmpdir(), 'mmner-runs-'));
after(() => rm(root, { recursive: true, force: true }));

const unsafe = (e: unknown) => isMmnerError(e) && e.code === 'E_UNSAFE_NAME';

test('run names that could leave the runs folder are rejected', async () => {
  for (const bad of ['..', '.', '../x', 'a/b', 'a\\b', '/etc', 'C:\\x', '', '.hidden', 'a..b', 'x\0', 'é']) {
    await assert.rejects(RunDir.open(root, bad), unsafe, JSON.stringify(bad));
  }
  assert.equal(checkSafeName('tiny-en_1.2', 'run name'), 'tiny-en_1.2');
  assert.deepEqual(await readdir(root), [], 'nothing was created');
});

test('split and file names are checked too', async () => {
  const run = await RunDir.open(root, 'names');
  await assert.rejects(run.writeEval('../../x', {}), unsafe);
  assert.throws(() => run.file('..', 'x'), unsafe);
  assert.throws(() => run.relative(join(root, 'other', 'f')), /outside/);
});

test('config, eval and the folder layout', async () => {
  const run = await RunDir.open(root, 'layout');
  await run.writeConfig({ preset: 'tiny' });
  await run.writeEval('dev', { f1: 0.5 });
  assert.deepEqual(await run.readConfig(), { preset: 'tiny' });
  assert.deepEqual(await run.readEval('dev'), { f1: 0.5 });
  assert.equal(await run.readEval('test'), undefined);
  assert.deepEqual((await readdir(run.path)).sort(), ['checkpoints', 'config.json', 'eval']);
  assert.equal(run.relative(join(run.checkpointsDir, 'a')), 'checkpoints/a');
  const again = await RunDir.open(root, 'layout', { create: false });
  assert.deepEqual(await again.readConfig(), { preset: 'tiny' });
  await assert.rejects(RunDir.open(root, 'missing', { create: false }), /no run "missing"/);
});

test('events append in order, survive close/reopen, and a stale temp is cleared on open', async () => {
  const run = await RunDir.open(root, 'events');
  const ev = (step: number) => ({
    type: 'runEnd' as const,
    time: 0,
    step,
    reason: 'completed' as const,
    elapsedSec: 0,
  });
  await Promise.all([run.appendEvent(ev(1)), run.appendEvent(ev(2))]);
  await run.syncEvents();
  await run.close();
  await run.appendEvent(ev(3));
  await run.close();
  assert.deepEqual(
    (await run.readEvents()).events.map((e) => (e.type === 'runEnd' ? e.step : -1)),
    [1, 2, 3],
  );
  assert.equal((await readFile(run.file('events.jsonl'), 'utf8')).split('\n').length, 4);
  await writeFile(join(run.checkpointsDir, '.step-1.safetensors.9-9.mmner-tmp'), 'x');
  await RunDir.open(root, 'events');
  assert.deepEqual(await readdir(run.checkpointsDir), []);
});
