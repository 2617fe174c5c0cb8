/**
 * Crash safety of training runs: SIGKILL at seeded random steps and in the middle of a
 * checkpoint write, resumed each time, ends with the same losses and test scores as an
 * uninterrupted run; every checkpoint left behind is readable; a full disk is a clear error that
 * keeps the last good checkpoint. Runs the built CLI (`npm test` builds it first).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Rng } from '../../src/core/random.js';
import { readEvents } from '../../src/core/run/events.js';
import { generateSample } from '../../src/core/sample/generate.js';
import { writeSample } from '../../src/core/sample/write.node.js';
import { readCheckpoint } from '../../src/train/checkpoint.node.js';

const CLI = join(import.meta.dirname, '../../dist/cli.js');
const root = mkdtempSync(join(tmpdir(), 'mmner-crash-'));
const data = join(root, 'data');
const ARGS = ['--epochs', '3', '--limit', '40', '--batch-size', '8', '--checkpoint-every', '2'];
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await writeSample(data, generateSample({ seed: 5, size: 'tiny' }));
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function start(
  argv: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<Exit> } {
  const child = spawn(process.execPath, [CLI, 'train', ...argv], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

const events = (run: string) =>
  existsSync(join(run, 'events.jsonl'))
    ? readEvents(readFileSync(join(run, 'events.jsonl'), 'utf8')).events
    : [];

/** The loss of each step; a step replayed after a crash must repeat the same loss. */
function lossesByStep(run: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const e of events(run)) {
    if (e.type !== 'step') continue;
    const loss = JSON.stringify(e.loss);
    const seen = out.get(e.step);
    assert.ok(seen === undefined || seen === loss, `step ${e.step}: ${seen} then ${loss}`);
    out.set(e.step, loss);
  }
  return out;
}

/** Runs until the run has logged `step` steps, then SIGKILLs it. */
async function killAtStep(argv: string[], run: string, step: number): Promise<void> {
  const { child, done } = start(argv);
  const timer = setInterval(() => {
    if (events(run).some((e) => e.type === 'step' && e.step >= step)) child.kill('SIGKILL');
  }, 20);
  const exit = await done;
  clearInterval(timer);
  assert.equal(exit.signal, 'SIGKILL', `the run ended before step ${step}: ${exit.stderr}`);
}

function assertCheckpointsReadable(run: string): Promise<unknown[]> {
  const dir = join(run, 'checkpoints');
  return Promise.all(
    readdirSync(dir)
      .filter((f) => f.endsWith('.safetensors'))
      .map((f) => readCheckpoint(join(dir, f))),
  );
}

const testScores = (run: string) => JSON.parse(readFileSync(join(run, 'eval/test.json'), 'utf8')).metrics;

test('SIGKILL at random steps and mid-checkpoint, resumed, ends as an uninterrupted run', async () => {
  const clean = join(root, 'clean');
  const whole = await start(['--data', data, '--out', clean, ...ARGS]).done;
  assert.equal(whole.code, 0, whole.stderr);
  const reference = lossesByStep(clean);
  const total = Math.max(...reference.keys());

  const crashed = join(root, 'crashed');
  const rng = new Rng('crash-steps');
  const first = 3 + rng.int(total / 3);
  const second = first + 2 + rng.int(total / 3);
  await killAtStep(['--data', data, '--out', crashed, ...ARGS], crashed, first);
  await assertCheckpointsReadable(crashed);
  await killAtStep(['--out', crashed, '--resume'], crashed, second);
  await assertCheckpointsReadable(crashed);
  // Killed between writing a checkpoint's temp file and renaming it into place.
  const midWrite = await start(['--out', crashed, '--resume'], { MMNER_FAULT_CHECKPOINT: 'kill' }).done;
  assert.equal(midWrite.signal, 'SIGKILL', midWrite.stderr);
  assert.ok(
    readdirSync(join(crashed, 'checkpoints')).some((f) => f.endsWith('.mmner-tmp')),
    'the kill left a temp file behind',
  );
  await assertCheckpointsReadable(crashed);
  const last = await start(['--out', crashed, '--resume']).done;
  assert.equal(last.code, 0, last.stderr);

  assert.deepEqual(lossesByStep(crashed), reference);
  assert.deepEqual(testScores(crashed), testScores(clean));
  assert.ok(!readdirSync(join(crashed, 'checkpoints')).some((f) => f.endsWith('.mmner-tmp')));
  await assertCheckpointsReadable(crashed);
});

test('a full disk is a clear error that keeps the last good checkpoint; resume then finishes', async () => {
  const run = join(root, 'disk-full');
  await killAtStep(['--data', data, '--out', run, ...ARGS], run, 3);
  const before = readdirSync(join(run, 'checkpoints')).sort();
  assert.ok(
    before.some((f) => f.startsWith('step-')),
    before.join(', '),
  );
  const full = await start(['--out', run, '--resume'], { MMNER_FAULT_CHECKPOINT: 'enospc' }).done;
  assert.equal(full.code, 2, full.stderr);
  assert.match(full.stderr, /no space left on the disk to write step-\d+\.safetensors/);
  assert.match(full.stderr, /--resume/);
  // The older checkpoints are all still there and readable.
  const after = readdirSync(join(run, 'checkpoints'));
  for (const f of before) assert.ok(after.includes(f), f);
  await assertCheckpointsReadable(run);
  const done = await start(['--out', run, '--resume']).done;
  assert.equal(done.code, 0, done.stderr);
  assert.ok(existsSync(join(run, 'eval/test.json')));
});
