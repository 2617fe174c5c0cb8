import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { memoryIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { generateSample } from '../../src/core/sample/generate.js';
import { writeSample } from '../../src/core/sample/write.node.js';
import { readCheckpoint } from '../../src/train/checkpoint.node.js';

const root = mkdtempSync(join(tmpdir(), 'mmner-cli-train-'));
const data = join(root, 'data');
const run = join(root, 'tiny');
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await writeSample(data, generateSample({ seed: 2, size: 'tiny' }));
});

test('train prints the best dev F1 and per-language tables; eval rescores a split', async () => {
  const io = memoryIO();
  assert.equal(await main(['train', '--data', data, '--out', run, '--epochs', '1'], io), 0, io.stderr());
  assert.match(io.stdout(), /^trained \d+ steps \(completed\); best dev F1 \d+\.\d\d at step \d+/);
  assert.match(io.stdout(), /^test \(conlleval; strict = IOB2 strict\)/m);
  assert.match(io.stdout(), /F1 ambiguous/);
  assert.match(io.stdout(), /^ {2}en +16 /m);
  assert.match(io.stderr(), /backend: wasm/);

  const ev = memoryIO();
  assert.equal(await main(['eval', '--run', run, '--split', 'dev'], ev), 0, ev.stderr());
  assert.match(ev.stdout(), /^dev \(conlleval/);
  assert.match(ev.stdout(), /checkpoint: checkpoints\/best\.safetensors; wrote eval\/dev\.json/);
  const json = memoryIO();
  assert.equal(await main(['eval', '--run', run, '--split', 'dev', '--json'], json), 0);
  const metrics = JSON.parse(json.stdout());
  assert.deepEqual(Object.keys(metrics.conlleval.byLanguage).sort(), ['de', 'en', 'es', 'fr']);
});

test('predict tags JSON lines with the trained run; bad input names its line', async () => {
  const input = join(root, 'in.jsonl');
  const output = join(root, 'out.jsonl');
  writeFileSync(
    input,
    '{"id":"a","tokens":["Jordan","is","great","!"],"image":"en-test-000001"}\n\n{"id":"b","tokens":["We","saw","Berlin"]}\n',
  );
  const io = memoryIO();
  const args = [
    'predict',
    '--run',
    run,
    '--input',
    input,
    '--output',
    output,
    '--images',
    join(data, 'images'),
  ];
  assert.equal(await main(args, io), 0, io.stderr());
  const rows = readFileSync(output, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((r) => [r.id, r.tags.length]),
    [
      ['a', 4],
      ['b', 3],
    ],
  );
  for (const r of rows) assert.ok(r.tags.every((t: string) => /^(O|[BI]-(PER|LOC|ORG|MISC))$/.test(t)));
  writeFileSync(input, '{"id":"a","tokens":["x"]}\n{"id":"b","tokens":"not a list"}\n');
  const bad = memoryIO();
  assert.equal(await main(['predict', '--run', run, '--input', input], bad), 2);
  assert.match(bad.stderr(), /in\.jsonl:2: "tokens" must be a non-empty array/);
});

test('usage errors exit 2 with a message that says what to do', async () => {
  const cases: [string[], RegExp][] = [
    [['train', '--data', data], /--out is required/],
    [
      ['train', '--data', data, '--out', join(root, 'x'), '--ablation', 'nope'],
      /--ablation must be one of none, text-only/,
    ],
    [['train', '--data', data, '--out', join(root, 'x'), '--epochs', '0'], /--epochs must be at least 1/],
    [['train', '--data', root, '--out', join(root, 'x')], /not a dataset manifest/],
    [['eval', '--run', join(root, 'missing')], /missing/],
    [['eval', '--run', run, '--split', 'nope'], /no split 'nope'/],
    [
      ['train', '--data', data, '--out', join(root, 'x'), '--set', 'model.text.options.width=3'],
      /--set model\.text\.options\.width is not a field of this config[\s\S]*settable: .*model\.text\.options\.hidden/,
    ],
    [['train', '--out', run, '--resume', '--set', 'train.lr=1'], /--set applies to a new run/],
    [
      ['train', '--data', data, '--out', join(root, 'x'), '--ema', '1'],
      /--ema must be a decay in \[0, 1\) \(0 = none\), got '1'/,
    ],
    [
      [
        'train',
        '--data',
        data,
        '--out',
        join(root, 'x'),
        '--micro-batches',
        '8',
        '--set',
        'train.batchSize=4',
      ],
      /8 micro-batches is more than the batch size \(4\)/,
    ],
  ];
  for (const [argv, message] of cases) {
    const io = memoryIO();
    assert.equal(await main(argv, io), 2, argv.join(' '));
    assert.match(io.stderr(), message, argv.join(' '));
  }
});

test('--set overrides config fields of a new run: saved in config.json and used by the model', async () => {
  const out = join(root, 'set');
  const io = memoryIO();
  const argv = ['train', '--data', data, '--out', out, '--epochs', '1', '--ablation', 'text-only'];
  const sets = ['--set', 'model.text.options.hidden=12', '--set', 'train.weightDecay=0.01'];
  assert.equal(await main([...argv, ...sets], io), 0, io.stderr());
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.model.text.options.hidden, 12);
  assert.equal(config.train.weightDecay, 0.01);
  // The BiLSTM really is 12 wide (recurrent kernels [12, 4·12]), and eval rebuilds that model.
  const ckpt = await readCheckpoint(join(out, 'checkpoints', 'best.safetensors'));
  const recurrent = [...ckpt.variables].filter(([name]) => /recurrent/i.test(name));
  assert.ok(recurrent.length > 0, [...ckpt.variables.keys()].join(' '));
  for (const [name, v] of recurrent) assert.deepEqual(v.shape, [12, 48], name);
  const ev = memoryIO();
  assert.equal(await main(['eval', '--run', out, '--split', 'dev'], ev), 0, ev.stderr());
  const bad = memoryIO();
  assert.equal(
    await main([...argv, '--out', join(root, 'set2'), '--set', 'model.text.options.hidden=0'], bad),
    2,
  );
  assert.match(bad.stderr(), /hidden must be a positive integer, got 0/);
});
