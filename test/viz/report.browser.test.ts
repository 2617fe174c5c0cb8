/**
 * The written report opened in headless Chromium from a file:// URL, with hostile text in every
 * name and real images: no console error (a CSP violation would be one), no failed or outside
 * request, no dialog; every section heading, chart and image present and loaded; the sort and
 * filter script running under the page's policy. Leaves a full-page screenshot in
 * test-artifacts/viz/report.png for a person to look at. Skipped where Chromium is not installed.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { REPORT_SECTIONS } from '../../src/viz/report/model.js';
import { writeReport } from '../../src/viz/report/write.node.js';
import { fullModel, HOSTILE, QUOTES } from './fixtures.js';
import { sampleImages } from './sampleImages.js';

const CHROMIUM = process.env.MMNER_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/viz');

test('the report renders in Chromium with no errors, requests outside it, or dialogs', {
  skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}`,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mmner-viz-browser-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
  try {
    const images = await sampleImages(dir);
    const out = await writeReport(fullModel(images), join(dir, 'report'), { imageRoot: dir });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', async (d) => {
      problems.push(`dialog: ${d.type()} ${d.message()}`);
      await d.dismiss();
    });

    await page.goto(pathToFileURL(out.index).href, { waitUntil: 'load' });
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));

    const base = pathToFileURL(out.dir).href;
    for (const url of requests) {
      assert.ok(url.startsWith(`${base}/`) || url.startsWith('data:'), `request outside the report: ${url}`);
    }
    const headings = await page.locator('main h2').allTextContents();
    assert.deepEqual(
      headings,
      REPORT_SECTIONS.map((s) => s.title),
    );
    const charts = await page.locator('figure.chart img').count();
    assert.equal(charts, out.charts.length / 2);
    const broken = await page.evaluate(() =>
      Array.from(document.images)
        .filter((img) => img.naturalWidth === 0)
        .map((img) => img.getAttribute('src')),
    );
    assert.deepEqual(broken, [], 'every image decodes');
    // Hostile text reaches the page as text, intact.
    assert.equal(await page.locator('h1 bdi').textContent(), `run ${HOSTILE} ${QUOTES}`);
    assert.equal(await page.locator('script').count(), 1);
    assert.equal(await page.locator('img[src="x"]').count(), 0);

    // Sorting runs under the CSP: F1 ascending, the `all` row stays last.
    const metrics = page.locator('#summary table.mm-metrics');
    await metrics.locator('th', { hasText: /^F1 %$/ }).click();
    const langs = await metrics
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-lang')));
    const f1 = await metrics
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => Number((r as HTMLTableRowElement).cells[7]!.dataset.value)));
    assert.equal(langs.at(-1), 'all');
    const sorted = f1.slice(0, -1);
    assert.deepEqual(
      sorted,
      [...sorted].sort((a, b) => a - b),
    );

    // Filtering: only `missed` rows stay visible, and the count says so.
    await page.selectOption('select[data-filter-attr="class"]', 'missed');
    const visible = await page
      .locator('#errors-table tbody tr')
      .evaluateAll((rows) =>
        rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.getAttribute('data-class')),
      );
    assert.deepEqual(visible, ['missed']);
    assert.equal(await page.locator('#errors-table-count').textContent(), '1 shown');
    await page.selectOption('select[data-filter-attr="class"]', '');

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
});
