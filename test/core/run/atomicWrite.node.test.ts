import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  isTempFile,
  removeStaleTemps,
  writeFileAtomic,
  writeJsonAtomic,
} from '../../../src/core/run/atomicWrite.node.js';

const dir = await mkdtemp(join(tmpdir(), 'mmner-atomic-'));
after(() => rm(dir, { recursive: true, force: true }));

test('writes the whole file and leaves no temp file', async () => {
  const p = join(dir, 'a.bin');
  await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...(await readFile(p))], [1, 2, 3]);
  await writeJsonAtomic(join(dir, 'b.json'), { x: 1 });
  assert.equal(await readFile(join(dir, 'b.json'), 'utf8'), '{\n  "x": 1\n}\n');
  assert.deepEqual((await readdir(dir)).filter(isTempFile), []);
});

test('a crash between write and rename keeps the old target and removes the temp', async () => {
  const p = join(dir, 'c.json');
  await writeFileAtomic(p, 'old');
  let seen = '';
  await assert.rejects(
    writeFileAtomic(p, 'new, longer content', {
      beforeRename: async (temp) => {
        seen = await readFile(temp, 'utf8');
        throw new Error('simulated crash');
      },
    }),
    /simulated crash/,
  );
  assert.equal(seen, 'new, longer content', 'the temp file was complete before the rename');
  assert.equal(await readFile(p, 'utf8'), 'old');
  assert.deepEqual((await readdir(dir)).filter(isTempFile), []);
});

test('removeStaleTemps clears what a killed writer left, and nothing else', async () => {
  const sub = await mkdtemp(join(dir, 'stale-'));
  await writeFile(join(sub, '.x.json.123-0.mmner-tmp'), 'half');
  await writeFile(join(sub, 'x.json'), 'whole');
  assert.equal(await removeStaleTemps(sub), 1);
  assert.deepEqual(await readdir(sub), ['x.json']);
  assert.equal(await removeStaleTemps(join(dir, 'missing')), 0);
});
