/**
 * `mmner export` and `mmner predict --onnx` end to end: a tiny run trained for one epoch on the
 * sample data (multimodal, and text-only), exported, verified against TensorFlow.js on the dev
 * split, and used for predictions that must equal `mmner predict --run`'s.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { memoryIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { loadDataset } from '../../src/core/data/dataset.node.js';
import { generateSample } from '../../src/core/sample/generate.js';
import { writeSample } from '../../src/core/sample/write.node.js';
import { presetConfig } from '../../src/model/config.js';
import { type CrfScheme, crfTags } from '../../src/model/crf/tags.js';
import { OPSET } from '../../src/onnx/export/proto.js';

const root = mkdtempSync(join(tmpdir(), 'mmner-cli-export-'));
const data = join(root, 'data');
const runs = { multimodal: join(root, 'mm'), textOnly: join(root, 'text') };
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  await writeSample(data, generateSample({ seed: 2, size: 'tiny' }));
  for (const [run, extra] of [
    [runs.multimodal, []],
    [runs.textOnly, ['--ablation', 'text-only']],
  ] as const) {
    const io = memoryIO();
    const code = await main(['train', '--data', data, '--out', run, '--epochs', '1', ...extra], io);
    assert.equal(code, 0, io.stderr());
  }
});

for (const [kind, run] of Object.entries(runs)) {
  test(`export --verify (${kind}): opset ${OPSET}, emissions within 1e-4, identical predictions`, async () => {
    const out = join(root, `${kind}.onnx`);
    const io = memoryIO();
    assert.equal(
      await main(['export', '--run', run, '--onnx', out, '--verify'], io),
      0,
      io.stderr() + io.stdout(),
    );
    const text = io.stdout();
    assert.match(text, new RegExp(`ONNX opset ${OPSET}, IR 8, from checkpoints/best\\.safetensors`));
    assert.match(text, /^inputs: {2}word_ids int32 \[batch, words\], casing_ids int32/m);
    // The CRF's tag count: O + B/I (IOB2) or B/I/E/S (BIOES) per type, as the run was configured.
    const saved = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as {
      model: { entityTypes: string[]; tagScheme?: CrfScheme };
    };
    const k = crfTags(saved.model.entityTypes, saved.model.tagScheme ?? 'IOB2').length;
    assert.equal(k, 1 + (saved.model.tagScheme === 'BIOES' ? 4 : 2) * saved.model.entityTypes.length);
    assert.match(text, new RegExp(`^outputs: emissions float \\[batch, words, ${k}\\]`, 'm'));
    if (kind === 'multimodal') assert.match(text, /images float \[batch, 64, 64, 3\]/);
    else assert.doesNotMatch(text, /images/);
    const m =
      /verified on (\d+) dev sentences .*max \|emission difference\| ([0-9.e+-]+).*identical predictions (\d+)\/(\d+)/.exec(
        text,
      );
    assert.ok(m, text);
    assert.ok(Number(m[1]) > 0);
    assert.ok(Number(m[2]) <= 1e-4, `emission difference ${m[2]}`);
    assert.equal(m[3], m[4]);
  });
}

test('predict --onnx writes the same tags as predict --run on the test split', async () => {
  const out = join(root, 'mm-predict.onnx');
  const ex = memoryIO();
  assert.equal(await main(['export', '--run', runs.multimodal, '--onnx', out], ex), 0, ex.stderr());
  const ds = await loadDataset(join(data, 'dataset.json'));
  const input = join(root, 'test.jsonl');
  writeFileSync(
    input,
    `${ds.splits
      .test!.map((s, i) =>
        JSON.stringify({ id: s.id, tokens: s.tokens, ...(i % 5 === 4 ? {} : { image: s.image }) }),
      )
      .join('\n')}\n`,
  );
  const outputs: string[] = [];
  for (const how of [
    ['--run', runs.multimodal],
    ['--onnx', out],
  ]) {
    const file = join(root, `pred${how[0]}.jsonl`);
    const io = memoryIO();
    const args = ['predict', ...how, '--input', input, '--output', file, '--images', join(data, 'images')];
    assert.equal(await main(args, io), 0, io.stderr());
    outputs.push(readFileSync(file, 'utf8'));
  }
  const [viaRun, viaOnnx] = outputs.map((o) =>
    o
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  );
  assert.equal(viaOnnx!.length, ds.splits.test!.length);
  assert.deepEqual(viaOnnx, viaRun);
});

test('a paper run is refused with the parts that cannot be exported; usage errors say what to do', async () => {
  const paper = join(root, 'paper');
  mkdirSync(join(paper, 'checkpoints'), { recursive: true });
  writeFileSync(
    join(paper, 'config.json'),
    JSON.stringify({ version: 1, ...presetConfig('paper', ['PER', 'LOC']), data, vocab: {} }),
  );
  const io = memoryIO();
  assert.equal(await main(['export', '--run', paper, '--onnx', join(root, 'p.onnx')], io), 2);
  assert.match(io.stderr(), /paper[\\/]config\.json: ONNX export supports the tiny preset's parts only/);
  assert.match(io.stderr(), /BERT text encoder, the ViT image branch, the ResNet-152 image branch/);

  const cases: [string[], RegExp][] = [
    [['export', '--run', runs.textOnly], /--onnx is required/],
    [['export', '--onnx', join(root, 'x.onnx')], /--run is required/],
    [['export', '--run', join(root, 'nope'), '--onnx', join(root, 'x.onnx')], /no run "nope"/],
    [
      ['predict', '--run', runs.textOnly, '--onnx', join(root, 'text.onnx')],
      /give --run or --onnx, not both/,
    ],
    [
      ['predict', '--onnx', join(root, 'missing.onnx'), '--input', join(root, 'test.jsonl')],
      /cannot read .*missing\.onnx/,
    ],
  ];
  for (const [args, message] of cases) {
    const e = memoryIO();
    assert.equal(await main(args, e), 2, args.join(' '));
    assert.match(e.stderr(), message);
  }
});
