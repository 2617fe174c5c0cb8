import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { loadDataset } from '../../../src/core/data/dataset.node.js';
import type { DatasetManifest } from '../../../src/core/data/manifest.js';
import { isMmnerError } from '../../../src/core/errors.js';
import { imageFile } from '../../../src/core/sample/files.js';
import { generateSample } from '../../../src/core/sample/generate.js';
import { IMAGE_SIZE } from '../../../src/core/sample/scenes.js';
import { writeSample } from '../../../src/core/sample/write.node.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmner-sample-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}

/** Relative path → sha256 of every file under dir. */
async function hashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of await listFiles(dir)) {
    out.set(
      f,
      createHash('sha256')
        .update(await readFile(join(dir, f)))
        .digest('hex'),
    );
  }
  return out;
}

test('the same seed writes byte-identical files; another seed other files', async () => {
  const ds = generateSample({ seed: 3, size: 'tiny' });
  await writeSample(join(root, 'a'), ds);
  await writeSample(join(root, 'b'), generateSample({ seed: 3, size: 'tiny' }), { concurrency: 1 });
  await writeSample(join(root, 'c'), generateSample({ seed: 4, size: 'tiny' }));
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((d) => hashes(join(root, d))));
  assert.equal(a!.size, 4 * (30 + 10 + 16) + 12 + 2 + 2, 'images, split files, subsets, manifest, README');
  assert.deepEqual(a, b);
  const differing = [...a!].filter(([f, h]) => c!.get(f) !== h).length;
  assert.ok(differing > a!.size * 0.9, `${differing} of ${a!.size} files differ`);
});

test('the folder is a valid dataset: manifest, files, images, subsets agree', async () => {
  const dir = join(root, 'a');
  const ds = generateSample({ seed: 3, size: 'tiny' });
  const manifest = JSON.parse(await readFile(join(dir, 'dataset.json'), 'utf8')) as DatasetManifest;
  assert.equal(manifest.name, 'mmner-sample-tiny');
  assert.deepEqual(manifest.images, { dir: 'images', missing: 'error' });
  for (const entries of Object.values(manifest.splits))
    for (const e of entries) assert.ok(existsSync(join(dir, e.file)));

  const loaded = await loadDataset(join(dir, 'dataset.json'), { mode: 'collect', checkImages: true });
  assert.deepEqual(loaded.problems, []);
  const read = Object.values(loaded.splits).flat();
  assert.equal(read.length, ds.items.length);
  const byId = new Map(read.map((s) => [s.id, s]));
  for (const it of ds.items) {
    const s = byId.get(it.sentence.id)!;
    assert.deepEqual(
      [s.lang, s.tokens, s.tags, s.image],
      [it.sentence.lang, it.sentence.tokens, it.sentence.tags, it.sentence.id],
    );
  }
  assert.deepEqual(
    loaded.subsets.ambiguous,
    ds.items.filter((it) => it.ambiguous).map((it) => it.sentence.id),
  );
  assert.deepEqual(
    loaded.subsets['unrelated-image'],
    ds.items.filter((it) => it.unrelated).map((it) => it.sentence.id),
  );
  for (const it of ds.items.slice(0, 40)) {
    const meta = await sharp(join(dir, imageFile(it.sentence.id))).metadata();
    assert.deepEqual(
      [meta.format, meta.width, meta.height, meta.channels],
      ['png', IMAGE_SIZE, IMAGE_SIZE, 3],
    );
  }
  assert.match(
    await readFile(join(dir, 'README.md'), 'utf8'),
    /^# mmner sample dataset\n[\s\S]*--seed 3 --size tiny/,
  );
  assert.match(await readFile(join(dir, 'en/train.txt'), 'utf8'), /^IMGID:en-train-000000\n\S+\t(O|B-\w+)\n/);
});

test('a non-empty folder that is not a sample is refused unless forced', async () => {
  const dir = join(root, 'user');
  await mkdir(dir);
  await writeFile(join(dir, 'notes.txt'), 'mine');
  const ds = generateSample({ seed: 1, size: 'tiny' });
  await assert.rejects(writeSample(dir, ds), (e) => {
    assert.ok(isMmnerError(e));
    assert.equal(e.code, 'E_OUT_NOT_EMPTY');
    assert.match(e.hint ?? '', /--force/);
    return true;
  });
  assert.deepEqual(await readdir(dir), ['notes.txt'], 'nothing written');
  await writeSample(dir, ds, { force: true });
  assert.equal(await readFile(join(dir, 'notes.txt'), 'utf8'), 'mine', 'other files are left alone');
  assert.ok(existsSync(join(dir, 'dataset.json')));
  await assert.rejects(writeSample(join(dir, 'notes.txt'), ds), /is a file, not a folder/);
});

test('rewriting a sample needs no --force and removes what the old one left', async () => {
  const dir = join(root, 'a');
  await writeFile(join(dir, 'images', 'en-train-999999.png'), 'stale');
  await writeFile(join(dir, 'en', '.train.txt.123-0.mmner-tmp'), 'half');
  await writeFile(join(dir, 'images', 'my-photo.png'), 'kept');
  const before = await hashes(dir);
  const result = await writeSample(dir, generateSample({ seed: 3, size: 'tiny' }));
  assert.equal(result.removed, 2);
  const after = await hashes(dir);
  assert.ok(!after.has('images/en-train-999999.png'));
  assert.ok(!after.has('en/.train.txt.123-0.mmner-tmp'));
  assert.ok(after.has('images/my-photo.png'));
  for (const [f, h] of after) if (before.has(f)) assert.equal(h, before.get(f), f);
});

test('progress is reported once per image', async () => {
  const ds = generateSample({ seed: 5, size: 'tiny' });
  const calls: [number, number][] = [];
  await writeSample(join(root, 'p'), ds, { onProgress: (d, t) => calls.push([d, t]) });
  assert.equal(calls.length, ds.items.length);
  assert.deepEqual(calls.at(-1), [ds.items.length, ds.items.length]);
});
