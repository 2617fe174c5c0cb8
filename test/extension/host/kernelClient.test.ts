import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DisplayMessage, ErrorMessage, StreamMessage } from '../../../src/core/protocol/index.js';
import { KernelClient } from '../../../src/extension/host/kernelClient.js';
import { FAKE_KERNEL } from './fakeKernel.js';

const root = mkdtempSync(join(tmpdir(), 'mmner-kernel-client-'));
const clients: KernelClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  rmSync(root, { recursive: true, force: true });
});

const kernel = join(root, 'kernel.mjs');
writeFileSync(kernel, FAKE_KERNEL);

function client(options: { script?: string; readyTimeoutMs?: number } = {}) {
  const log: string[] = [];
  const c = new KernelClient({
    script: options.script ?? kernel,
    cwd: root,
    env: { MMNER_TEST: 'env-ok' },
    interruptGraceMs: 500,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    log: (l) => log.push(l),
  });
  clients.push(c);
  return { c, log };
}

function recorder() {
  const displays: DisplayMessage[] = [];
  const streams: StreamMessage[] = [];
  const errors: ErrorMessage[] = [];
  return {
    displays,
    streams,
    errors,
    handlers: {
      onDisplay: (m: DisplayMessage) => displays.push(m),
      onStream: (m: StreamMessage) => streams.push(m),
      onError: (m: ErrorMessage) => errors.push(m),
    },
  };
}

const cell = (code: string, cellName = 'Cell 1') => ({ code, language: 'javascript' as const, cellName });

test('starts lazily, routes display/stream/done by execution id, logs stderr and strays', async () => {
  const { c, log } = client();
  assert.equal(c.pid, undefined, 'nothing runs before the first execution');
  const r = recorder();
  const { done } = c.execute(cell('echo', 'Cell 7'), r.handlers);
  const outcome = await done;
  assert.equal(outcome.status, 'ok');
  assert.deepEqual(outcome.result, [{ mime: 'text/plain', data: 'Cell 7' }]);
  assert.equal(c.ready?.version, '0.0.0-test');
  assert.deepEqual(
    r.displays.map((d) => [d.outputId, d.update ?? false, d.items[0]?.mime]),
    [
      ['o1', false, 'text/plain'],
      ['o1', true, 'image/png'],
    ],
  );
  assert.deepEqual(
    r.streams.map((s) => [s.name, s.text]),
    [
      ['stdout', 'out\n'],
      ['stderr', 'err\n'],
    ],
  );
  assert.ok(log.some((l) => l === 'kernel stderr: kernel booting'));
  assert.ok(log.some((l) => l.includes("dropped 'display' for execution x999")));
  assert.ok(log.some((l) => l.includes('not in the protocol')));
});

test('runs queued cells one after another on one process, in its cwd and env', async () => {
  const { c } = client();
  const order: string[] = [];
  const a = c.execute(cell('fail'), { onError: (e) => order.push(`error ${e.name}`) });
  const b = c.execute(cell('cwd'), { onStream: (s) => order.push(s.text) });
  const [ra, rb] = await Promise.all([a.done, b.done]);
  assert.equal(ra.status, 'error');
  assert.equal(rb.status, 'ok');
  assert.deepEqual(order, ['error TypeError', `${root} env-ok`]);
  assert.notEqual(a.id, b.id);
});

test('interrupt: a cooperative cell ends interrupted; queued cells are dropped; the kernel stays', async () => {
  const { c } = client();
  await c.start();
  const pid = c.pid;
  const slow = c.execute(cell('slow'));
  const queued = c.execute(cell('echo'));
  while (!c.busy) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await c.interrupt(), 'interrupted');
  assert.equal((await slow.done).status, 'interrupted');
  assert.equal((await slow.done).abandoned, undefined);
  const q = await queued.done;
  assert.deepEqual([q.status, q.abandoned], ['interrupted', 'cancelled']);
  assert.equal(c.pid, pid);
  assert.equal(await c.interrupt(), 'idle');
});

test('interrupt of a busy synchronous loop: killed after the grace period and restarted', async () => {
  const { c, log } = client();
  await c.start();
  const pid = c.pid;
  const hang = c.execute(cell('hang'));
  while (!c.busy) await new Promise((r) => setTimeout(r, 10));
  const started = Date.now();
  assert.equal(await c.interrupt(), 'restarted');
  assert.ok(Date.now() - started >= 450, 'waits for the grace period first');
  const outcome = await hang.done;
  assert.deepEqual([outcome.status, outcome.abandoned], ['interrupted', 'restarted']);
  assert.match(outcome.explanation ?? '', /restarted/);
  assert.ok(c.pid !== undefined && c.pid !== pid, 'a fresh kernel runs');
  assert.throws(() => process.kill(pid!, 0), 'the old process is gone');
  assert.equal((await c.execute(cell('echo')).done).status, 'ok');
  assert.ok(log.some((l) => l.includes('no answer to interrupt')));
});

test('a crash ends the running cell with an error naming the exit and stderr; the next run restarts', async () => {
  const { c, log } = client();
  const crash = await c.execute(cell('crash')).done;
  assert.deepEqual([crash.status, crash.abandoned], ['error', 'crashed']);
  assert.match(crash.explanation ?? '', /exit code 3/);
  assert.match(crash.explanation ?? '', /fatal: out of memory/);
  assert.ok(log.some((l) => l.includes('exited (exit code 3)')));
  const again = await c.execute(cell('echo')).done;
  assert.equal(again.status, 'ok');
});

test('restart ends the running cell and gives a new process', async () => {
  const { c } = client();
  await c.start();
  const pid = c.pid;
  const slow = c.execute(cell('slow'));
  while (!c.busy) await new Promise((r) => setTimeout(r, 10));
  await c.restart();
  assert.equal((await slow.done).abandoned, 'restarted');
  assert.notEqual(c.pid, pid);
});

test('a kernel that dies before ready, or never says ready, fails the cell with a clear message', async () => {
  const dying = join(root, 'dying.mjs');
  writeFileSync(dying, "process.stderr.write('Cannot find module @tensorflow/tfjs\\n'); process.exit(1);");
  const { c } = client({ script: dying });
  const outcome = await c.execute(cell('echo')).done;
  assert.deepEqual([outcome.status, outcome.abandoned], ['error', 'startFailed']);
  assert.match(outcome.explanation ?? '', /exit code 1/);
  await assert.rejects(c.start(), /exited before it was ready[\s\S]*Cannot find module/);

  const silent = join(root, 'silent.mjs');
  writeFileSync(silent, 'setInterval(() => {}, 1000);');
  const s = client({ script: silent, readyTimeoutMs: 300 });
  const timedOut = await s.c.execute(cell('echo')).done;
  assert.equal(timedOut.status, 'error');
  assert.match(timedOut.explanation ?? '', /no 'ready' within 0\.3 s/);
});

test('a kernel that ignores shutdown is killed after a short grace', async () => {
  const c = new KernelClient({ script: kernel, cwd: root, env: { FAKE_KERNEL_STUBBORN: '1' } });
  clients.push(c);
  await c.start();
  const pid = c.pid!;
  const started = Date.now();
  await c.dispose();
  assert.ok(Date.now() - started >= 900);
  assert.throws(() => process.kill(pid, 0));
});

test('a Node binary that does not exist fails the cell, and dispose does not wait for it', async () => {
  const c = new KernelClient({ script: kernel, cwd: root, execPath: join(root, 'no-such-node') });
  clients.push(c);
  const outcome = await c.execute(cell('echo')).done;
  assert.deepEqual([outcome.status, outcome.abandoned], ['error', 'startFailed']);
  assert.match(outcome.explanation ?? '', /cannot start the kernel: .*ENOENT/);
  await c.dispose();
});

test('after dispose, executions end at once and nothing restarts', async () => {
  const { c, log } = client();
  await c.start();
  const pid = c.pid!;
  await c.dispose();
  assert.throws(() => process.kill(pid, 0));
  assert.ok(
    log.some((l) => l === `kernel: pid ${pid} shut down`),
    'asked to shut down, it exits itself',
  );
  const outcome = await c.execute(cell('echo')).done;
  assert.equal(outcome.abandoned, 'cancelled');
  await assert.rejects(c.start(), /shut down/);
});
