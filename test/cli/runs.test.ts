import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { evalRun, type RunFile, trainRun } from '../../src/cli/runs.node.js';
import { MmnerError } from '../../src/core/errors.js';
import { readEvents } from '../../src/core/run/events.js';
import { decodeInspect } from '../../src/core/run/inspect.js';
import { generateSample } from '../../src/core/sample/generate.js';
import { writeSample } from '../../src/core/sample/write.node.js';
import type { EvalReport } from '../../src/eval/evaluate.js';
import { readCheckpoint } from '../../src/train/checkpoint.node.js';
import { NO_SHARED_DATA, SHARED_DATA } from '../core/data/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'mmner-session-'));
const data = join(root, 'data');
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await writeSample(data, generateSample({ seed: 1, size: 'tiny' }));
});

const stepLosses = (run: string) =>
  readEvents(readFileSync(join(run, 'events.jsonl'), 'utf8')).events.flatMap((e) =>
    e.type === 'step' ? [JSON.stringify(e.loss)] : [],
  );

test('a run trains, selects on dev and writes config, events, checkpoints and eval files', async () => {
  const out = join(root, 'run-a');
  const r = await trainRun({ data, out, epochs: 2, limit: 100 });
  assert.equal(r.result.reason, 'completed');
  for (const f of [
    'config.json',
    'events.jsonl',
    'checkpoints/best.safetensors',
    'eval/dev.json',
    'eval/test.json',
  ]) {
    assert.ok(existsSync(join(out, f)), f);
  }
  const test = JSON.parse(readFileSync(join(out, 'eval/test.json'), 'utf8')) as EvalReport;
  assert.deepEqual(Object.keys(test.metrics.conlleval.byLanguage).sort(), ['de', 'en', 'es', 'fr']);
  assert.ok('ambiguous' in test.metrics.subsets);
  assert.equal(test.sentences.length, 64); // tiny: 16 test sentences per language, under the limit
  const types = readEvents(readFileSync(join(out, 'events.jsonl'), 'utf8')).events.map((e) => e.type);
  assert.deepEqual([types[0], types.at(-1)], ['runStart', 'runEnd']);
  assert.equal(types.filter((t) => t === 'runStart').length, 1, 'each event is written once');
  const steps = stepLosses(out).length;
  assert.equal(steps, r.result.step, 'one step event per optimizer step');
  assert.ok(types.includes('eval'));
  // Both loss parts are trained (the contrastive one is not silently zero).
  const first = JSON.parse(stepLosses(out)[0]!) as Record<string, number>;
  assert.ok(first.crf! > 0 && first.contrastive! > 0, JSON.stringify(first));
  // The inspection views of the same sentences: attention rows are distributions, gates in [0, 1].
  const views = decodeInspect(readFileSync(join(out, 'eval/test.inspect.bin')));
  assert.deepEqual(
    views.ids,
    test.sentences.map((s) => s.id),
  );
  assert.equal(
    views.tokenOffsets.at(-1),
    test.sentences.reduce((n, s) => n + s.tokens.length, 0),
  );
  assert.deepEqual(views.branches, ['cnn']);
  const [rows, cols] = views.regionGrid[0]!;
  const regions = rows * cols;
  const attention = views.attention[0]!;
  for (let t = 0; t < attention.length / regions; t++) {
    const sum = attention.subarray(t * regions, (t + 1) * regions).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `token ${t}: attention sums to ${sum}`);
  }
  assert.ok(views.gate[0]!.every((g) => g >= 0 && g <= 1));
  assert.ok(views.sentence.some((v) => v !== 0) && views.regions[0]!.some((v) => v !== 0));
});

test('cancel saves a checkpoint; --resume continues to the same losses as an uninterrupted run', async () => {
  const out = join(root, 'run-b');
  const controller = new AbortController();
  const cut = await trainRun({
    data,
    out,
    epochs: 2,
    limit: 100, // not repeated on resume: the run remembers it
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'step' && e.step === 3) controller.abort();
    },
  });
  assert.equal(cut.result.reason, 'interrupted');
  assert.ok(!existsSync(join(out, 'eval/test.json')));
  const resumed = await trainRun({ data: '', out, resume: true });
  assert.equal(resumed.result.reason, 'completed');
  assert.deepEqual(stepLosses(out), stepLosses(join(root, 'run-a')));
  assert.deepEqual(
    JSON.parse(readFileSync(join(out, 'eval/test.json'), 'utf8')).metrics,
    JSON.parse(readFileSync(join(root, 'run-a', 'eval/test.json'), 'utf8')).metrics,
  );
});

test('mention replacement: saved in config.json, changes the batches, and a cancelled run resumes to the same losses', async () => {
  const base = { data, epochs: 1, limit: 100, ablation: 'text-only' as const };
  const mr = ['train.mentionReplace=0.5'];
  const plain = join(root, 'mr-off');
  const whole = join(root, 'mr-whole');
  const cutOut = join(root, 'mr-cut');
  await trainRun({ ...base, out: plain });
  await trainRun({ ...base, out: whole, set: mr });
  const config = JSON.parse(readFileSync(join(whole, 'config.json'), 'utf8')) as RunFile;
  assert.equal(config.train.mentionReplace, 0.5);
  // Same seed and sentence order; only the names differ, so some step's loss differs.
  const off = stepLosses(plain);
  const on = stepLosses(whole);
  assert.equal(off.length, on.length);
  assert.notDeepEqual(on, off);
  const controller = new AbortController();
  const cut = await trainRun({
    ...base,
    out: cutOut,
    set: mr,
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'step' && e.step === 2) controller.abort();
    },
  });
  assert.equal(cut.result.reason, 'interrupted');
  await trainRun({ data: '', out: cutOut, resume: true });
  assert.deepEqual(stepLosses(cutOut), on);
  // A probability that is not one is refused before anything is written.
  const bad = join(root, 'mr-bad');
  await assert.rejects(
    trainRun({ ...base, out: bad, set: ['train.mentionReplace=1.5'] }),
    /train\.mentionReplace must be a probability in \[0, 1\], got 1\.5/,
  );
  assert.ok(!existsSync(join(bad, 'config.json')));
});

test('a folder without a manifest is a clear error', async () => {
  await assert.rejects(trainRun({ data: root, out: join(root, 'run-c') }), /not a dataset manifest/);
});

test('Twitter-2015 text (OTHER → MISC, no images) trains end to end on a few batches', {
  skip: NO_SHARED_DATA,
}, async () => {
  const dir = join(root, 'twitter2015');
  mkdirSync(dir);
  for (const split of ['train', 'valid', 'test']) {
    copyFileSync(join(SHARED_DATA, 'twitter2015', `${split}.txt`), join(dir, `${split}.txt`));
  }
  const file = (f: string) => [{ lang: 'en', file: f, format: 'imgid-conll' }];
  writeFileSync(
    join(dir, 'dataset.json'),
    JSON.stringify({
      version: 1,
      name: 'twitter2015-text',
      typeMap: { OTHER: 'MISC' },
      images: { dir: 'images', missing: 'blank' },
      splits: { train: file('train.txt'), dev: file('valid.txt'), test: file('test.txt') },
    }),
  );
  const out = join(root, 'run-t15');
  const r = await trainRun({ data: dir, out, ablation: 'text-only', epochs: 1, batchSize: 16, limit: 64 });
  assert.equal(r.result.reason, 'completed');
  assert.equal(r.result.step, 4);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.deepEqual(config.model.entityTypes, ['PER', 'LOC', 'ORG', 'MISC']);
  assert.equal(r.test?.sentences.length, 64);
});

test('the paper preset trains with BERT, ViT and ResNet from local Hugging Face folders', async () => {
  const hf = (name: string) => join(import.meta.dirname, '../fixtures/hf', name);
  const out = join(root, 'run-paper');
  const r = await trainRun({
    data,
    out,
    preset: 'paper',
    textModel: hf('bert-tiny'),
    vit: hf('vit-tiny'),
    resnet: hf('resnet-tiny'),
    epochs: 1,
    limit: 32,
  });
  assert.equal(r.result.reason, 'completed');
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as RunFile;
  // Sizes follow the folders: the ViT's input side, BERT's head count.
  assert.equal(config.model.image.size, 32);
  assert.equal(config.model.collaboration.heads, 4);
  assert.deepEqual(config.model.image.freeze, ['resnet']);
  const views = decodeInspect(readFileSync(join(out, 'eval/test.inspect.bin')));
  assert.deepEqual(views.branches, ['vit', 'resnet']);
  // The frozen ResNet is not in the checkpoints (it comes from its folder); the fine-tuned ViT is.
  const names = [...(await readCheckpoint(join(out, 'checkpoints/best.safetensors'))).variables.keys()];
  assert.ok(names.some((n) => n.startsWith('image.vit.')));
  assert.ok(!names.some((n) => n.startsWith('image.resnet.')));
  const again = await evalRun(out, 'test');
  const predOf = new Map(again.report.sentences.map((s) => [s.id, s.pred])); // (eval has no --limit)
  for (const s of r.test!.sentences) assert.deepEqual(predOf.get(s.id), s.pred, s.id);
  // 32×32 input: ViT patches of 8 → 4×4; ResNet stem /4, one stride-2 stage → 4×4.
  assert.deepEqual(views.regionGrid, [
    [4, 4],
    [4, 4],
  ]);
});

test('the paper preset without its folders says which option is missing', async () => {
  await assert.rejects(
    trainRun({ data, out: join(root, 'run-paper-x'), preset: 'paper', epochs: 1, limit: 8 }),
    (e: unknown) =>
      e instanceof MmnerError && /BERT folder/.test(e.message) && /--text-model/.test(e.hint ?? ''),
  );
});

test('a damaged config.json is an error naming it, not a crash', async () => {
  const out = join(root, 'run-broken');
  mkdirSync(join(out, 'checkpoints'), { recursive: true });
  for (const content of ['null', '{}', '{"version":1,"model":{},"train":{},"vocab":{}}']) {
    writeFileSync(join(out, 'config.json'), content);
    await assert.rejects(
      evalRun(out, 'test'),
      (e: unknown) =>
        e instanceof MmnerError && e.code === 'E_RUN_CONFIG' && e.file === join(out, 'config.json'),
    );
  }
});
