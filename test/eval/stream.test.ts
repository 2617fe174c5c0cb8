/**
 * Evaluation in bounded memory (issue 7, item 5): `mmner eval` reads only the scored split and
 * decodes images batch by batch, one batch ahead at most; the outputs are those of scoring the
 * whole split in one chunk with every image decoded up front. The RSS figures at 1× and 10× are
 * bench/memory.bench.ts; here the fast checks.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { benchMemory, CLI, scaleSplit } from '../../bench/memory.bench.js';
import { evalRun, ImageTable, openRun, StreamedImages, trainRun } from '../../src/cli/runs.node.js';
import { decodeInspect, encodeInspect } from '../../src/core/run/inspect.js';
import { generateSample } from '../../src/core/sample/generate.js';
import { writeSample } from '../../src/core/sample/write.node.js';
import { predictInspect, scoreReport } from '../../src/eval/evaluate.js';

const root = mkdtempSync(join(tmpdir(), 'mmner-stream-'));
const data = join(root, 'data');
const run = join(root, 'runs', 'tiny');
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await writeSample(data, generateSample({ seed: 1, size: 'tiny' }));
  await trainRun({ data, out: run, epochs: 1, limit: 40 });
});

test('streamed eval writes exactly what one all-at-once chunk gives, reading only the scored split', async () => {
  const { opened } = await evalRun(run, 'test');
  assert.deepEqual(Object.keys(opened.data.splits), ['test'], 'train and dev are not read');
  const json = readFileSync(join(run, 'eval', 'test.json'), 'utf8');
  const inspect = readFileSync(join(run, 'eval', 'test.inspect.bin'));

  // The reference: every split read, every image decoded first, the split scored in one chunk.
  const ref = await openRun(run);
  try {
    const sentences = ref.data.splits.test!;
    const table = await ImageTable.load(ref.data, sentences, ref.file.model.image.size);
    const { predictions, inspect: views } = await predictInspect(ref.model, sentences, {
      batchSize: sentences.length,
      loadImages: async (part) => table.batch(part),
      inspect: 'test',
    });
    const report = scoreReport('test', sentences, predictions, ref.data.subsets);
    assert.equal(json, `${JSON.stringify(report, null, 2)}\n`, 'eval/test.json is byte-identical');
    // Vectors: one chunk pads to another length, so float sums may differ in the last bits.
    const a = decodeInspect(inspect);
    const b = decodeInspect(encodeInspect(views!));
    assert.deepEqual(a.ids, b.ids);
    assert.deepEqual([...a.tokenOffsets], [...b.tokenOffsets]);
    for (const [name, x, y] of [
      ['sentence', a.sentence, b.sentence],
      ['tokens', a.tokens, b.tokens],
      ['image', a.image[0]!, b.image[0]!],
      ['attention', a.attention[0]!, b.attention[0]!],
    ] as const) {
      assert.equal(x.length, y.length, name);
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
      assert.ok(worst < 1e-4, `${name} differs by ${worst}`);
    }
  } finally {
    ref.model.dispose();
    await ref.run.close();
  }
});

test('inspection views written batch by batch are byte-identical to the one-piece file', async () => {
  // Three copies of the test split: three batches of 64.
  const x3 = join(root, 'x3');
  scaleSplit(data, x3, 'test', 3);
  await evalRun(run, 'test', { data: x3 });
  const written = readFileSync(join(run, 'eval', 'test.inspect.bin'));
  const ref = await openRun(run, { data: x3, splits: ['test'] });
  try {
    const sentences = ref.data.splits.test!;
    const images = new StreamedImages(ref.data, ref.file.model.image.size);
    // The same batches as eval, the views kept in memory and encoded at once (as eval did).
    const { inspect } = await predictInspect(ref.model, sentences, {
      batchSize: 64,
      loadImages: (part) => images.batch(part),
      inspect: 'test',
    });
    assert.ok(sentences.length > 64, 'more than one batch');
    assert.ok(Buffer.from(encodeInspect(inspect!)).equals(written), 'the same bytes');
    assert.deepEqual(
      readdirSync(join(run, 'eval')).filter((f) => f.startsWith('.')),
      [],
      'no temp files left',
    );
  } finally {
    ref.model.dispose();
    await ref.run.close();
  }
});

test('images are decoded per batch, at most one batch ahead of the model', async () => {
  const ref = await openRun(run, { splits: ['test'] });
  try {
    const sentences = ref.data.splits.test!;
    const size = ref.file.model.image.size;
    const streamed = new StreamedImages(ref.data, size);
    const table = await ImageTable.load(ref.data, sentences, size);
    const batch = 8;
    let predicted = 0;
    const loads: { index: number; predictedBefore: number }[] = [];
    await predictInspect(ref.model, sentences, {
      batchSize: batch,
      loadImages: async (part) => {
        loads.push({ index: loads.length, predictedBefore: predicted });
        const pixels = await streamed.batch(part);
        // The same pixels as the all-at-once table, sentence by sentence.
        assert.deepEqual(pixels, table.batch(part));
        return pixels;
      },
      onProgress: (done) => {
        predicted = done / batch;
      },
    });
    assert.equal(loads.length, Math.ceil(sentences.length / batch), 'one load per batch');
    for (const l of loads) {
      assert.ok(
        l.predictedBefore >= l.index - 1,
        `batch ${l.index} loaded after ${l.predictedBefore} predicted`,
      );
    }
  } finally {
    ref.model.dispose();
    await ref.run.close();
  }
});

test('the memory bench runs eval at 1× and 10× in child processes and reports bounded peaks', {
  skip: existsSync(CLI) ? false : 'dist/cli.js is missing (node scripts/build.mjs)',
}, async () => {
  // The fast variant (tiny sample: 64 and 640 test sentences); npm run bench uses the small one.
  const rows = await benchMemory({ scale: 10, sample: data, run, log: () => {} });
  assert.deepEqual(
    rows.map((r) => r.unit),
    ['MiB', 'MiB', '×'],
  );
  const [one, ten, ratio] = rows.map((r) => r.value) as [number, number, number];
  assert.ok(one > 20 && ten > 20, `peaks ${one} and ${ten} MiB look unmeasured`);
  assert.ok(ratio < 2, `10× the split took ${ratio}× the peak memory of 1×`);
  assert.match(rows[1]!.note ?? '', /^640 sentences/);
});
