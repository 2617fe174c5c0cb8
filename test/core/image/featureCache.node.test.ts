import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { MmnerError } from '../../../src/core/errors.js';
import { FeatureCache, hashFile, namespaceOf } from '../../../src/core/image/featureCache.node.js';
import { entry, KEY } from './featureCacheWriter.js';

const tmp = mkdtempSync(join(tmpdir(), 'mmner-fcache-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const WRITER = join(import.meta.dirname, 'featureCacheWriter.ts');

function writer(root: string, from: number, to: number, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, root, String(from), String(to)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; pid: number }>(
    (resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal, stderr, pid: child.pid! }));
    },
  );
}

/** Every file under `dir`, relative. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

test('put/get round trip, misses, and a key per (content, encoder, preprocessing)', async () => {
  const root = join(tmp, 'basic');
  const cache = await FeatureCache.open(root, KEY);
  const e = entry(1);
  assert.equal(await cache.get(e.hash), undefined);
  await cache.put(e.hash, e.features, 'a.jpg');
  assert.deepEqual(await cache.get(e.hash), e.features);
  await cache.flush();
  const index = JSON.parse(readFileSync(join(cache.dir, 'index.json'), 'utf8'));
  assert.deepEqual(index.shape, [4, 8]);
  assert.deepEqual(index.entries[e.hash], { source: 'a.jpg' });
  assert.deepEqual(cache.stats(), { hits: 1, misses: 1, writes: 1, damaged: 0 });
  // Another encoder, preprocessing or shape is another namespace: nothing carries over.
  for (const other of [
    { ...KEY, encoder: 'other' },
    { ...KEY, preprocessing: 'other' },
    { ...KEY, shape: [32] },
  ]) {
    assert.notEqual(namespaceOf(other), namespaceOf(KEY));
    assert.equal(await (await FeatureCache.open(root, other)).get(e.hash), undefined);
  }
  await assert.rejects(cache.put(e.hash, new Float32Array(3)), /3 floats/);
  await assert.rejects(
    FeatureCache.open(root, { ...KEY, shape: [0] }),
    (err: MmnerError) => err.code === 'E_FEATURE_CACHE',
  );
});

test('getOrCompute computes only what is missing; a changed file is a miss', async () => {
  const root = join(tmp, 'compute');
  const a = join(tmp, 'a.bin');
  const b = join(tmp, 'b.bin');
  writeFileSync(a, 'image a');
  writeFileSync(b, 'image b');
  const cache = await FeatureCache.open(root, { ...KEY, shape: [2] });
  const seen: string[][] = [];
  const compute = async (paths: string[]) => {
    seen.push(paths);
    return paths.map((p) => Float32Array.of(p.length, readFileSync(p).length));
  };
  const first = await cache.getOrCompute([a, b, a], compute);
  // a appears twice but was missing both times in the same call: computed in one call with b.
  assert.deepEqual(seen, [[a, b, a]]);
  assert.deepEqual(first[1], Float32Array.of(b.length, 7));
  seen.length = 0;
  await cache.getOrCompute([a, b], compute);
  assert.deepEqual(seen, []);
  writeFileSync(b, 'image b, edited');
  await cache.getOrCompute([a, b], compute);
  assert.deepEqual(seen, [[b]]);
  assert.notEqual(await hashFile(a), await hashFile(b));
});

test('a damaged entry is a miss, not garbage', async () => {
  const cache = await FeatureCache.open(join(tmp, 'damaged'), KEY);
  const e = entry(2);
  await cache.put(e.hash, e.features);
  const file = join(cache.dir, e.hash.slice(0, 2), `${e.hash}.f32`);
  writeFileSync(file, readFileSync(file).subarray(0, 40));
  assert.equal(await cache.get(e.hash), undefined);
  assert.equal(cache.stats().damaged, 1);
  await cache.put(e.hash, e.features);
  assert.deepEqual(await cache.get(e.hash), e.features);
});

test('two processes writing the same cache at once: every entry whole, the index complete', async () => {
  const root = join(tmp, 'concurrent');
  // Overlapping ranges (100..199 written by both), started at the same moment once both are up.
  const at = { MMNER_TEST_START_AT: String(Date.now() + 4000) };
  const [p1, p2] = await Promise.all([writer(root, 0, 200, at), writer(root, 100, 300, at)]);
  assert.equal(p1.code, 0, p1.stderr);
  assert.equal(p2.code, 0, p2.stderr);
  const cache = await FeatureCache.open(root, KEY);
  for (let i = 0; i < 300; i++) {
    const e = entry(i);
    assert.deepEqual(await cache.get(e.hash), e.features, `entry ${i}`);
  }
  const index = JSON.parse(readFileSync(join(cache.dir, 'index.json'), 'utf8'));
  assert.equal(Object.keys(index.entries).length, 300);
  assert.deepEqual(
    walk(cache.dir).filter((f) => f.endsWith('.mmner-tmp') || f.endsWith('.lock')),
    [],
  );
});

test('a writer killed mid-write leaves whole entries only; the next open cleans up', async () => {
  const root = join(tmp, 'killed');
  // The 5th put truncates its temp file to a few bytes, then the process is SIGKILLed before the rename.
  const r = await writer(root, 0, 10, { MMNER_FAULT_FEATURE_CACHE: 'kill:5' });
  assert.equal(r.signal, 'SIGKILL', `exit ${r.code}: ${r.stderr}`);
  const dir = join(root, namespaceOf(KEY));
  const temps = walk(dir).filter((f) => f.endsWith('.mmner-tmp'));
  assert.equal(temps.length, 1, 'the half-written temp file is left behind, under a temp name');
  const cache = await FeatureCache.open(root, KEY);
  assert.equal(existsSync(temps[0]!), false, 'open() removed the dead writer’s temp file');
  for (let i = 0; i < 4; i++)
    assert.deepEqual(await cache.get(entry(i).hash), entry(i).features, `entry ${i}`);
  assert.equal(await cache.get(entry(4).hash), undefined, 'the killed write is a clean miss');
  assert.equal(cache.stats().damaged, 0);
  // The index missed the unflushed entries; reindex() rebuilds it from the files.
  assert.equal(await cache.reindex(), 4);
  // A lock left by a dead process is taken over.
  writeFileSync(join(dir, 'index.lock'), String(r.pid));
  await cache.flush();
  assert.equal(existsSync(join(dir, 'index.lock')), false);
  // A second run completes the cache.
  const again = await writer(root, 0, 10);
  assert.equal(again.code, 0, again.stderr);
  for (let i = 0; i < 10; i++) assert.deepEqual(await cache.get(entry(i).hash), entry(i).features);
});
