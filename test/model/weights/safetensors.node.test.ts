/**
 * Safetensors on disk: header-only open, positioned reads of one tensor's range (spied on the
 * FileHandle), sharded checkpoints through their index, model folders, and closed descriptors.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, mock, test } from 'node:test';
import type { MmnerError } from '../../../src/core/errors.js';
import { WeightsCode } from '../../../src/model/weights/safetensors.js';
import { openCheckpoint, openSafetensors } from '../../../src/model/weights/safetensors.node.js';
import { encodeSafetensors } from '../../../src/model/weights/write.js';
import { mixedTensors, rawSafetensors } from './helpers.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmner-weights-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Descriptors this process holds on files under the test folder (-1 without /proc). Only those:
 * the process's other descriptors (stdio, the loader's) may open or close meanwhile.
 */
const openFds = () => {
  if (!existsSync('/proc/self/fd')) return -1;
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(join('/proc/self/fd', fd)).startsWith(dir)) n++;
    } catch {
      // closed between the listing and the readlink: not ours to count
    }
  }
  return n;
};

test('open reads the header only; readTensor returns exact values; close releases the fd', async () => {
  const { tensors, expected } = mixedTensors();
  const path = join(dir, 'mixed.safetensors');
  await writeFile(path, encodeSafetensors(tensors, { format: 'pt' }));
  const fds = openFds();
  const f = await openSafetensors(path);
  if (fds >= 0) assert.equal(openFds(), fds + 1, 'one descriptor while open');
  const headerBytes = f.header.dataStart;
  assert.equal(f.bytesRead, headerBytes);
  assert.deepEqual(f.metadata, { format: 'pt' });
  for (const t of tensors) assert.deepEqual([...(await f.readTensor(t.name)).data], expected[t.name], t.name);
  assert.deepEqual((await f.readTensor('bf16')).shape, [2, 2]);
  await f.close();
  await f.close(); // idempotent
  assert.equal(openFds(), fds, 'fd closed');
  await assert.rejects(f.readTensor('f32'), /is closed/);
});

test('await using closes the file', async () => {
  const path = join(dir, 'using.safetensors');
  await writeFile(
    path,
    encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [1], data: new Float32Array([3]) }]),
  );
  const fds = openFds();
  {
    await using f = await openSafetensors(path);
    assert.deepEqual([...(await f.readTensor('w')).data], [3]);
  }
  assert.equal(openFds(), fds);
});

test('readTensor reads only that tensor’s byte range (no whole-file read of a 64 MB file)', async () => {
  const path = join(dir, 'big.safetensors');
  const big = 16 * 1024 * 1024; // 16 Mi floats = 64 MiB, a sparse file
  const header = {
    small: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
    big: { dtype: 'F32', shape: [big], data_offsets: [16, 16 + big * 4] },
    tail: { dtype: 'BF16', shape: [2], data_offsets: [16 + big * 4, 20 + big * 4] },
  };
  const head = rawSafetensors(header, 16);
  const dataStart = head.length - 16;
  head.set(new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer), dataStart);
  await writeFile(path, head);
  await truncate(path, dataStart + 20 + big * 4);
  const fh = await open(path, 'r');
  const proto = Object.getPrototypeOf(fh);
  await fh.close();
  const reads: { length: number; position: number }[] = [];
  const original = proto.read as (...a: unknown[]) => unknown;
  const spy = mock.method(proto, 'read', function (this: unknown, ...args: unknown[]) {
    reads.push({ length: args[2] as number, position: args[3] as number });
    return original.apply(this, args);
  });
  try {
    const f = await openSafetensors(path);
    const afterOpen = reads.reduce((s, r) => s + r.length, 0);
    assert.equal(afterOpen, dataStart, 'open reads 8 bytes + the header');
    assert.deepEqual([...(await f.readTensor('small')).data], [1, 2, 3, 4]);
    assert.deepEqual((await f.readTensor('tail')).shape, [2]);
    await f.close();
    const total = reads.reduce((s, r) => s + r.length, 0);
    assert.equal(total, dataStart + 16 + 4, `bytes read: ${total}`);
    assert.deepEqual(reads.slice(-2), [
      { length: 16, position: dataStart },
      { length: 4, position: dataStart + 16 + big * 4 },
    ]);
    assert.equal(f.bytesRead, total);
  } finally {
    spy.mock.restore();
  }
});

test('file system errors are MmnerErrors', async () => {
  await assert.rejects(openSafetensors(join(dir, 'nope.safetensors')), (e: MmnerError) => {
    assert.equal(e.code, WeightsCode.fileNotFound);
    assert.match(e.message, /no such file: .*nope\.safetensors/);
    return true;
  });
  await assert.rejects(openSafetensors(dir), { code: WeightsCode.fileUnreadable });
  const bad = join(dir, 'bad.safetensors');
  await writeFile(bad, rawSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4));
  const fds = openFds();
  await assert.rejects(openSafetensors(bad), { code: WeightsCode.byteCount });
  assert.equal(openFds(), fds, 'fd closed after a bad header');
});

async function writeSharded(root: string): Promise<string> {
  await mkdir(root, { recursive: true });
  await writeFile(
    join(root, 'model-00001-of-00002.safetensors'),
    encodeSafetensors([
      { name: 'a.weight', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) },
      { name: 'b.weight', dtype: 'F16', shape: [1], data: new Uint16Array([0x3c00]) },
    ]),
  );
  await writeFile(
    join(root, 'model-00002-of-00002.safetensors'),
    encodeSafetensors([{ name: 'c.weight', dtype: 'BF16', shape: [1, 1], data: new Uint16Array([0xc040]) }]),
  );
  const index = {
    metadata: { total_size: 14 },
    weight_map: {
      'a.weight': 'model-00001-of-00002.safetensors',
      'b.weight': 'model-00001-of-00002.safetensors',
      'c.weight': 'model-00002-of-00002.safetensors',
    },
  };
  const indexPath = join(root, 'model.safetensors.index.json');
  await writeFile(indexPath, JSON.stringify(index));
  return indexPath;
}

test('a sharded checkpoint reads each tensor from its shard, by folder or by index path', async () => {
  const root = join(dir, 'sharded');
  const indexPath = await writeSharded(root);
  for (const path of [root, indexPath]) {
    const fds = openFds();
    const cp = await openCheckpoint(path);
    assert.equal(cp.path, indexPath);
    assert.equal(cp.files.length, 2);
    assert.deepEqual(cp.names(), ['a.weight', 'b.weight', 'c.weight']);
    assert.deepEqual(cp.metadata, { total_size: '14' });
    assert.equal(cp.fileOf('c.weight'), join(root, 'model-00002-of-00002.safetensors'));
    assert.deepEqual(cp.info('c.weight')?.shape, [1, 1]);
    assert.deepEqual([...(await cp.readTensor('a.weight')).data], [1, 2]);
    assert.deepEqual([...(await cp.readTensor('b.weight')).data], [1]);
    assert.deepEqual([...(await cp.readTensor('c.weight')).data], [-3]);
    await assert.rejects(cp.readTensor('d.weight'), { code: WeightsCode.noTensor });
    await cp.close();
    assert.equal(openFds(), fds);
  }
});

test('a broken index: bad JSON, a missing shard, a name not in its shard', async () => {
  const root = join(dir, 'broken');
  const indexPath = await writeSharded(root);
  await writeFile(indexPath, '{"weight_map": ');
  await assert.rejects(
    openCheckpoint(indexPath),
    (e: MmnerError) => e.code === WeightsCode.index && /not valid JSON/.test(e.message),
  );
  await writeFile(
    indexPath,
    JSON.stringify({ weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', x: 'gone.safetensors' } }),
  );
  await assert.rejects(openCheckpoint(indexPath), (e: MmnerError) => {
    assert.equal(e.code, WeightsCode.fileNotFound);
    assert.match(e.detail, /1 of 2 shard files named in the index are missing: "gone\.safetensors"/);
    return true;
  });
  await writeFile(
    indexPath,
    JSON.stringify({
      weight_map: {
        'a.weight': 'model-00001-of-00002.safetensors',
        'c.weight': 'model-00001-of-00002.safetensors',
      },
    }),
  );
  const fds = openFds();
  await assert.rejects(openCheckpoint(indexPath), (e: MmnerError) => {
    assert.equal(e.code, WeightsCode.index);
    assert.match(
      e.detail,
      /1 tensors of the weight_map are not in the shard it names: "c\.weight" → "model-00001-of-00002\.safetensors"/,
    );
    return true;
  });
  assert.equal(openFds(), fds, 'opened shards closed after the error');
  await writeFile(indexPath, JSON.stringify({ metadata: {} }));
  await assert.rejects(openCheckpoint(indexPath), /no "weight_map" object/);
});

test('a model folder: model.safetensors is found; a PyTorch-only folder is explained', async () => {
  const root = join(dir, 'folder');
  await mkdir(root);
  await writeFile(
    join(root, 'model.safetensors'),
    encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [1], data: new Float32Array([5]) }]),
  );
  const cp = await openCheckpoint(root);
  assert.deepEqual([...(await cp.readTensor('w')).data], [5]);
  await cp.close();
  const torch = join(dir, 'torch');
  await mkdir(torch);
  await writeFile(join(torch, 'pytorch_model.bin'), 'x');
  await writeFile(join(torch, 'config.json'), '{}');
  await assert.rejects(openCheckpoint(torch), (e: MmnerError) => {
    assert.equal(e.code, WeightsCode.noCheckpoint);
    assert.match(
      e.detail,
      /no model\.safetensors or model\.safetensors\.index\.json in torch\/ \(found "pytorch_model\.bin", which mmner does not read\)/,
    );
    assert.match(e.hint!, /safe_serialization=True/);
    return true;
  });
  await assert.rejects(openCheckpoint(join(dir, 'absent')), { code: WeightsCode.fileNotFound });
});
