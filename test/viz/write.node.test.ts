/**
 * Writing a report folder: every file the page names exists (charts as SVG and PNG, thumbnails,
 * heatmaps), index.html comes last, unrelated files in the folder survive, and a missing image
 * is an error that leaves no page behind.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { isMmnerError } from '../../src/core/errors.js';
import { type WrittenReport, writeReport } from '../../src/viz/report/write.node.js';
import { fullModel, HOSTILE } from './fixtures.js';
import { attr, pngSize, svgTexts, tagsOf } from './helpers.js';
import { sampleImages } from './sampleImages.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe('writeReport', () => {
  let dir: string;
  let out: WrittenReport;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmner-viz-write-'));
    const images = await sampleImages(dir);
    const reportDir = join(dir, 'report');
    await mkdir(reportDir);
    await writeFile(join(reportDir, 'keep-me.txt'), 'not ours');
    out = await writeReport(fullModel(images), reportDir, { imageRoot: dir, thumbnailSize: 96 });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('every src and href of the page is a file in the folder', async () => {
    const html = await readFile(out.index, 'utf8');
    const refs = tagsOf(html)
      .flatMap((t) => [attr(t, 'src'), attr(t, 'href')])
      .filter((r): r is string => r !== undefined && !r.startsWith('data:') && !r.startsWith('#'));
    assert.ok(refs.length > 20, `${refs.length} references`);
    const files = new Set(await filesUnder(out.dir));
    for (const ref of refs) assert.ok(files.has(ref), `${ref} exists`);
    assert.ok(!html.includes(HOSTILE));
  });

  test('charts are SVG documents with their titles and PNGs of sensible size', async () => {
    const svgs = out.charts.filter((f) => f.endsWith('.svg'));
    const pngs = out.charts.filter((f) => f.endsWith('.png'));
    assert.equal(svgs.length, pngs.length);
    assert.ok(svgs.length >= 12, String(svgs.length));
    const scatter = await readFile(join(out.dir, 'charts/alignment-scatter-1.svg'), 'utf8');
    assert.ok(
      svgTexts(scatter).some((t) => t.includes(`${HOSTILE} branch`)),
      'hostile branch name drawn as text',
    );
    for (const png of pngs) {
      const { width, height } = pngSize(await readFile(png));
      assert.ok(
        width >= 300 && width <= 4000 && height >= 200 && height <= 4000,
        `${png}: ${width}×${height}`,
      );
    }
  });

  test('thumbnails fit the requested size; heatmaps are squares', async () => {
    // s1 and s4 share one file, s3 has another; s2 is a data URI and stays inline.
    assert.equal(out.images.length, 2);
    for (const file of out.images) {
      const meta = await sharp(file).metadata();
      assert.ok(Math.max(meta.width!, meta.height!) <= 96, file);
    }
    assert.ok(out.heatmaps.length > 0);
    for (const file of out.heatmaps)
      assert.deepEqual(pngSize(await readFile(file)), { width: 160, height: 160 });
  });

  test('index.html is written last and no temp file is left; other files are kept', async () => {
    const indexTime = (await stat(out.index)).mtimeMs;
    for (const f of [...out.charts, ...out.images, ...out.heatmaps]) {
      assert.ok((await stat(f)).mtimeMs <= indexTime, f);
    }
    const files = await filesUnder(out.dir);
    assert.ok(!files.some((f) => f.endsWith('.mmner-tmp')));
    assert.ok(files.includes('keep-me.txt'));
  });

  test('a missing image file is an E_REPORT_IMAGE error and no page is written', async () => {
    const target = join(dir, 'broken');
    await assert.rejects(
      writeReport(fullModel({ s1: 'missing.png' }), target, { imageRoot: dir }),
      (e) => isMmnerError(e) && e.code === 'E_REPORT_IMAGE' && e.file === join(dir, 'missing.png'),
    );
    assert.ok(!(await filesUnder(target)).includes('index.html'));
  });
});
