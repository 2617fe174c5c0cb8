/**
 * Interrupts and shutdown: an awaiting cell answers `interrupted` at once and the queue behind it
 * is dropped; a training stops at a checkpoint; `shutdown` exits 0.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MIME, type ProgressPayload } from '../../../src/core/protocol/mime.js';
import { readEvents } from '../../../src/core/run/events.js';
import { KernelClient, plain } from './client.js';

const root = mkdtempSync(join(tmpdir(), 'mmner-kernel-life-'));
const kernels: KernelClient[] = [];
const start = (cwd = root) => {
  const k = new KernelClient({ cwd });
  kernels.push(k);
  return k;
};
after(() => {
  for (const k of kernels) k.kill();
  rmSync(root, { recursive: true, force: true });
});

/** Submits a cell that prints `started` first, and resolves once it did. */
async function startCell(kernel: KernelClient, code: string): Promise<string> {
  const id = kernel.submit(`console.log("started");\n${code}`);
  await kernel.waitFor((m) => m.type === 'stream' && m.id === id && m.text === 'started\n');
  return id;
}

test('interrupt ends an awaiting cell at once, drops the queue, and keeps the state', async () => {
  const kernel = start();
  await kernel.run('const kept = "still here";');
  const stuck = await startCell(kernel, 'await new Promise((r) => setTimeout(r, 10_000));\nvar after = 1;');
  const queued = kernel.submit('var queuedRan = true;');
  const sent = Date.now();
  kernel.post({ type: 'interrupt' });
  const [a, b] = await Promise.all([kernel.result(stuck), kernel.result(queued)]);
  assert.ok(Date.now() - sent < 2000, `${Date.now() - sent} ms`);
  assert.equal(a.done.status, 'interrupted');
  assert.equal(b.done.status, 'interrupted');
  assert.equal(a.messages.filter((m) => m.type === 'error').length, 0);
  const r = await kernel.run('[kept, typeof queuedRan]');
  assert.equal(plain(r.done.result), "[ 'still here', 'undefined' ]");
});

test('mmner.sleep and mmner.signal see the interrupt inside the cell', async () => {
  const kernel = start();
  const id = await startCell(
    kernel,
    'try { await mmner.sleep(10_000) } catch (e) { console.log(e.name, mmner.signal.aborted) }',
  );
  kernel.post({ type: 'interrupt' });
  const r = await kernel.result(id);
  assert.equal(r.done.status, 'interrupted');
  assert.equal(r.stdout, 'started\nAbortError true\n');
});

test('an interrupt with nothing running changes nothing', async () => {
  const kernel = start();
  await kernel.ready;
  kernel.post({ type: 'interrupt' });
  assert.equal(plain((await kernel.run('1 + 1')).done.result), '2');
});

test('interrupting a training stops it at a checkpoint', async () => {
  const kernel = start();
  const sample = await kernel.run('await mmner.sample("data", { size: "tiny" });');
  assert.equal(sample.done.status, 'ok');
  const id = kernel.submit(
    'const run = await mmner.train({ data: "data", out: "runs/cut", epochs: 50, limit: 16 });',
  );
  // Wait for the first step on the live progress output, then stop.
  await kernel.waitFor(
    (m) =>
      m.type === 'display' &&
      m.id === id &&
      m.items.some((i) => i.mime === MIME.progress && (JSON.parse(i.data) as ProgressPayload).step >= 1),
  );
  kernel.post({ type: 'interrupt' });
  const r = await kernel.result(id);
  assert.equal(r.done.status, 'interrupted');
  const run = join(root, 'runs/cut');
  const checkpoints = readdirSync(join(run, 'checkpoints')).filter((f) => f.endsWith('.safetensors'));
  assert.ok(checkpoints.length > 0);
  const events = readEvents(readFileSync(join(run, 'events.jsonl'), 'utf8')).events;
  const stopped = events.find((e) => e.type === 'interrupted');
  assert.ok(stopped && stopped.type === 'interrupted' && existsSync(join(run, stopped.checkpoint)));
  assert.equal(events.at(-1)?.type, 'runEnd');
  // The progress output ends as cancelled, before `done`.
  const last = r.messages.filter((m) => m.type === 'display').at(-1)!;
  assert.equal(last.type === 'display' && JSON.parse(last.items[0]!.data).state, 'cancelled');
});

test('shutdown exits with code 0', async () => {
  const kernel = start();
  await kernel.run('setInterval(() => {}, 1000); 1');
  kernel.post({ type: 'shutdown' });
  assert.equal(await kernel.exited, 0);
});
