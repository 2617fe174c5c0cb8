import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { findManifest, loadDataset } from '../../../src/core/data/dataset.node.js';
import { codesAt, errorsOf, tempDir } from './helpers.js';

const TINY = resolve(import.meta.dirname, '../../fixtures/data/tiny');

/** A writable copy of the tiny fixture, with `edit` applied to its manifest. */
function tinyCopy(edit: (m: Record<string, unknown>) => void = () => {}): string {
  const dir = join(tempDir(), 'tiny');
  cpSync(TINY, dir, { recursive: true });
  const m = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8'));
  edit(m);
  writeFileSync(join(dir, 'dataset.json'), JSON.stringify(m, null, 2));
  return dir;
}

test('loads every split in four languages, maps OTHER→MISC, resolves subsets, counts blank images', async () => {
  const manifest = await findManifest(TINY);
  assert.equal(manifest, join(TINY, 'dataset.json'));
  const ds = await loadDataset(manifest!);
  assert.deepEqual(Object.keys(ds.splits), ['train', 'test']);
  assert.deepEqual(ds.stats.train!.languages, { en: 3, de: 2 });
  assert.deepEqual(ds.stats.test!.languages, { fr: 2, es: 2 });
  const louvre = ds.splits.train!.find((s) => s.id === 'en-3')!;
  assert.deepEqual(louvre.tags, ['O', 'B-MISC', 'I-MISC']);
  assert.deepEqual(louvre.source, { file: join(TINY, 'en.train.txt'), line: 12 });
  assert.equal(ds.splits.train!.find((s) => s.lang === 'de')!.id, 'de.train.conll:3');
  assert.deepEqual(ds.splits.test!.find((s) => s.lang === 'es')!.tokens, ['Madrid', 'gana']);
  assert.deepEqual(ds.subsets.ambiguous, ['en-1', '03433732---81KcMoDB8YL._SR500,500_', 'fr-2']);
  assert.deepEqual(ds.stats.train!.images, { found: 0, blank: 3, none: 2 });
  assert.deepEqual(ds.stats.test!.images, { found: 0, blank: 1, none: 3 });
  assert.deepEqual(codesAt(ds.problems), [`W_DATA_IMAGE_DIR_MISSING@7`]);
});

test('images are found by id with any common extension, and decoded on request', async () => {
  const dir = tinyCopy();
  mkdirSync(join(dir, 'images'));
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#08f' } })
    .png()
    .toBuffer();
  writeFileSync(join(dir, 'images', 'en-1.PNG'), png);
  writeFileSync(join(dir, 'images', '03433732---81KcMoDB8YL._SR500,500_.jpg'), png.subarray(0, 20));
  const ds = await loadDataset(join(dir, 'dataset.json'), { mode: 'collect', checkImages: true });
  assert.deepEqual(ds.stats.train!.images, { found: 2, blank: 1, none: 2 });
  assert.equal(ds.imagePaths.get('en-1'), join(dir, 'images', 'en-1.PNG'));
  const corrupt = errorsOf(ds.problems);
  assert.deepEqual(codesAt(corrupt), ['E_DATA_IMAGE_CORRUPT@7']);
  assert.equal(corrupt[0]!.file, join(dir, 'en.train.txt'));
  assert.match(corrupt[0]!.message, /_SR500,500_\.jpg cannot be read/);
});

test('policy error: a missing image stops loading, naming the sentence and the folder', async () => {
  const dir = tinyCopy((m) => {
    m.images = { dir: 'images', missing: 'error' };
  });
  mkdirSync(join(dir, 'images'));
  await assert.rejects(loadDataset(join(dir, 'dataset.json')), (e: Error & { code?: string }) => {
    return (
      e.code === 'E_DATA_IMAGE_MISSING' &&
      e.message.startsWith(`${join(dir, 'en.train.txt')}:1: `) &&
      e.message.includes(join(dir, 'images'))
    );
  });
});

test('manifest problems: missing files at their manifest line, duplicate ids across files, unknown subset ids', async () => {
  const dir = tinyCopy((m) => {
    const splits = m.splits as Record<string, unknown[]>;
    splits.train!.push({ lang: 'en', file: 'nope.txt', format: 'imgid-conll' });
    splits.train!.push({ lang: 'en', file: 'en.train.txt', format: 'imgid-conll' });
  });
  writeFileSync(join(dir, 'ambiguous.ids'), 'en-1\nnot-an-id\n');
  const ds = await loadDataset(join(dir, 'dataset.json'), { mode: 'collect' });
  const errors = errorsOf(ds.problems);
  assert.deepEqual(
    errors.map((p) => `${p.code}@${p.file?.replace(dir, '')}:${p.line}`),
    [
      'E_MANIFEST_FILE_MISSING@/dataset.json:27',
      'E_DATA_DUPLICATE_ID@/en.train.txt:1',
      'E_DATA_DUPLICATE_ID@/en.train.txt:7',
      'E_DATA_DUPLICATE_ID@/en.train.txt:12',
      'E_MANIFEST_SUBSET_ID@/ambiguous.ids:2',
    ],
  );
  await assert.rejects(loadDataset(join(dir, 'dataset.json')), /no such file: .*nope\.txt/);
});

test('a manifest path escaping its folder is refused before anything is read', async () => {
  const dir = tinyCopy((m) => {
    (m.splits as Record<string, { file: string }[]>).test![0]!.file = '../../etc/passwd';
  });
  await assert.rejects(loadDataset(join(dir, 'dataset.json')), (e: Error & { code?: string }) => {
    return e.code === 'E_MANIFEST_PATH' && /leaves the manifest's folder/.test(e.message);
  });
});

test('only the requested splits are read; the target scheme is configurable', async () => {
  const ds = await loadDataset(join(TINY, 'dataset.json'), { splits: ['test'], targetScheme: 'BIOES' });
  assert.deepEqual(Object.keys(ds.splits), ['test']);
  assert.deepEqual(ds.splits.test![0]!.tags, ['B-PER', 'E-PER', 'O', 'S-LOC']);
});
