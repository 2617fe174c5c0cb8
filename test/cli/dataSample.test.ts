import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { memoryIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmner-cli-sample-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('data sample writes the dataset and prints one summary line', async () => {
  const io = memoryIO(root);
  assert.equal(
    await main(['data', 'sample', '--out', 'out', '--size', 'tiny', '--seed', '7'], io),
    0,
    io.stderr(),
  );
  assert.match(
    io.stdout(),
    /^wrote mmner-sample-tiny \(seed 7\) to .*out: 224 sentences in 4 languages, 224 images, \d+ ambiguous, \d+ unrelated-image, [\d.]+ MB in [\d.]+ s\n$/,
  );
  assert.equal(io.stderr(), '', 'no progress drawn when stderr is not a terminal');
  const manifest = JSON.parse(await readFile(join(root, 'out', 'dataset.json'), 'utf8'));
  assert.equal(manifest.name, 'mmner-sample-tiny');
  assert.match(await readFile(join(root, 'out', 'README.md'), 'utf8'), /--seed 7 --size tiny/);
});

test('progress goes to stderr on a terminal', async () => {
  const io = { ...memoryIO(root), isTTY: true };
  let err = '';
  io.err = (t: string) => {
    err += t;
  };
  assert.equal(await main(['data', 'sample', '--out', 'tty', '--size', 'tiny'], io), 0);
  assert.match(err, /\rrendering images 224\/224 \(100 %\)\n$/);
});

test('a non-empty folder is refused with a hint; --force writes into it', async () => {
  const dir = join(root, 'busy');
  await mkdir(dir);
  await writeFile(join(dir, 'keep.txt'), 'x');
  const io = memoryIO(root);
  assert.equal(await main(['data', 'sample', '--out', 'busy', '--size', 'tiny'], io), 2);
  assert.match(
    io.stderr(),
    /^mmner: .*busy is not empty and does not hold an mmner sample dataset\n {2}.*--force/,
  );
  assert.ok(!existsSync(join(dir, 'dataset.json')));
  const forced = memoryIO(root);
  assert.equal(await main(['data', 'sample', '--out', 'busy', '--size', 'tiny', '--force'], forced), 0);
  assert.ok(existsSync(join(dir, 'dataset.json')));
  assert.ok(existsSync(join(dir, 'keep.txt')));
});

test('--contact-sheet writes a PNG grid', async () => {
  const io = memoryIO(root);
  const args = [
    'data',
    'sample',
    '--out',
    'out',
    '--size',
    'tiny',
    '--seed',
    '7',
    '--contact-sheet',
    'sheet.png',
  ];
  assert.equal(await main(args, io), 0, io.stderr());
  const meta = await sharp(join(root, 'sheet.png')).metadata();
  assert.equal(meta.format, 'png');
  assert.ok(meta.width! > 800 && meta.height! > 600, `${meta.width}×${meta.height}`);
});

test('bad options are usage errors', async () => {
  for (const [args, pattern] of [
    [[], /--out DIR is required/],
    [['--out', 'x', '--size', 'huge'], /--size must be one of tiny, small, medium; got 'huge'/],
    [['--out', 'x', '--seed', '1.5'], /--seed must be an integer/],
    [['--out', 'x', '--unrelated', '2'], /--unrelated must be a share between 0 and 0.9/],
    [['x'], /unexpected argument 'x'/],
  ] as const) {
    const io = memoryIO(root);
    assert.equal(await main(['data', 'sample', ...args], io), 2, args.join(' '));
    assert.match(io.stderr(), pattern);
  }
});
