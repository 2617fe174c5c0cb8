import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { imageIdOfFileName } from '../../../src/core/data/images.js';
import {
  checkImages,
  imageProblem,
  indexImageFolder,
  reportMissingFolder,
  resolveImages,
} from '../../../src/core/data/images.node.js';
import { ProblemCollector } from '../../../src/core/data/problems.js';
import type { Sentence } from '../../../src/core/types.js';
import { codesAt, tempDir } from './helpers.js';

async function pngBytes(): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 200, g: 20, b: 20 } } })
    .png()
    .toBuffer();
}

test('image ids keep their own dots and commas; only a known extension comes off', () => {
  assert.deepEqual(imageIdOfFileName('03433732---81KcMoDB8YL._SR500,500_.jpg'), {
    id: '03433732---81KcMoDB8YL._SR500,500_',
    ext: 'jpg',
  });
  assert.deepEqual(imageIdOfFileName('1015799.JPEG'), { id: '1015799', ext: 'jpeg' });
  assert.deepEqual(imageIdOfFileName('a.b.TIFF'), { id: 'a.b', ext: 'tiff' });
  assert.equal(imageIdOfFileName('notes.txt'), undefined);
  assert.equal(imageIdOfFileName('.jpg'), undefined);
  assert.equal(imageIdOfFileName('noext'), undefined);
});

test('indexing a folder: any common extension, the first of the list wins a tie', async () => {
  const dir = tempDir();
  for (const f of ['1015799.JPG', 'x._SR500,500_.png', 'dup.png', 'dup.jpg', 'readme.md']) {
    writeFileSync(join(dir, f), 'x');
  }
  const problems = new ProblemCollector('collect');
  const index = await indexImageFolder(dir, problems);
  assert.deepEqual([...index.byId.keys()].sort(), ['1015799', 'dup', 'x._SR500,500_']);
  assert.equal(index.byId.get('dup'), join(dir, 'dup.jpg'));
  assert.deepEqual(codesAt(problems.finish()), ['W_DATA_IMAGE_AMBIGUOUS@-']);
  assert.equal((await indexImageFolder(join(dir, 'nope'))).exists, false);
});

const sentence = (id: string, line: number, image: string | null = id): Sentence => ({
  id,
  lang: 'en',
  tokens: ['a'],
  tags: ['O'],
  ...(image !== null ? { image } : {}),
  source: { file: 'train.txt', line },
});

test('policy blank counts missing images; policy error names the sentence and the folder', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.jpg'), 'x');
  const index = await indexImageFolder(dir);
  const sentences = [sentence('a', 1), sentence('b', 4), sentence('c', 7, null)];
  const blank = new ProblemCollector('collect');
  const counts = resolveImages(sentences, index, 'blank', blank);
  assert.deepEqual(
    { ...counts, paths: [...counts.paths] },
    { found: 1, blank: 1, none: 1, paths: [['a', join(dir, 'a.jpg')]] },
  );
  assert.deepEqual(codesAt(blank.finish()), ['W_DATA_IMAGE_BLANK@4']);
  assert.throws(
    () => resolveImages(sentences, index, 'error', new ProblemCollector('throw')),
    (e: Error & { code?: string }) =>
      e.code === 'E_DATA_IMAGE_MISSING' && e.message.startsWith('train.txt:4: ') && e.message.includes(dir),
  );
});

test('a missing image folder is reported once: an error or, under blank, a warning', async () => {
  const index = await indexImageFolder('/nonexistent/images');
  const problems = new ProblemCollector('collect');
  reportMissingFolder(index, 'error', 3, problems, { file: 'dataset.json', line: 6 });
  reportMissingFolder(index, 'blank', 3, problems, { file: 'dataset.json', line: 6 });
  reportMissingFolder(index, 'error', 0, problems, { file: 'dataset.json', line: 6 });
  assert.deepEqual(codesAt(problems.finish()), ['E_DATA_IMAGE_DIR@6', 'W_DATA_IMAGE_DIR_MISSING@6']);
  const counts = resolveImages([sentence('a', 1)], index, 'blank', new ProblemCollector('collect'));
  assert.equal(counts.blank, 1);
});

test('checkImages decodes each image: truncated, random and empty files are errors with both places', async () => {
  const dir = tempDir();
  const png = await pngBytes();
  mkdirSync(join(dir, 'folder.jpg'));
  const files: Record<string, Uint8Array> = {
    'good.png': png,
    'cut.png': png.subarray(0, Math.floor(png.length / 2)),
    'noise.jpg': new Uint8Array(300).map((_, i) => (i * 37) % 256),
    'empty.webp': new Uint8Array(0),
  };
  for (const [f, b] of Object.entries(files)) writeFileSync(join(dir, f), b);
  assert.equal(await imageProblem(join(dir, 'good.png')), undefined);
  const problems = new ProblemCollector('collect');
  const names = ['good.png', 'cut.png', 'noise.jpg', 'empty.webp', 'folder.jpg'];
  const result = await checkImages(
    names.map((f, i) => ({ path: join(dir, f), file: 'train.txt', line: 10 * (i + 1) })),
    problems,
    2,
  );
  assert.deepEqual(result, { checked: 5, bad: 4 });
  const found = problems.finish();
  assert.deepEqual(codesAt(found).sort(), [
    'E_DATA_IMAGE_CORRUPT@20',
    'E_DATA_IMAGE_CORRUPT@30',
    'E_DATA_IMAGE_CORRUPT@40',
    'E_DATA_IMAGE_CORRUPT@50',
  ]);
  assert.ok(found.every((p) => p.file === 'train.txt' && p.message.includes(dir)));
});
