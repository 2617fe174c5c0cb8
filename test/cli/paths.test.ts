/**
 * Paths stay inside their folders (issue 7, item 4): dataset manifests and run folders cannot
 * make mmner read or write elsewhere through `..`, absolute paths or symbolic links; links that
 * stay inside are allowed.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { confine, escapesTo, isInside, realLocation } from '../../src/core/confine.node.js';
import { loadDataset } from '../../src/core/data/dataset.node.js';
import { MmnerError } from '../../src/core/errors.js';
import { RunDir } from '../../src/core/run/runDir.node.js';
import { codesAt, errorsOf, tempDir } from '../core/data/helpers.js';

const TINY = resolve(import.meta.dirname, '../fixtures/data/tiny');

/** A folder with the tiny dataset in `data/` and a file and a folder outside it, in `outside/`. */
function layout(edit: (m: Record<string, unknown>) => void = () => {}) {
  const top = tempDir('mmner-paths-');
  const data = join(top, 'data');
  cpSync(TINY, data, { recursive: true });
  const m = JSON.parse(readFileSync(join(data, 'dataset.json'), 'utf8'));
  edit(m);
  writeFileSync(join(data, 'dataset.json'), JSON.stringify(m, null, 2));
  const outside = join(top, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'IMGID:x\nSecret\tB-PER\n\n');
  return { top, data, outside, manifest: join(data, 'dataset.json') };
}

/** The 1-based line of the manifest that first holds `needle`. */
function lineOf(manifest: string, needle: string): number {
  return (
    readFileSync(manifest, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(needle)) + 1
  );
}

const rejects = (code: string, pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof MmnerError, String(e));
  assert.equal(e.code, code);
  assert.match(e.message, pattern);
  return true;
};

test('realLocation follows links, dangling ones too, and keeps the missing rest of a path', async () => {
  const top = tempDir('mmner-paths-');
  const real = await realLocation(top);
  mkdirSync(join(top, 'a'));
  symlinkSync(join(top, 'a'), join(top, 'link'));
  assert.equal(await realLocation(join(top, 'link', 'no', 'such')), join(real, 'a', 'no', 'such'));
  symlinkSync(join(top, 'elsewhere', 'x.txt'), join(top, 'dangling'));
  assert.equal(await realLocation(join(top, 'dangling')), join(real, 'elsewhere', 'x.txt'));
  symlinkSync(join(top, 'loop2'), join(top, 'loop1'));
  symlinkSync(join(top, 'loop1'), join(top, 'loop2'));
  await assert.rejects(realLocation(join(top, 'loop1')), /symbolic links|ELOOP/);
  assert.ok(isInside('/a/b', '/a/b'));
  assert.ok(isInside('/a/b', '/a/b/..c'));
  assert.ok(!isInside('/a/b', '/a/bc'));
  assert.ok(!isInside('/a/b', '/a'));
  assert.equal(await escapesTo(join(top, 'a'), join(top, 'a', 'new.json')), undefined);
  await assert.rejects(
    confine(join(top, 'a'), join(top, 'dangling'), { what: 'x', file: 'm.json', line: 3 }),
    rejects('E_PATH_OUTSIDE', /^m\.json:3: x .*dangling leads outside .* \(to .*elsewhere\/x\.txt\)/),
  );
});

test('a split file linked to a file outside the dataset folder is an error at its manifest line', async () => {
  const { data, outside, manifest } = layout();
  const file = join(data, 'en.train.txt');
  cpSync(file, join(outside, 'en.train.txt'));
  // Replace the file by a link to the copy outside: the same content, but outside.
  rmSync(file);
  symlinkSync(join(outside, 'en.train.txt'), file);
  await assert.rejects(
    loadDataset(manifest),
    rejects(
      'E_PATH_OUTSIDE',
      /dataset\.json:\d+: splits\.train\[0\]\.file .* leads outside the dataset folder/,
    ),
  );
  const collected = await loadDataset(manifest, { mode: 'collect' });
  const outsideErrors = collected.problems.filter((p) => p.code === 'E_PATH_OUTSIDE');
  assert.deepEqual(codesAt(outsideErrors), [`E_PATH_OUTSIDE@${lineOf(manifest, '"en.train.txt"')}`]);
  assert.equal(collected.splits.train!.length, 2, 'the linked file is not read; the other one is');
});

test('a folder link (images, or a folder holding a split file) leading outside is an error', async () => {
  const { data, outside, manifest } = layout((m) => {
    (m.splits as Record<string, unknown[]>).dev = [
      { lang: 'en', file: 'more/secret.txt', format: 'imgid-conll' },
    ];
  });
  symlinkSync(outside, join(data, 'more'));
  symlinkSync(outside, join(data, 'images'));
  const ds = await loadDataset(manifest, { mode: 'collect' });
  const errors = errorsOf(ds.problems);
  const imagesLine = lineOf(manifest, '"dir": "images"');
  assert.deepEqual(codesAt(errors), [
    `E_PATH_OUTSIDE@${lineOf(manifest, 'more/secret.txt')}`,
    `E_PATH_OUTSIDE@${imagesLine}`,
  ]);
  assert.match(errors[1]!.message, /^images\.dir .*images leads outside/);
  assert.equal(ds.splits.dev!.length, 0, 'nothing was read through the link');
  assert.equal(ds.imagePaths.size, 0);
  assert.ok(
    !ds.problems.some((p) => p.code === 'W_DATA_IMAGE_DIR_MISSING'),
    'no second, misleading "folder missing" warning',
  );
});

test('an image file linked outside is an error and left out; a link that stays inside is used', async () => {
  const { data, outside, manifest } = layout();
  mkdirSync(join(data, 'images'));
  mkdirSync(join(data, 'store'));
  const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#f00' } })
    .png()
    .toBuffer();
  writeFileSync(join(outside, 'x.png'), png);
  writeFileSync(join(data, 'store', 'en-3.png'), png);
  symlinkSync(join(outside, 'x.png'), join(data, 'images', 'en-1.png'));
  symlinkSync('../store/en-3.png', join(data, 'images', 'en-3.png'));
  const ds = await loadDataset(manifest, { mode: 'collect' });
  assert.deepEqual(codesAt(errorsOf(ds.problems)), [`E_PATH_OUTSIDE@${lineOf(manifest, '"dir": "images"')}`]);
  assert.match(errorsOf(ds.problems)[0]!.message, /^image .*en-1\.png leads outside/);
  assert.equal(ds.imagePaths.has('en-1'), false);
  assert.equal(ds.imagePaths.get('en-3'), join(data, 'images', 'en-3.png'));
  await assert.rejects(loadDataset(manifest), rejects('E_PATH_OUTSIDE', /en-1\.png/));
});

test('a subset file linked outside is an error; a link inside the dataset folder is read', async () => {
  const { data, outside, manifest } = layout((m) => {
    m.subsets = { ambiguous: 'ambiguous.ids', secret: 'secret.ids', again: 'again.ids' };
  });
  symlinkSync(join(outside, 'secret.txt'), join(data, 'secret.ids'));
  symlinkSync('ambiguous.ids', join(data, 'again.ids'));
  const ds = await loadDataset(manifest, { mode: 'collect' });
  assert.deepEqual(
    errorsOf(ds.problems).map((p) => p.code),
    ['E_PATH_OUTSIDE'],
  );
  assert.match(errorsOf(ds.problems)[0]!.message, /^subsets\.secret /);
  assert.equal(ds.subsets.secret, undefined);
  assert.deepEqual(ds.subsets.again, ds.subsets.ambiguous);
});

test('manifest paths with .. or absolute paths are refused before any file is touched', async () => {
  for (const [file, why] of [
    ['../outside/secret.txt', /leaves the manifest's folder/],
    ['/etc/passwd', /absolute paths/],
    ['a/../../outside/secret.txt', /leaves the manifest's folder/],
  ] as const) {
    const { manifest } = layout((m) => {
      (m.splits as Record<string, unknown[]>).train = [{ lang: 'en', file, format: 'imgid-conll' }];
    });
    await assert.rejects(loadDataset(manifest), rejects('E_MANIFEST_PATH', why));
  }
});

test('run names cannot hold separators or ..; a run folder linked outside its runs folder is refused', async () => {
  const top = tempDir('mmner-paths-');
  const runs = join(top, 'runs');
  const outside = join(top, 'outside');
  mkdirSync(runs);
  mkdirSync(outside);
  for (const name of ['../x', 'a/b', '..', '/abs', 'a\\b', '.hidden']) {
    await assert.rejects(RunDir.open(runs, name), rejects('E_UNSAFE_NAME', /is not a plain name/));
  }
  symlinkSync(outside, join(runs, 'linked'));
  await assert.rejects(
    RunDir.open(runs, 'linked'),
    rejects('E_PATH_OUTSIDE', /run folder .*linked leads outside the runs folder/),
  );
  assert.deepEqual(readdirSync(outside), [], 'nothing was created outside');
  // A runs folder that is itself a link is fine: the check compares real locations.
  symlinkSync(runs, join(top, 'runs-link'));
  const run = await RunDir.open(join(top, 'runs-link'), 'ok');
  await run.writeConfig({ a: 1 });
  assert.deepEqual(await run.readConfig(), { a: 1 });
  await run.close();
});

test('links inside a run folder that lead outside stop it from opening; writes never follow them', async () => {
  const top = tempDir('mmner-paths-');
  const runs = join(top, 'runs');
  const outside = join(top, 'outside');
  mkdirSync(outside);
  await (await RunDir.open(runs, 'r')).close();
  const run = join(runs, 'r');
  // events.jsonl is appended to (which would follow a link): linked outside, dangling.
  symlinkSync(join(outside, 'bashrc'), join(run, 'events.jsonl'));
  await assert.rejects(
    RunDir.open(runs, 'r', { create: false }),
    rejects('E_PATH_OUTSIDE', /run file .*events\.jsonl leads outside the run folder/),
  );
  rmSync(join(run, 'events.jsonl'));
  // eval/ linked to a folder outside.
  rmSync(join(run, 'eval'), { recursive: true });
  symlinkSync(outside, join(run, 'eval'));
  await assert.rejects(RunDir.open(runs, 'r'), rejects('E_PATH_OUTSIDE', /eval leads outside/));
  rmSync(join(run, 'eval'));
  mkdirSync(join(run, 'eval'));
  // A checkpoint linked to a file outside.
  writeFileSync(join(outside, 'w.safetensors'), 'x');
  symlinkSync(join(outside, 'w.safetensors'), join(run, 'checkpoints', 'best.safetensors'));
  await assert.rejects(RunDir.open(runs, 'r'), rejects('E_PATH_OUTSIDE', /best\.safetensors/));
  rmSync(join(run, 'checkpoints', 'best.safetensors'));
  // A link that stays inside the run is fine.
  mkdirSync(join(run, 'archive'));
  symlinkSync(join(run, 'archive'), join(run, 'old'));
  const opened = await RunDir.open(runs, 'r');
  await opened.writeEval('test', { ok: true });
  assert.deepEqual(await opened.readEval('test'), { ok: true });
  // A link made after opening is caught at the next read, and the atomic write replaces the link.
  writeFileSync(join(outside, 'dev.json'), '{"outside": true}');
  symlinkSync(join(outside, 'dev.json'), join(run, 'eval', 'dev.json'));
  await assert.rejects(opened.readEval('dev'), rejects('E_PATH_OUTSIDE', /dev\.json/));
  await opened.close();
  assert.equal(readFileSync(join(outside, 'dev.json'), 'utf8'), '{"outside": true}');
  assert.deepEqual(readdirSync(outside).sort(), ['dev.json', 'w.safetensors']);
});
