import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { memoryIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { generateSample } from '../../src/core/sample/generate.js';
import { writeSample } from '../../src/core/sample/write.node.js';

const root = mkdtempSync(join(tmpdir(), 'mmner-cli-report-'));
const data = join(root, 'data');
const multi = join(root, 'multi');
const text = join(root, 'text');
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await writeSample(data, generateSample({ seed: 3, size: 'tiny' }));
  for (const [out, extra] of [
    [multi, []],
    [text, ['--ablation', 'text-only']],
  ] as const) {
    const io = memoryIO();
    const argv = ['train', '--data', data, '--out', out, '--epochs', '1', '--limit', '48', ...extra];
    assert.equal(await main(argv, io), 0, io.stderr());
  }
});

test('report writes every section of a multimodal run compared with its text-only run', async () => {
  const io = memoryIO();
  assert.equal(await main(['report', '--run', multi, '--compare', text], io), 0, io.stderr());
  const index = join(multi, 'report', 'index.html');
  assert.match(io.stdout(), new RegExp(`wrote ${index.replace(/[/.]/g, '\\$&')}`));
  const html = readFileSync(index, 'utf8');
  for (const id of [
    'languages',
    'compare',
    'training',
    'confusion',
    'errors',
    'image-effect',
    'alignment',
    'attention',
    'misaligned',
  ]) {
    assert.match(html, new RegExp(`<section[^>]* id="${id}"`), id);
  }
  // Every file the page refers to was written.
  const refs = [...html.matchAll(/(?:src|href)="((?:charts|images|attention)\/[^"]+)"/g)].map((m) => m[1]!);
  assert.ok(refs.length > 10, `only ${refs.length} local files referenced`);
  for (const ref of refs) assert.ok(existsSync(join(multi, 'report', ref)), ref);
  assert.ok(readdirSync(join(multi, 'report', 'attention')).length > 0);
});

test('a text-only run reports without alignment; a run without eval says how to make one', async () => {
  const io = memoryIO();
  const out = join(root, 'text-report');
  assert.equal(await main(['report', '--run', text, '--out', out], io), 0, io.stderr());
  assert.match(io.stderr(), /no inspection views/);
  assert.ok(existsSync(join(out, 'index.html')));

  const bad = memoryIO();
  assert.equal(await main(['report', '--run', text, '--split', 'train'], bad), 2);
  assert.match(bad.stderr(), /no eval\/train\.json/);
  assert.match(bad.stderr(), /mmner eval --run .* --split train/);
});
