import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { memoryIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { readEvents } from '../../src/core/run/events.js';
import { decodeInspect } from '../../src/core/run/inspect.js';
import { generateSample } from '../../src/core/sample/generate.js';
import { writeSample } from '../../src/core/sample/write.node.js';

// One wasm thread: these runs are tiny, and worker threads would outlive the test's last step.
process.env.MMNER_WASM_THREADS ??= '1';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'onnx');
const RESNET = join(FIXTURES, 'resnet-tiny');
const VIT = join(FIXTURES, 'vit-tiny');
const root = mkdtempSync(join(tmpdir(), 'mmner-features-'));
const data = join(root, 'data');
const runs = join(root, 'runs');
// The default cache: `.mmner-cache/features` beside the runs folder.
const cacheRoot = join(root, '.mmner-cache', 'features');
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await writeSample(data, generateSample({ seed: 1, size: 'tiny' }));
});

const QUICK = ['--epochs', '1', '--batch-size', '16', '--limit', '24', '--onnx-provider', 'cpu'];

async function train(name: string, ...args: string[]) {
  const io = memoryIO();
  const code = await main(['train', '--data', data, '--out', join(runs, name), ...QUICK, ...args], io);
  assert.equal(code, 0, io.stderr());
  return io.stderr();
}

/** [images, read from the cache, computed] of a branch's fill-pass summary line. */
function fill(stderr: string, branch: string): [number, number, number] {
  const m = new RegExp(
    `^${branch} features: (\\d+) images?, (\\d+) read from the cache, (\\d+) computed$`,
    'm',
  ).exec(stderr);
  assert.ok(m, `no ${branch} features summary in:\n${stderr}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

const stepLosses = (name: string) =>
  readEvents(readFileSync(join(runs, name, 'events.jsonl'), 'utf8')).events.flatMap((e) =>
    e.type === 'step' ? [JSON.stringify(e.loss)] : [],
  );

const config = (name: string) => JSON.parse(readFileSync(join(runs, name, 'config.json'), 'utf8'));

test('train with --resnet-onnx computes features once; eval, predict and a second run read them from the cache', async () => {
  const first = await train('a', '--resnet-onnx', RESNET);
  const [images, read, computed] = fill(first, 'resnet');
  assert.ok(images >= 24, `images: ${images}`);
  assert.deepEqual([read, computed], [0, images]);
  assert.match(first, /resnet: ONNX features \(pooled, \[32\]\) on cpu/);
  const saved = config('a').model.image;
  assert.deepEqual(saved.branches, ['cnn', 'resnet']);
  assert.deepEqual(
    { ...saved.onnx.resnet, encoder: undefined },
    { path: RESNET, features: 'pooled', dim: 32, rows: 1, encoder: undefined },
  );
  assert.match(saved.onnx.resnet.encoder, /^onnx:[0-9a-f]{32}:pooled$/);
  // The cache holds one entry per image.
  const [namespace] = readdirSync(cacheRoot);
  const entries = readdirSync(join(cacheRoot, namespace!), { recursive: true }).filter((f) =>
    String(f).endsWith('.f32'),
  );
  assert.equal(entries.length, images);

  // eval scores the whole dev split (40): the 24 images training saw are read, the rest computed once.
  const evalDev = async () => {
    const ev = memoryIO();
    const args = ['eval', '--run', join(runs, 'a'), '--split', 'dev', '--onnx-provider', 'cpu'];
    assert.equal(await main(args, ev), 0, ev.stderr());
    assert.match(ev.stdout(), /^dev \(conlleval/);
    return fill(ev.stderr(), 'resnet');
  };
  assert.deepEqual(await evalDev(), [40, 24, 16]);
  assert.deepEqual(await evalDev(), [40, 40, 0]);

  const image = join(data, 'images', readdirSync(join(data, 'images')).sort()[0]!);
  const input = join(root, 'in.jsonl');
  writeFileSync(input, `${JSON.stringify({ id: 'x', tokens: ['Jordan', 'won', '!'], image })}\n`);
  const pr = memoryIO();
  assert.equal(await main(['predict', '--run', join(runs, 'a'), '--input', input], pr), 0, pr.stderr());
  assert.equal(JSON.parse(pr.stdout()).tags.length, 3);
  assert.deepEqual(fill(pr.stderr(), 'resnet'), [1, 1, 0]);

  // The same data again: every feature is read, none computed, and training is identical.
  const second = await train('b', '--resnet-onnx', RESNET);
  assert.deepEqual(fill(second, 'resnet'), [images, images, 0]);
  assert.ok(stepLosses('a').length > 0);
  assert.deepEqual(stepLosses('b'), stepLosses('a'));
});

test('another preprocessing or another export misses the cache; regions keep the ViT patch grid', async () => {
  // The same weights with another normalisation: a new cache namespace, every feature computed.
  const changed = join(root, 'resnet-mean');
  cpSync(RESNET, changed, { recursive: true });
  const pre = JSON.parse(readFileSync(join(changed, 'preprocessor_config.json'), 'utf8'));
  writeFileSync(
    join(changed, 'preprocessor_config.json'),
    JSON.stringify({ ...pre, image_mean: [0.5, 0.5, 0.5] }),
  );
  const [images, read, computed] = fill(await train('c', '--resnet-onnx', changed), 'resnet');
  assert.deepEqual([read, computed], [0, images]);

  const vit = await train('v', '--vit-onnx', VIT, '--ablation', 'vit-only', '--onnx-features', 'regions');
  const [vImages, vRead, vComputed] = fill(vit, 'vit');
  assert.deepEqual([vRead, vComputed], [0, vImages]);
  assert.doesNotMatch(vit, /images: \d+ decoded/, 'no branch reads pixels, so none are decoded');
  const onnx = config('v').model.image.onnx.vit;
  assert.deepEqual([onnx.dim, onnx.rows, onnx.cls, onnx.grid], [32, 17, true, [4, 4]]);
  const views = decodeInspect(readFileSync(join(runs, 'v', 'eval', 'test.inspect.bin')));
  assert.deepEqual(views.branches, ['vit']);
  assert.deepEqual(views.regionGrid, [[4, 4]]);
});

test('eval refuses a run whose ONNX export changed since training', async () => {
  const file = join(runs, 'a', 'config.json');
  const cfg = JSON.parse(readFileSync(file, 'utf8'));
  cfg.model.image.onnx.resnet.encoder = 'onnx:00000000000000000000000000000000:pooled';
  writeFileSync(file, JSON.stringify(cfg));
  const io = memoryIO();
  assert.notEqual(await main(['eval', '--run', join(runs, 'a'), '--onnx-provider', 'cpu'], io), 0);
  assert.match(io.stderr(), /the ONNX export of the resnet branch is not the one this run was trained with/);
});
