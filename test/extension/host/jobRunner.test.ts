import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import type { TrainEvent } from '../../../src/core/run/events.js';
import { generateSample } from '../../../src/core/sample/generate.js';
import { writeSample } from '../../../src/core/sample/write.node.js';
import {
  cleanLine,
  describeTrainProgress,
  FileTail,
  foldTrainEvents,
  type Job,
  type JobProgress,
  startJob,
} from '../../../src/extension/host/jobRunner.js';
import { adaptReportHtml } from '../../../src/extension/host/reportHtml.js';

const root = mkdtempSync(join(tmpdir(), 'mmner-job-runner-'));
const jobs: Job[] = [];
after(() => {
  for (const j of jobs) j.kill();
  rmSync(root, { recursive: true, force: true });
});

const t = 0;
const step = (n: number): TrainEvent => ({
  type: 'step',
  time: t,
  step: n,
  epoch: 0,
  loss: { total: 1 },
  lr: 1e-3,
  gradNorm: 1,
  examplesPerSec: 10,
  etaSec: 5,
});

test('training progress: steps of the total, dev F1 after an evaluation, resume starts at its step', () => {
  let s = foldTrainEvents({}, [
    { type: 'runStart', time: t, startStep: 0, totalSteps: 50, batchesPerEpoch: 10 },
    step(1),
    step(2),
  ]);
  assert.deepEqual(describeTrainProgress(s), { message: 'step 2/50', fraction: 0.04 });
  s = foldTrainEvents(s, [
    step(10),
    { type: 'eval', time: t, step: 10, epoch: 0, split: 'dev', f1: 61.26, best: true },
  ]);
  assert.deepEqual(describeTrainProgress(s), { message: 'step 10/50 · dev F1 61.3', fraction: 0.2 });
  assert.equal(s.bestF1, 61.26);
  s = foldTrainEvents(s, [
    { type: 'interrupted', time: t, step: 10, checkpoint: 'checkpoints/step-10.safetensors' },
    { type: 'runEnd', time: t, step: 10, reason: 'interrupted', elapsedSec: 3 },
  ]);
  assert.deepEqual([s.ended, s.checkpoint], ['interrupted', 'checkpoints/step-10.safetensors']);
  s = foldTrainEvents(s, [{ type: 'runStart', time: t, startStep: 10, totalSteps: 50, batchesPerEpoch: 10 }]);
  assert.deepEqual([s.ended, describeTrainProgress(s)?.message], [undefined, 'step 10/50 · dev F1 61.3']);
  assert.equal(describeTrainProgress({}), undefined, 'nothing to say before runStart');
});

test('stderr lines lose progress-bar redraws and colours', () => {
  assert.equal(cleanLine('\r[##--] 1/4 loss\r\x1b[K[####] 2/4 loss\x1b[K'), '[####] 2/4 loss');
  assert.equal(cleanLine('\x1b[31mmmner: E_X bad\x1b[0m  '), 'mmner: E_X bad');
});

test('FileTail returns only complete new lines, and starts over when the file shrinks', async () => {
  const file = join(root, 'tail.jsonl');
  const tail = new FileTail(file);
  assert.equal(await tail.read(), '', 'missing file: nothing yet');
  writeFileSync(file, '{"a":1}\n{"b":');
  assert.equal(await tail.read(), '{"a":1}\n');
  assert.equal(await tail.read(), '');
  await appendFile(file, '2}\n');
  assert.equal(await tail.read(), '{"b":2}\n');
  writeFileSync(file, '{"c":3}\n');
  assert.equal(await tail.read(), '{"c":3}\n');
});

/** A fake CLI: writes run events over time, logs to stderr, exits 130 on SIGINT (or ignores it). */
const FAKE_CLI = `
import { appendFileSync, mkdirSync } from 'node:fs';
const [mode, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const events = out + '/events.jsonl';
const emit = (e) => appendFileSync(events, JSON.stringify({ time: Date.now(), ...e }) + '\\n');
let n = 0;
let timer;
// The handler comes first: a test may send SIGINT as soon as events.jsonl exists.
process.on('SIGINT', () => {
  if (mode === 'stubborn') return;
  clearInterval(timer);
  emit({ type: 'checkpoint', step: n, path: 'checkpoints/step-' + n + '.safetensors', reason: 'interrupt' });
  emit({ type: 'interrupted', step: n, checkpoint: 'checkpoints/step-' + n + '.safetensors' });
  process.stdout.write('interrupted at step ' + n + '\\n');
  process.exitCode = 130;
});
process.stderr.write('backend: cpu\\n');
emit({ type: 'runStart', startStep: 0, totalSteps: 1000, batchesPerEpoch: 100 });
timer = setInterval(() => {
  n++;
  emit({ type: 'step', step: n, epoch: 0, loss: { total: 1 }, lr: 0.001, gradNorm: 1, examplesPerSec: 5, etaSec: 9 });
  if (n === 3) emit({ type: 'eval', step: 3, epoch: 0, split: 'dev', f1: 42.5, best: true });
  process.stderr.write('\\r[#---] ' + n + '/1000');
}, 20);
`;
const fakeCli = join(root, 'cli.mjs');
writeFileSync(fakeCli, FAKE_CLI);

function waitFor(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((ok, fail) => {
    const tick = () => {
      if (check()) ok();
      else if (Date.now() > until) fail(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

test('follows events.jsonl, then cancel = SIGINT: exit 130 with the checkpoint named', async () => {
  const out = join(root, 'fake-run');
  const progress: JobProgress[] = [];
  const log: string[] = [];
  const job = startJob({
    cli: fakeCli,
    args: ['polite', out],
    cwd: root,
    eventsFile: join(out, 'events.jsonl'),
    pollMs: 30,
    onProgress: (p) => progress.push(p),
    log: (l) => log.push(l),
  });
  jobs.push(job);
  await waitFor(() => progress.some((p) => /dev F1 42\.5/.test(p.message)), 'a dev F1 in the progress');
  job.cancel(5_000);
  job.cancel(4_000); // a second cancel must not send a second SIGINT
  const result = await job.done;
  assert.equal(result.code, 130);
  assert.equal(result.cancelled, true);
  assert.match(result.stdout, /^interrupted at step \d+/);
  assert.match(job.trainState.checkpoint ?? '', /^checkpoints\/step-\d+\.safetensors$/);
  const last = progress.at(-1)!;
  assert.match(last.message, /^step \d+\/1000 · dev F1 42\.5$/);
  assert.ok(last.fraction! > 0 && last.fraction! < 1);
  assert.ok(log.some((l) => l.startsWith('job: ') && l.includes('cli.mjs polite')));
  assert.ok(log.some((l) => l === 'job stderr: backend: cpu'));
  const interrupted = readFileSync(join(out, 'events.jsonl'), 'utf8').match(/"interrupted"/g) ?? [];
  assert.equal(interrupted.length, 1, 'one SIGINT, one interrupted event');
});

test('a job that ignores SIGINT is killed after the grace period', async () => {
  const out = join(root, 'stubborn-run');
  const job = startJob({
    cli: fakeCli,
    args: ['stubborn', out],
    cwd: root,
    eventsFile: join(out, 'events.jsonl'),
  });
  jobs.push(job);
  await waitFor(() => existsSync(join(out, 'events.jsonl')), 'events.jsonl');
  const started = Date.now();
  job.cancel(60_000);
  job.cancel(300); // a shorter grace brings the kill closer
  const result = await job.done;
  assert.deepEqual([result.code, result.signal, result.cancelled], [null, 'SIGKILL', true]);
  assert.ok(Date.now() - started >= 250);
});

test('without events.jsonl the stderr lines are the progress; failures keep the stderr tail', async () => {
  const script = join(root, 'fail.mjs');
  writeFileSync(
    script,
    "process.stderr.write('reading data\\n'); process.stderr.write('mmner: E_DATA bad line'); process.exit(2);",
  );
  const progress: string[] = [];
  const job = startJob({ cli: script, args: [], cwd: root, onProgress: (p) => progress.push(p.message) });
  jobs.push(job);
  const result = await job.done;
  assert.equal(result.code, 2);
  assert.equal(result.cancelled, false);
  assert.deepEqual(progress, ['reading data']);
  assert.deepEqual(result.stderrTail, ['reading data', 'mmner: E_DATA bad line']);
});

const cli = resolve(import.meta.dirname, '../../../dist/cli.js');
test('the real CLI: training cancelled after its first step exits 130 and leaves a checkpoint; resume; report', {
  skip: existsSync(cli) ? false : 'dist/cli.js is not built (node scripts/build.mjs)',
  timeout: 120_000,
}, async () => {
  const data = join(root, 'sample');
  await writeSample(data, generateSample({ seed: 3, size: 'tiny' }));
  const out = join(root, 'runs', 'cancelled');
  let cancelledAt: number | undefined;
  const job = startJob({
    cli,
    args: ['train', '--data', data, '--out', out, '--epochs', '1', '--limit', '64', '--batch-size', '4'],
    cwd: root,
    eventsFile: join(out, 'events.jsonl'),
    pollMs: 50,
    onProgress: () => {
      if (cancelledAt === undefined && (job.trainState.step ?? 0) >= 1) {
        cancelledAt = job.trainState.step;
        job.cancel(30_000);
      }
    },
  });
  jobs.push(job);
  const result = await job.done;
  assert.ok(cancelledAt !== undefined, `the job never reported a step: ${result.stderrTail.join('\n')}`);
  assert.equal(result.code, 130, result.stderrTail.join('\n'));
  assert.match(result.stdout, /interrupted at step \d+; resume with: mmner train --out/);
  assert.equal(job.trainState.ended, 'interrupted');
  const checkpoint = job.trainState.checkpoint;
  assert.ok(checkpoint, 'an interrupted event names the checkpoint');
  assert.ok(existsSync(join(out, checkpoint)), `${checkpoint} exists in the run folder`);

  // What the Train command does for an existing run: resume it; then Open Report's job.
  const resumed = startJob({
    cli,
    args: ['train', '--out', out, '--resume'],
    cwd: root,
    eventsFile: join(out, 'events.jsonl'),
  });
  jobs.push(resumed);
  const r = await resumed.done;
  assert.equal(r.code, 0, r.stderrTail.join('\n'));
  assert.equal(resumed.trainState.ended, 'completed');
  assert.ok(resumed.trainState.step! > cancelledAt!, 'it went on from the checkpoint');
  const report = startJob({ cli, args: ['report', '--run', out, '--split', 'dev'], cwd: root });
  jobs.push(report);
  const written = await report.done;
  assert.equal(written.code, 0, written.stderrTail.join('\n'));
  const baseUri = 'https://file+.vscode-resource.vscode-cdn.net/r';
  const html = adaptReportHtml(readFileSync(join(out, 'report', 'index.html'), 'utf8'), {
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    baseUri,
    nonce: 'n',
    section: 'errors',
  });
  const urls = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(
    urls.some((u) => u.startsWith(`${baseUri}/`)),
    'the report links files of its folder',
  );
  assert.deepEqual(
    urls.filter((u) => !u.startsWith(`${baseUri}/`) && !u.startsWith('data:') && !u.startsWith('#')),
    [],
    'every file reference goes through the webview',
  );
  assert.ok(html.includes('id="errors"'), 'the section the jump script looks for exists');
});
