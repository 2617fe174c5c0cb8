/**
 * The `mmner` object in cells, end to end on the tiny sample: data, a training with live progress,
 * evaluation, and every view as our MIME type plus its fallback.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DisplayMessage, ErrorMessage, OutputItem } from '../../../src/core/protocol/kernel.js';
import {
  type AlignmentPayload,
  type AttentionPayload,
  type ChartPayload,
  type ErrorsPayload,
  type MetricsPayload,
  MIME,
  type MisalignedPayload,
  type ProgressPayload,
  type SentencesPayload,
} from '../../../src/core/protocol/mime.js';
import { KernelClient, plain } from './client.js';

const root = mkdtempSync(join(tmpdir(), 'mmner-kernel-api-'));
let kernel: KernelClient;
before(() => {
  kernel = new KernelClient({ cwd: root });
});
after(() => {
  kernel.kill();
  rmSync(root, { recursive: true, force: true });
});

async function ok(code: string) {
  const r = await kernel.run(code, 'javascript', 'Cell');
  const error = r.messages.find((m) => m.type === 'error') as ErrorMessage | undefined;
  assert.equal(r.done.status, 'ok', error?.stack);
  return r;
}

/** The JSON item of `mime` and the other (fallback) items of a result. */
function split<T>(items: OutputItem[] | undefined, mime: string): { payload: T; fallback: OutputItem[] } {
  const own = items?.find((i) => i.mime === mime);
  assert.ok(own, `no ${mime} in ${items?.map((i) => i.mime)}`);
  return { payload: JSON.parse(own.data) as T, fallback: items!.filter((i) => i !== own) };
}

const PNG_MAGIC = '89504e47';
const isPng = (item: OutputItem | undefined) =>
  item?.mime === 'image/png' &&
  item.encoding === 'base64' &&
  Buffer.from(item.data, 'base64').subarray(0, 4).toString('hex') === PNG_MAGIC;
const htmlOf = (fallback: OutputItem[]) => fallback.find((i) => i.mime === 'text/html')?.data ?? '';

test('mmner.sample writes the tiny dataset and mmner.loadData reads it', async () => {
  const r = await ok(
    'const written = await mmner.sample("data", { size: "tiny" });\nconst ds = await mmner.loadData("data");\n[written.images, Object.keys(ds.splits).sort().join(",")]',
  );
  assert.equal(plain(r.done.result), "[ 224, 'dev,test,train' ]"); // tiny: (30 + 10 + 16) × 4 languages
  assert.ok(existsSync(join(root, 'data', 'dataset.json')));
  const missing = await kernel.run('await mmner.loadData("nowhere")');
  assert.equal(missing.done.status, 'error');
  assert.match(
    (missing.messages.find((m) => m.type === 'error') as ErrorMessage).message,
    /not a dataset manifest/,
  );
});

test('mmner.train shows live progress updated in place and returns the run', async () => {
  const r = await ok(
    'const run = await mmner.train({ data: "data", out: "runs/a", epochs: 2, limit: 16 });\nrun',
  );
  const progress = r.messages.filter(
    (m): m is DisplayMessage => m.type === 'display' && m.items.some((i) => i.mime === MIME.progress),
  );
  assert.ok(progress.length >= 2, `${progress.length} progress outputs`);
  assert.equal(new Set(progress.map((p) => p.outputId)).size, 1);
  assert.deepEqual(
    progress.map((p) => p.update ?? false),
    [false, ...progress.slice(1).map(() => true)],
  );
  const states = progress.map((p) => split<ProgressPayload>(p.items, MIME.progress).payload);
  const last = states.at(-1)!;
  assert.equal(last.state, 'done');
  assert.ok(last.totalSteps > 0 && last.step === last.totalSteps, JSON.stringify(last));
  assert.ok(last.devF1 !== undefined && last.loss !== undefined);
  assert.match(plain(progress.at(-1)!.items) ?? '', /^done: epoch 2, step \d+\/\d+, loss /);
  const summary = plain(r.done.result) ?? '';
  assert.match(summary, /reason: 'completed'/);
  assert.match(summary, /testF1: /);
  assert.ok(existsSync(join(root, 'runs/a/eval/test.json')));
});

test('mmner.evaluate scores a split and shows as its metrics', async () => {
  const r = await ok('await mmner.evaluate(run, "dev")');
  const { payload, fallback } = split<MetricsPayload>(r.done.result, MIME.metrics);
  assert.equal(payload.split, 'dev');
  assert.deepEqual(payload.rows.map((row) => row.lang).sort(), ['all', 'de', 'en', 'es', 'fr']);
  assert.ok(payload.rows.every((row) => row.f1 >= 0 && row.f1 <= 100));
  assert.match(htmlOf(fallback), /<table/);
});

test('a chart view is our chart MIME with a PNG fallback', async () => {
  const r = await ok('mmner.view.languageScores(run)');
  const { payload, fallback } = split<ChartPayload>(r.done.result, MIME.chart);
  assert.ok((payload.spec.data as { values: unknown[] }).values.length > 0);
  assert.ok(isPng(fallback[0]), JSON.stringify(fallback.map((f) => f.mime)));
});

test('display(view) sends the view as a display output', async () => {
  const r = await ok('display(mmner.view.metrics(run, { split: "test" }))');
  const shown = r.messages.find((m): m is DisplayMessage => m.type === 'display')!;
  const { payload } = split<MetricsPayload>(shown.items, MIME.metrics);
  assert.equal(payload.split, 'test');
  assert.ok(payload.subsets && 'ambiguous' in payload.subsets);
});

test('the sentences view carries tokens, tags and images as data URIs', async () => {
  const r = await ok('mmner.view.sentences(run, ["en-test-000001", "fr-test-000002"])');
  const { payload, fallback } = split<SentencesPayload>(r.done.result, MIME.sentences);
  assert.deepEqual(
    payload.sentences.map((s) => s.id),
    ['en-test-000001', 'fr-test-000002'],
  );
  for (const s of payload.sentences) {
    assert.equal(s.tokens.length, s.gold.length);
    assert.match(s.imageUri ?? '', /^data:image\/png;base64,iVBOR/);
  }
  assert.match(htmlOf(fallback), /<img [^>]*src="data:image\/png;base64,/);
});

test('the errors view lists entity errors with their sentences’ tokens', async () => {
  const r = await ok('mmner.view.errors(run)');
  const { payload, fallback } = split<ErrorsPayload>(r.done.result, MIME.errors);
  for (const e of payload.errors) assert.ok(payload.tokens[e.sentenceId], e.sentenceId);
  assert.match(htmlOf(fallback), /mm-error-table/);
});

test('alignment, attention and misaligned views read the inspection views', async () => {
  const alignment = split<AlignmentPayload>(
    (await ok('mmner.view.alignment(run)')).done.result,
    MIME.alignment,
  );
  assert.equal(alignment.payload.branch, 'cnn');
  assert.equal(alignment.payload.points.length, 2 * 16); // a text and an image point per test sentence (limit 16)
  assert.ok(isPng(alignment.fallback[0]));

  const attention = split<AttentionPayload>(
    (await ok('mmner.view.attention(run, "de-test-000003")')).done.result,
    MIME.attention,
  );
  assert.equal(attention.payload.view.sentenceId, 'de-test-000003');
  assert.equal(attention.payload.view.weights.length, attention.payload.view.tokens.length);
  assert.match(attention.payload.image ?? '', /^data:image\/png;base64,/);
  assert.match(htmlOf(attention.fallback), /<svg/);

  const misaligned = split<MisalignedPayload>(
    (await ok('mmner.view.misaligned(run, { count: 5 })')).done.result,
    MIME.misaligned,
  );
  assert.equal(misaligned.payload.pairs.length, 5);
  const cosines = misaligned.payload.pairs.map((p) => p.cosine);
  assert.deepEqual(
    cosines,
    [...cosines].sort((a, b) => a - b),
  );
  assert.ok(misaligned.payload.pairs.every((p) => misaligned.payload.images?.[p.sentenceId]));
});

test('a view of a split that was never evaluated says how to evaluate it', async () => {
  const r = await kernel.run('mmner.view.metrics(run, { split: "nope" })');
  assert.equal(r.done.status, 'error');
  const e = r.messages.find((m) => m.type === 'error') as ErrorMessage;
  assert.match(e.message, /has no eval\/nope\.json\n {2}score it first: await mmner\.evaluate/);
});
