/**
 * Screenshots for the docs, made by the project itself: opens a local HTML file in Debian's
 * chromium (headless, no network) and saves a PNG of the page or of one element.
 *   node --import tsx scripts/screenshot.ts runs/demo/multimodal/report/index.html out.png [--selector '#errors'] [--height 1400]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { selector: { type: 'string' }, width: { type: 'string' }, height: { type: 'string' } },
});
const [page, out] = positionals;
if (!page || !out) {
  console.error('usage: screenshot.ts PAGE.html OUT.png [--selector CSS] [--width 1280] [--height 1400]');
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), 'mmner-shot-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking'],
  viewport: { width: Number(values.width ?? 1280), height: Number(values.height ?? 1400) },
});
try {
  const tab = await context.newPage();
  await tab.goto(pathToFileURL(resolve(page)).href, { waitUntil: 'load' });
  if (values.selector) await tab.locator(values.selector).first().screenshot({ path: out });
  else await tab.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
