import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { memoryIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { NO_SHARED_DATA, shared, tempDir } from '../core/data/helpers.js';

const TINY = resolve(import.meta.dirname, '../fixtures/data/tiny');

async function run(...argv: string[]) {
  const io = memoryIO();
  const code = await main(['data', 'validate', ...argv], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const REAL = [
  'twitter2015/train.txt',
  'twitter2015/valid.txt',
  'twitter2015/test.txt',
  'twitter2017/train.txt',
  'twitter2017/valid.txt',
  'twitter2017/test.txt',
  'mmnerd-en/train.txt',
  'mmnerd-en/valid.txt',
  'mmnerd-en/test.txt',
  'wikineural/en.test.first2000.conllu',
  'wikineural/fr.test.first2000.conllu',
  'wikineural/de.test.first2000.conllu',
  'wikineural/es.test.first500.conllu',
  'conll2002-es/esp.testb',
];

test('exits 0 on every real file of ../shared/data, with a summary line', {
  skip: NO_SHARED_DATA,
}, async () => {
  for (const f of REAL) {
    const r = await run(shared(f));
    assert.equal(r.code, 0, `${f}\n${r.out}${r.err}`);
    assert.match(r.out, /\n[\d,]+ sentences, [\d,]+ tokens, 0 errors, [\d,]+ warnings?\n$/, f);
  }
  const t15 = await run(shared('twitter2015/test.txt'));
  assert.match(t15.out, /test\.txt:106: warning W_TAG_STRAY_I: 135 I- tags continue no entity/);
  assert.match(t15.out, /3,257 sentences, 52,822 tokens, 0 errors, 135 warnings\n$/);
  assert.match(t15.out, /note: format imgid-conll \(detected/);
});

test('lists every problem as file:line: error CODE, then exits 1', async () => {
  const dir = tempDir();
  const file = join(dir, 'bad.txt');
  writeFileSync(file, 'IMGID:1\nJordan\tB-PER\nplays O\n\nIMGID:1\nx\tX-PER\ny\tO\tO\n');
  const r = await run(file);
  assert.equal(r.code, 1);
  const lines = r.out.split('\n');
  assert.ok(
    lines.includes(
      `${file}:3: error E_DATA_SEPARATOR: fields are separated by spaces, but this file separates token and tag with a TAB (found 2 space-separated fields) (replace the space(s) between token and tag with one TAB)`,
    ),
    r.out,
  );
  for (const expected of [
    `${file}:5: error E_DATA_DUPLICATE_ID`,
    `${file}:6: error E_DATA_BAD_TAG`,
    `${file}:7: error E_DATA_COLUMNS`,
  ]) {
    assert.ok(
      lines.some((l) => l.startsWith(expected)),
      expected,
    );
  }
  assert.match(r.out, /2 sentences, 2 tokens, 4 errors, 0 warnings\n$/);
});

test('--max folds long runs of one code; --json gives the full report', async () => {
  const dir = tempDir();
  const file = join(dir, 'many.txt');
  writeFileSync(file, `IMGID:1\n${Array.from({ length: 30 }, (_, i) => `t${i}\tBAD`).join('\n')}\n`);
  const r = await run(file, '--max', '5');
  assert.equal(r.code, 1);
  assert.equal(r.out.split('\n').filter((l) => l.includes('error E_DATA_BAD_TAG')).length, 5);
  assert.match(r.out, /… 25 more E_DATA_BAD_TAG not shown/);
  const j = await run(file, '--json');
  const report = JSON.parse(j.out);
  assert.equal(report.summary.errors, 30);
  assert.equal(report.problems.length, 30);
  assert.equal(report.files[0].format, 'imgid-conll');
});

test('file options: --format, --scheme, --type-map, --types, --tag-column', async () => {
  const dir = tempDir();
  const file = join(dir, 'bioes.conll');
  writeFileSync(file, 'Louvre NNP B-OTHER\nMuseum NNP E-OTHER\n');
  assert.equal((await run(file)).code, 1, 'E- is not IOB2');
  assert.equal((await run(file, '--scheme', 'BIOES')).code, 0);
  const typed = await run(file, '--scheme', 'BIOES', '--types', 'PER,LOC,ORG,MISC');
  assert.equal(typed.code, 1);
  assert.match(typed.out, /E_DATA_UNKNOWN_TYPE/);
  assert.equal((await run(file, '--scheme', 'BIOES', '--types', 'MISC', '--type-map', 'OTHER=MISC')).code, 0);
  assert.equal((await run(file, '--tag-column', '1')).code, 1, 'NNP is no tag');
  const forced = await run(file, '--format', 'jsonl');
  assert.equal(forced.code, 1);
  assert.match(forced.out, /E_DATA_JSON_SYNTAX/);
});

test('--check-images with --images: a corrupt image is an error naming the image and the sentence', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'img'));
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } })
    .png()
    .toBuffer();
  writeFileSync(join(dir, 'img', 'good.png'), png);
  writeFileSync(join(dir, 'img', 'cut.png'), png.subarray(0, png.length - 30));
  const file = join(dir, 'data.txt');
  writeFileSync(file, 'IMGID:good\na\tO\n\nIMGID:cut\nb\tO\n\nIMGID:gone\nc\tO\n');
  const missing = await run(file, '--images', join(dir, 'img'));
  assert.equal(missing.code, 1);
  assert.match(missing.out, /data\.txt:7: error E_DATA_IMAGE_MISSING: no image file for id 'gone'/);
  const blank = await run(file, '--images', join(dir, 'img'), '--missing-images', 'blank');
  assert.equal(blank.code, 0, blank.out);
  assert.match(blank.out, /images: 2 found, 1 blank/);
  const checked = await run(
    file,
    '--images',
    join(dir, 'img'),
    '--missing-images',
    'blank',
    '--check-images',
  );
  assert.equal(checked.code, 1);
  assert.match(
    checked.out,
    new RegExp(
      `data\\.txt:4: error E_DATA_IMAGE_CORRUPT: image ${join(dir, 'img', 'cut.png')} cannot be read`,
    ),
  );
});

test('a manifest, or a folder holding one, is validated whole', async () => {
  const r = await run(TINY);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /split train: 5 sentences \(en 3, de 2\)/);
  assert.match(r.out, /dataset\.json:7: warning W_DATA_IMAGE_DIR_MISSING/);
  assert.match(r.out, /9 sentences, 28 tokens, 0 errors, 1 warning\n$/);
  const bad = tempDir();
  const m = JSON.parse(readFileSync(join(TINY, 'dataset.json'), 'utf8'));
  m.splits.train[0].file = 'missing.txt';
  writeFileSync(join(bad, 'dataset.json'), JSON.stringify(m, null, 2));
  const r2 = await run(join(bad, 'dataset.json'));
  assert.equal(r2.code, 1);
  assert.match(
    r2.out,
    /dataset\.json:\d+: error E_MANIFEST_FILE_MISSING: splits\.train\[0\]\.file: no such file/,
  );
  const opt = await run(TINY, '--scheme', 'IOB1');
  assert.equal(opt.code, 2);
  assert.match(opt.err, /--scheme apply to data files/);
});

test('usage errors and unreadable paths exit 2 without a stack trace', async () => {
  for (const argv of [
    [],
    ['a', 'b'],
    ['/nonexistent/file.txt'],
    [TINY, '--bogus'],
    ['x', '--scheme', 'IOB9'],
  ]) {
    const r = await run(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, /^mmner: /);
    assert.doesNotMatch(r.err, /\n\s+at /);
  }
  const help = await run('--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /--check-images/);
});
