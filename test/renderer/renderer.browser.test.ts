/**
 * The renderer bundle in headless Chromium, on a page that stands in for VS Code's output webview
 * (theme variables, a strict content policy, a fake renderer context). One output per MIME type
 * from hand-built payloads with hostile text, in a light and a dark theme: the DOM of each view,
 * the interactions (attention hover, alignment hover card and click message, table sort and
 * filters, progress replaced in place), error boxes for bad payloads, and no console error, no
 * request outside the page's folder, no dialog. Screenshots go to test-artifacts/renderer/.
 * Skipped where Chromium is not installed.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { MIME } from '../../src/core/protocol/mime.js';
import { THEMES, type ThemeKind, writeFixturePage } from './fixturePage.js';
import { CHART_TITLE, EMOJI, HOSTILE, type Payloads, payloads, REMOTE_IMAGE, RTL } from './payloads.js';

const CHROMIUM = process.env.MMNER_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts/renderer');

if (!existsSync(CHROMIUM)) console.log(`# renderer browser test skipped: no Chromium at ${CHROMIUM}`);

interface Case {
  slot: string;
  id: string;
  mime: string;
  text: string;
}

function cases(p: Payloads): Case[] {
  const one = (slot: string, mime: string, value: unknown): Case => ({
    slot,
    id: `out-${slot}`,
    mime,
    text: JSON.stringify(value),
  });
  return [
    one('progress', MIME.progress, p.progress),
    one('chart', MIME.chart, p.chart),
    one('metrics', MIME.metrics, p.metrics),
    one('sentences', MIME.sentences, p.sentences),
    one('attention', MIME.attention, p.attention),
    one('alignment', MIME.alignment, p.alignment),
    one('errors', MIME.errors, p.errors),
    one('misaligned', MIME.misaligned, p.misaligned),
    one('remote chart', MIME.chart, p.remoteChart),
    { slot: 'bad json', id: 'out-bad-json', mime: MIME.metrics, text: '{"split": "dev", "rows": [' },
    one('bad shape', MIME.sentences, { sentences: [{ id: 'x', lang: 'en', tokens: 'not a list' }] }),
    one('unknown mime', 'application/vnd.mmner.nope+json', {}),
  ];
}

/** Opens the fixture page for `theme`, renders every case, and records what must not happen. */
async function openPage(browser: Browser, dir: string, theme: ThemeKind, all: Case[]) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(5000);
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
  const file = await writeFixturePage(dir, theme);
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForFunction(() => (window as unknown as { mmnerReady?: boolean }).mmnerReady === true);
  await render(page, all);
  return { page, problems, requests };
}

/** Renders the cases in order; a render that never settles fails the test instead of hanging it. */
async function render(page: Page, all: Case[]): Promise<void> {
  await page.evaluate(async (list) => {
    const w = window as unknown as { mmnerRender: (c: unknown) => Promise<void> };
    for (const c of list) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`rendering ${JSON.stringify(c).slice(0, 80)} did not finish`)),
          5000,
        );
      });
      await Promise.race([w.mmnerRender(c), late]);
      clearTimeout(timer);
    }
  }, all);
}

function slot(page: Page, name: string) {
  return page.locator(`section[data-slot="${name}"] .output`);
}

/** The `data-<attr>` of the visible body rows of a table. */
async function visibleRows(page: Page, name: string, attr: string): Promise<string[]> {
  return slot(page, name)
    .locator('table')
    .first()
    .locator('tbody tr')
    .evaluateAll(
      (rows, a) =>
        rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.getAttribute(`data-${a}`) ?? ''),
      attr,
    );
}

const sorted = (xs: readonly string[]) => [...xs].sort((a, b) => a.localeCompare(b));

test('the renderer draws every mmner output in Chromium, light and dark', {
  skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}`,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mmner-renderer-'));
  let browser: Browser | undefined;
  try {
    await build({
      entryPoints: [join(ROOT, 'src/renderer/index.ts')],
      outfile: join(dir, 'renderer.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
    });
    const p = await payloads();
    const all = cases(p);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // file:// pages may import modules from their own folder only with this flag.
      args: ['--no-sandbox', '--disable-background-networking', '--allow-file-access-from-files'],
    });
    await mkdir(ARTIFACTS, { recursive: true });

    const { page, problems, requests } = await openPage(browser, dir, 'vscode-light', all);

    // Hostile text stays text: no element from it, no dialog (checked at the end).
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.locator('.mm-output script').count(), 0);

    // chart: an SVG with its title as text, in the theme's background.
    const chart = slot(page, 'chart');
    await chart.locator('svg').waitFor();
    assert.ok((await chart.locator('svg text').allTextContents()).includes(CHART_TITLE));
    assert.equal(
      await chart.locator('svg.marks').evaluate((e) => getComputedStyle(e).backgroundColor),
      'rgb(255, 255, 255)',
    );
    assert.equal(await chart.locator('.vega-actions, details').count(), 0, 'no action menu');

    // metrics: rows in language order with `all` last, the hostile split name as text.
    const metrics = slot(page, 'metrics');
    assert.deepEqual(await visibleRows(page, 'metrics', 'lang'), ['en', 'fr', 'de', 'es', 'all']);
    assert.match((await metrics.locator('caption').first().textContent()) ?? '', /dev <img src=x/);
    await metrics.locator('table.mm-metrics th', { hasText: /^F1 %$/ }).click();
    assert.deepEqual(await visibleRows(page, 'metrics', 'lang'), ['fr', 'es', 'de', 'en', 'all']);

    // sentences: gold and predicted spans by type, the RTL sentence intact, the URL image refused.
    const sentences = slot(page, 'sentences');
    assert.equal(await sentences.locator('figure.mm-sentence').count(), 2);
    const first = sentences.locator('figure.mm-sentence').first();
    assert.deepEqual(
      await first
        .locator('.mm-sentence-column')
        .first()
        .locator('mark')
        .evaluateAll((m) => m.map((e) => e.getAttribute('data-type'))),
      ['PER', 'MISC', 'LOC'],
    );
    assert.deepEqual(
      await first
        .locator('.mm-sentence-column')
        .nth(1)
        .locator('mark')
        .evaluateAll((m) => m.map((e) => e.getAttribute('data-type'))),
      ['LOC', 'MISC', 'LOC'],
    );
    assert.ok(((await first.textContent()) ?? '').includes(HOSTILE));
    assert.ok(
      ((await sentences.locator('figure.mm-sentence').nth(1).textContent()) ?? '').includes(
        RTL.split(' ')[0]!,
      ),
    );
    assert.equal(await sentences.locator('img').count(), 1);
    assert.match((await sentences.locator('img').getAttribute('src')) ?? '', /^data:image\/png;base64,/);
    assert.ok(((await sentences.locator('.mm-refused').textContent()) ?? '').includes(REMOTE_IMAGE));

    // attention: the heatmap follows the hovered (or focused) token; the hottest cell moves.
    const attention = slot(page, 'attention');
    const layer = attention.locator('.mm-att-layer');
    const hottest = () =>
      layer.locator('rect').evaluateAll((rects) => {
        const o = rects.map((r) => Number(r.getAttribute('fill-opacity')));
        return o.indexOf(Math.max(...o));
      });
    assert.equal(await layer.getAttribute('data-token'), '0', 'starts on the token with the highest gate');
    assert.equal(await hottest(), 0);
    const before = await layer.innerHTML();
    await attention.locator('button.mm-att-tok').nth(3).hover();
    assert.equal(await layer.getAttribute('data-token'), '3');
    assert.equal(await hottest(), 15);
    assert.notEqual(await layer.innerHTML(), before);
    await attention.locator('button.mm-att-tok').nth(1).focus();
    assert.equal(await hottest(), 3);
    assert.equal(await attention.locator('button.mm-att-tok[aria-pressed="true"]').count(), 1);
    assert.deepEqual(
      await attention.locator('.mm-att-gate').allTextContents(),
      p.attention.view.gate.map((g) => `gate ${g.toFixed(2)}`),
    );
    assert.ok(((await attention.locator('.mm-att-tokens').textContent()) ?? '').includes(EMOJI));

    // alignment: hovering a point shows its sentence in the card; a click highlights and posts.
    const alignment = slot(page, 'alignment');
    const symbols = alignment.locator('svg .mark-symbol.role-mark path');
    await symbols.first().waitFor();
    assert.equal(await symbols.count(), p.alignment.points.length);
    await symbols.first().hover();
    const card = alignment.locator('.mm-align-card');
    const hovered = await card.getAttribute('data-sentence');
    assert.ok(hovered !== null && hovered in p.alignment.sentences!, `card for ${hovered}`);
    assert.ok(((await card.textContent()) ?? '').includes(p.alignment.sentences![hovered]!.tokens.join(' ')));
    assert.equal(await card.locator('img').count(), 1);
    await symbols.first().click();
    assert.deepEqual(
      await page.evaluate(() => (window as unknown as { mmnerPosted: unknown[] }).mmnerPosted),
      [{ type: 'openErrors', sentenceId: hovered }],
    );
    assert.equal(await alignment.locator('.mm-alignment').getAttribute('data-selected'), hovered);
    assert.equal(await card.locator('.mm-badge').textContent(), 'selected');

    // errors: sort by language (both ways), filter by class and language together.
    const errors = slot(page, 'errors');
    const langs = p.errors.errors.map((e) => e.lang);
    await errors.locator('th', { hasText: /^Language$/ }).click();
    assert.deepEqual(await visibleRows(page, 'errors', 'lang'), sorted(langs));
    await errors.locator('th', { hasText: /^Language$/ }).click();
    assert.deepEqual(await visibleRows(page, 'errors', 'lang'), sorted(langs).reverse());
    await errors.locator('select[data-filter-attr="class"]').selectOption('missed');
    assert.deepEqual(sorted(await visibleRows(page, 'errors', 'lang')), ['ar', 'fr']);
    assert.equal(await errors.locator('.mm-filter-count').textContent(), '2 shown');
    await errors.locator('select[data-filter-attr="lang"]').selectOption('fr');
    assert.deepEqual(await visibleRows(page, 'errors', 'class'), ['missed']);
    await errors.locator('select[data-filter-attr="lang"]').selectOption('');
    await errors.locator('select[data-filter-attr="class"]').selectOption('');
    assert.equal((await visibleRows(page, 'errors', 'class')).length, p.errors.errors.length);

    // misaligned: lowest cosine first; sorting by cosine descending; filter by branch.
    const misaligned = slot(page, 'misaligned');
    const byCosine = [...p.misaligned.pairs].sort((a, b) => a.cosine - b.cosine).map((x) => x.sentenceId);
    assert.deepEqual(await visibleRows(page, 'misaligned', 'sentence'), byCosine);
    await misaligned.locator('th', { hasText: /^Cosine$/ }).click();
    await misaligned.locator('th', { hasText: /^Cosine$/ }).click();
    assert.deepEqual(await visibleRows(page, 'misaligned', 'sentence'), [...byCosine].reverse());
    await misaligned.locator('select[data-filter-attr="branch"]').selectOption('resnet');
    assert.deepEqual(sorted(await visibleRows(page, 'misaligned', 'branch')), ['resnet', 'resnet']);
    await misaligned.locator('select[data-filter-attr="branch"]').selectOption('');
    assert.equal(await misaligned.locator('img').count(), 2, 's1 and s3 inline; s4 is a URL');
    assert.ok(((await misaligned.locator('.mm-refused').textContent()) ?? '').includes(REMOTE_IMAGE));

    // Bad payloads and the refused chart load: readable boxes, nothing thrown.
    assert.match(
      (await slot(page, 'bad json').locator('.mm-render-error').textContent()) ?? '',
      /not valid JSON/,
    );
    assert.match(
      (await slot(page, 'bad shape').locator('.mm-render-error').textContent()) ?? '',
      /sentences\[0\]\.tokens is not a list/,
    );
    assert.match(
      (await slot(page, 'unknown mime').locator('.mm-render-error').textContent()) ?? '',
      /no mmner view/,
    );
    const remote = (await slot(page, 'remote chart').locator('.mm-render-error').textContent()) ?? '';
    assert.match(remote, /may not load anything/);

    await page.screenshot({ path: join(ARTIFACTS, 'light.png'), fullPage: true });

    // progress: the same output replaced, drawn in place (one bar, new values).
    const progress = slot(page, 'progress');
    assert.match(
      (await progress.locator('.mm-progress-text').textContent()) ?? '',
      /step 10\/100 · epoch 1 · loss 1\.2346 · dev F1 41\.50% · 12\.5 ex\/s · ETA 12m 34s/,
    );
    await render(page, [
      { slot: 'progress', id: 'out-progress', mime: MIME.progress, text: JSON.stringify(p.progressDone) },
    ]);
    assert.equal(await progress.locator('.mm-progress').count(), 1);
    assert.equal(await progress.locator('.mm-progress').getAttribute('data-state'), 'done');
    assert.equal(await progress.locator('.mm-progress').getAttribute('aria-valuenow'), '100');
    assert.match(
      (await progress.locator('.mm-progress-text').textContent()) ?? '',
      /^step 100\/100 · epoch 8 · loss 0\.3100 · dev F1 72\.25%/,
    );

    // Disposing an output releases its listeners: hovering no longer moves the heatmap.
    await page.evaluate(() =>
      (window as unknown as { mmnerDispose: (id: string) => void }).mmnerDispose('out-attention'),
    );
    await attention.locator('button.mm-att-tok').nth(2).hover();
    assert.equal(await layer.getAttribute('data-token'), '1');

    const base = pathToFileURL(dir).href;
    for (const url of requests)
      assert.ok(url.startsWith(`${base}/`) || url.startsWith('data:'), `request: ${url}`);
    assert.deepEqual(problems, []);
    await page.close();

    // The dark theme: same outputs, the chart on the dark background, still nothing wrong.
    const dark = await openPage(browser, dir, 'vscode-dark', all);
    const darkChart = slot(dark.page, 'chart');
    await darkChart.locator('svg').waitFor();
    // #1f1f1f, the dark theme's editor background.
    assert.equal(THEMES['vscode-dark']['--vscode-editor-background'], '#1f1f1f');
    assert.equal(
      await darkChart.locator('svg.marks').evaluate((e) => getComputedStyle(e).backgroundColor),
      'rgb(31, 31, 31)',
    );
    const titleFill = await darkChart.locator('svg .role-title-text text').first().getAttribute('fill');
    assert.equal(titleFill, THEMES['vscode-dark']['--vscode-editor-foreground']);
    // High contrast: VS Code sets --vscode-contrastBorder, and axes and grid take it, solid.
    await dark.page.evaluate(() =>
      document.documentElement.style.setProperty('--vscode-contrastBorder', '#6fc3df'),
    );
    await render(dark.page, [
      { ...all.find((c) => c.slot === 'chart')!, slot: 'high contrast', id: 'out-hc' },
    ]);
    const grid = slot(dark.page, 'high contrast').locator('svg .role-axis-grid line').first();
    assert.equal(await grid.getAttribute('stroke'), '#6fc3df');
    assert.equal(await grid.getAttribute('stroke-opacity'), '0.6');
    const darkGrid = darkChart.locator('svg .role-axis-grid line').first();
    assert.equal(await darkGrid.getAttribute('stroke'), THEMES['vscode-dark']['--vscode-editor-foreground']);
    await slot(dark.page, 'alignment').locator('svg .mark-symbol.role-mark path').nth(4).hover();
    await dark.page.screenshot({ path: join(ARTIFACTS, 'dark.png'), fullPage: true });
    for (const url of dark.requests)
      assert.ok(url.startsWith(`${base}/`) || url.startsWith('data:'), `request: ${url}`);
    assert.deepEqual(dark.problems, []);
  } finally {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
