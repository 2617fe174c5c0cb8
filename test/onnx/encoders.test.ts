/**
 * ONNX encoders against float64 PyTorch references (scripts/fixtures/make_onnx_encoders.py):
 * tiny BERT, ViT and ResNet exports in Hugging Face's input/output layout.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { MmnerError } from '../../src/core/errors.js';
import { FeatureCache } from '../../src/core/image/featureCache.node.js';
import { hfProcessorFromJson, loadPixelValues, processorKey } from '../../src/core/image/hfProcessor.node.js';
import { OnnxImageEncoder, OnnxTextEncoder, poolHidden, regionsOf } from '../../src/onnx/encoders.js';
import { loadOrt, openSession } from '../../src/onnx/session.js';

const FIX = 'test/fixtures/onnx';
const IMAGES = join(FIX, 'images');
interface Arr {
  shape: number[];
  data: number[];
}
const ref = JSON.parse(readFileSync(join(FIX, 'reference.json'), 'utf8')) as Record<
  string,
  { inputs: Record<string, Arr>; outputs: Record<string, Arr>; words?: string[][] }
>;
const quiet = { log: () => {} };
const tmp = mkdtempSync(join(tmpdir(), 'mmner-onnx-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 1e-4): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  assert.ok(worst <= tol, `${what}: max |difference| ${worst}`);
}

test('auto picks a working provider and says what ran and why the others did not', async () => {
  const ort = await loadOrt();
  const lines: string[] = [];
  const s = await openSession(join(FIX, 'vit-tiny', 'model.onnx'), { log: (l) => lines.push(l) });
  assert.ok(['cuda', 'webgpu', 'cpu'].includes(s.provider));
  assert.match(lines.at(-1)!, new RegExp(`vit-tiny/model.onnx runs on ${s.provider}$`));
  assert.deepEqual(lines, s.notes);
  if (s.provider !== 'cuda') assert.match(lines[0]!, /cuda unavailable/);
  const cudaBundled = ort.listSupportedBackends().find((b) => b.name === 'cuda')?.bundled;
  if (s.provider === 'cpu' && cudaBundled === false) {
    // A provider named explicitly must work or fail loudly, with the way out.
    await assert.rejects(
      openSession(join(FIX, 'vit-tiny', 'model.onnx'), { provider: 'cuda', ...quiet }),
      (e: MmnerError) => {
        assert.equal(e.code, 'E_ONNX_PROVIDER');
        assert.match(e.message, /--onnx-provider auto or cpu/);
        return true;
      },
    );
  }
  await s.session.release();
  const cpu = await openSession(join(FIX, 'vit-tiny', 'model.onnx'), { provider: 'cpu', ...quiet });
  assert.equal(cpu.provider, 'cpu');
  assert.deepEqual(cpu.notes, ['onnx: vit-tiny/model.onnx runs on cpu']);
  await cpu.session.release();
  await assert.rejects(
    openSession(join(FIX, 'vit-tiny', 'model.onnx'), { provider: 'tpu' as never }),
    (e: MmnerError) => e.code === 'E_CONFIG',
  );
});

test('ViT export (last_hidden_state only): batched outputs match the reference; pooled = CLS row', async () => {
  const enc = await OnnxImageEncoder.load(join(FIX, 'vit-tiny'), { provider: 'cpu', batchSize: 2, ...quiet });
  const r = ref['vit-tiny']!;
  const x = r.inputs.pixel_values!;
  const out = await enc.run({
    data: Float32Array.from(x.data),
    dims: x.shape as [number, number, number, number],
  });
  assert.deepEqual(out.lastHiddenState!.dims, r.outputs.last_hidden_state!.shape);
  close(out.lastHiddenState!.data, r.outputs.last_hidden_state!.data, 'last_hidden_state');
  assert.deepEqual(out.pooled.dims, [3, 32]);
  const tokens = 17 * 32;
  for (let b = 0; b < 3; b++)
    close(
      out.pooled.data.subarray(b * 32, b * 32 + 32),
      r.outputs.last_hidden_state!.data.slice(b * tokens, b * tokens + 32),
      `CLS ${b}`,
    );
  await enc.release();
});

test('ResNet export: last_hidden_state [B, C, h, w] and pooler_output [B, C, 1, 1] match; pooled squeezed', async () => {
  // Any input size: the ResNet export has dynamic height and width.
  const enc = await OnnxImageEncoder.load(join(FIX, 'resnet-tiny'), { provider: 'cpu', ...quiet });
  const r = ref['resnet-tiny']!;
  const x = r.inputs.pixel_values!;
  const out = await enc.run({
    data: Float32Array.from(x.data),
    dims: x.shape as [number, number, number, number],
  });
  assert.deepEqual(out.lastHiddenState!.dims, r.outputs.last_hidden_state!.shape);
  close(out.lastHiddenState!.data, r.outputs.last_hidden_state!.data, 'last_hidden_state');
  assert.deepEqual(out.pooled.dims, [2, 32]);
  close(out.pooled.data, r.outputs.pooler_output!.data, 'pooler_output');
  // Without the pooler the spatial mean is the same vector.
  close(poolHidden(out.lastHiddenState!).data, r.outputs.pooler_output!.data, 'spatial mean');
  const regions = regionsOf(out.lastHiddenState!);
  const [, c, h, w] = out.lastHiddenState!.dims as number[];
  assert.deepEqual(regions.dims, [2, h! * w!, c]);
  assert.equal(
    regions.data[1 * h! * w! * c! + 1 * c! + 3],
    out.lastHiddenState!.data[1 * c! * h! * w! + 3 * h! * w! + 1],
  );
  await enc.release();
});

test('BERT export: padded batches with attention_mask and token_type_ids match the reference', async () => {
  const enc = await OnnxTextEncoder.load(join(FIX, 'bert-tiny'), { provider: 'cpu', batchSize: 2, ...quiet });
  assert.equal(enc.maxLength, 40);
  const r = ref['bert-tiny']!;
  const [n, s] = r.inputs.input_ids!.shape as [number, number];
  const idRows: number[][] = [];
  const typeRows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const mask = r.inputs.attention_mask!.data.slice(i * s, (i + 1) * s);
    const len = mask.filter((m) => m === 1).length;
    idRows.push(r.inputs.input_ids!.data.slice(i * s, i * s + len));
    typeRows.push(r.inputs.token_type_ids!.data.slice(i * s, i * s + len));
  }
  // batchSize 2: rows 0-1 share a batch padded to their own length, row 2 runs alone.
  const out = await enc.encodeIds(idRows, typeRows);
  const d = 32;
  for (let i = 0; i < n; i++) {
    const len = idRows[i]!.length;
    assert.deepEqual(out.hidden[i]!.dims, [len, d]);
    close(
      out.hidden[i]!.data,
      r.outputs.last_hidden_state!.data.slice(i * s * d, (i * s + len) * d),
      `row ${i}`,
    );
    close(out.pooled![i]!, r.outputs.pooler_output!.data.slice(i * d, (i + 1) * d), `pooler ${i}`);
  }
  // Words through the WordPiece tokenizer: the same ids, and word vectors = first-subword rows.
  const [sentence] = await enc.encodeWords([r.words![0]!]);
  assert.deepEqual(sentence!.ids, idRows[0]);
  assert.equal(sentence!.words.length, r.words![0]!.length * d);
  for (const [w, t] of sentence!.firstSubword.entries()) {
    close(
      sentence!.words.subarray(w * d, (w + 1) * d),
      r.outputs.last_hidden_state!.data.slice(t * d, (t + 1) * d),
      `word ${w}`,
    );
  }
  await assert.rejects(enc.encodeIds([Array(41).fill(5)]), (e: MmnerError) => e.code === 'E_TOO_LONG');
  await enc.release();
});

test('image files end to end: preprocessing + batches of the ONNX ViT', async () => {
  const enc = await OnnxImageEncoder.load(join(FIX, 'vit-tiny'), { provider: 'cpu', batchSize: 2, ...quiet });
  const files = ['photo.jpg', 'grey.png', 'cmyk.jpg', 'animated.gif', 'wide.jpg'].map((f) => join(IMAGES, f));
  const all = await enc.encodeFiles(files);
  assert.deepEqual(all.lastHiddenState!.dims, [5, 17, 32]);
  const one = await enc.run(await loadPixelValues([files[3]!], enc.processor));
  close(
    all.lastHiddenState!.data.subarray(3 * 17 * 32, 4 * 17 * 32),
    one.lastHiddenState!.data,
    'image 3 alone vs in a batch',
    1e-5,
  );
  await assert.rejects(
    enc.encodeFiles([files[0]!, join(IMAGES, 'truncated.jpg')]),
    (e: MmnerError) => e.code === 'E_IMAGE_CORRUPT' && e.file === join(IMAGES, 'truncated.jpg'),
  );
  await enc.release();
});

test('wrong files and layouts are MmnerErrors naming the file', async () => {
  await assert.rejects(
    OnnxImageEncoder.load(join(tmp, 'nope'), quiet),
    (e: MmnerError) => e.code === 'E_FILE_NOT_FOUND',
  );
  const garbage = join(tmp, 'garbage.onnx');
  writeFileSync(garbage, 'not a protobuf at all');
  await assert.rejects(
    openSession(garbage, quiet),
    (e: MmnerError) => e.code === 'E_ONNX_MODEL' && e.file === garbage,
  );
  // A vision export is not a text encoder.
  await assert.rejects(
    OnnxTextEncoder.load(join(FIX, 'vit-tiny', 'model.onnx'), {
      ...quiet,
      tokenizer: (await OnnxTextEncoder.load(join(FIX, 'bert-tiny'), quiet)).tokenizer,
    }),
    (e: MmnerError) =>
      e.code === 'E_ONNX_LAYOUT' && /input_ids/.test(e.message) && /pixel_values/.test(e.message),
  );
  await assert.rejects(
    OnnxImageEncoder.load(join(FIX, 'bert-tiny', 'model.onnx'), {
      ...quiet,
      processor: join(FIX, 'vit-tiny'),
    }),
    (e: MmnerError) => e.code === 'E_ONNX_LAYOUT',
  );
  // The ViT takes 32×32: a processor making 64×64 is refused before any image is read.
  const big = hfProcessorFromJson({
    image_processor_type: 'ViTImageProcessor',
    size: { height: 64, width: 64 },
  });
  await assert.rejects(
    OnnxImageEncoder.load(join(FIX, 'vit-tiny'), { ...quiet, processor: big }),
    (e: MmnerError) => e.code === 'E_ONNX_LAYOUT' && /32×32/.test(e.message),
  );
});

test('cached features equal computed ones; a batch with a missing image gets zeros there', async () => {
  const enc = await OnnxImageEncoder.load(join(FIX, 'resnet-tiny'), { provider: 'cpu', ...quiet });
  const files = ['photo.jpg', 'grey.png', 'photo.jpg'].map((f) => join(IMAGES, f));
  const direct = OnnxImageEncoder.split(await enc.encodeFiles(files), 'tokens');
  const key = await enc.cacheKey('tokens');
  assert.deepEqual(key.shape, [16, 32]); // 4×4 regions of 32 channels
  assert.equal(key.preprocessing, processorKey(enc.processor));
  const cache = await FeatureCache.open(join(tmp, 'cache'), key);
  const cold = await enc.encodeFilesCached(files, cache, 'tokens');
  const warm = await enc.encodeFilesCached(files, cache, 'tokens');
  for (let i = 0; i < files.length; i++) {
    close(cold[i]!, direct[i]!, `cold ${i}`, 1e-6);
    assert.deepEqual(warm[i], cold[i]);
  }
  // photo.jpg twice: one content hash, so warm reads are all hits and nothing was written twice.
  assert.deepEqual((await cache.listHashes()).length, 2);
  const batch = await enc.batchFeatures([files[0], undefined, files[1]], cache, 'tokens');
  assert.deepEqual(batch.dims, [3, 16, 32]);
  assert.deepEqual(batch.present, [true, false, true]);
  assert.ok(batch.data.subarray(512, 1024).every((v) => v === 0));
  assert.deepEqual(batch.data.subarray(1024, 1536), cold[1]);
  // A different processor is a different namespace: the features are not reused.
  const other = await OnnxImageEncoder.load(join(FIX, 'resnet-tiny'), {
    ...quiet,
    processor: join(FIX, 'vit-tiny'),
  });
  assert.notEqual((await other.cacheKey('tokens')).preprocessing, key.preprocessing);
  await enc.release();
  await other.release();
});
