/**
 * A real VS Code for the end-to-end tests: code-server 4.100.3 (scripts/install-code-server.sh)
 * on 127.0.0.1 with a throw-away user-data dir, extensions dir, workspace and XDG dirs, driven by
 * playwright-core and Debian's chromium. Each test file starts its own server: an extension host
 * outlives its browser tab by minutes, so sharing one server leaks state between files.
 *
 * The extension goes in exactly as a user gets it: the platform-specific VSIX
 * (scripts/package-vsix.mjs: dist/ plus the production node_modules) installed with
 * `--install-extension`; the kernel and the CLI jobs load TensorFlow.js from inside it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type FrameLocator, type Locator, type Page } from 'playwright-core';

export const REPO = resolve(import.meta.dirname, '../..');
export const ARTIFACTS = join(REPO, 'test-artifacts/e2e');
const CODE_SERVER = join(REPO, '.vscode-test/code-server/node_modules/code-server/out/node/entry.js');
const EXTENSION_ID = 'mmner.mmner';

/** Settings that keep the workbench quiet, offline and still (toasts not caught mid-slide). */
const SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'git.enabled': false,
  'npm.autoDetect': 'off',
  'workbench.reduceMotion': 'on',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'window.commandCenter': false,
  'notebook.output.scrolling': false,
};

/** Webview resources: the service worker answers these from the server; they never leave. */
const LOCAL_CDN = /^https:\/\/[^/]+\.vscode-resource\.vscode-cdn\.net\//;

export interface Workbench {
  page: Page;
  /** The VSIX the window's extension was installed from. */
  vsix: string;
  /** The workspace folder the window has open. */
  workspace: string;
  /** Requests the page made to anywhere but the server. */
  foreignRequests: string[];
  /** The server's own output, for failure messages. */
  serverLog: string[];
  close(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function run(command: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(command, args, { cwd: REPO, env, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Packages the VSIX into `dir` (test:e2e does it once and passes MMNER_E2E_VSIX instead). */
export function packageVsix(dir: string): string {
  const vsix = join(dir, 'mmner.vsix');
  run(process.execPath, ['scripts/package-vsix.mjs', vsix], process.env);
  return vsix;
}

/** The files in a VSIX (a zip, read from its central directory), relative to `extension/`. */
export function vsixFiles(vsix: string): string[] {
  const zip = readFileSync(vsix);
  // End of central directory: the last PK\x05\x06 record (a comment may follow it).
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${vsix} is not a zip file`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${vsix}: bad central directory`);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + skip;
  }
  return names.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
}

/**
 * Installs the extension into fresh dirs, starts code-server and opens the workspace.
 * `prepare` fills the workspace folder before the window opens it.
 */
export async function openWorkbench(prepare: (workspace: string) => void): Promise<Workbench> {
  if (!existsSync(CODE_SERVER)) {
    throw new Error(
      `code-server is not installed at ${CODE_SERVER}: run bash scripts/install-code-server.sh`,
    );
  }
  const root = mkdtempSync(join(tmpdir(), 'mmner-e2e-'));
  const userData = join(root, 'user');
  const extensions = join(root, 'extensions');
  const workspace = join(root, 'workspace');
  for (const dir of [
    join(userData, 'User'),
    extensions,
    workspace,
    ...['config', 'data', 'cache'].map((d) => join(root, 'xdg', d)),
  ]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify(SETTINGS, null, 2));
  prepare(workspace);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    EXTENSIONS_GALLERY: '{}',
    XDG_CONFIG_HOME: join(root, 'xdg/config'),
    XDG_DATA_HOME: join(root, 'xdg/data'),
    XDG_CACHE_HOME: join(root, 'xdg/cache'),
  };
  const dirs = ['--user-data-dir', userData, '--extensions-dir', extensions];

  const vsix = process.env.MMNER_E2E_VSIX || packageVsix(root);
  run(process.execPath, [CODE_SERVER, ...dirs, '--install-extension', vsix], env);
  const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
  const installed = join(extensions, `${EXTENSION_ID}-${version}`);
  if (!existsSync(join(installed, 'dist/extension.cjs')))
    throw new Error(`the VSIX did not install into ${installed}`);

  const port = await freePort();
  const serverLog: string[] = [];
  const server: ChildProcess = spawn(
    process.execPath,
    [
      CODE_SERVER,
      ...['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none'],
      ...['--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'],
      ...['--disable-getting-started-override', '--ignore-last-opened', ...dirs, workspace],
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.on('data', (d) => serverLog.push(String(d)));
  server.stderr?.on('data', (d) => serverLog.push(String(d)));

  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => {});
    try {
      if (server.pid) process.kill(-server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    await waitForHealth(port);
    browser = await chromium.launch({
      executablePath: process.env.MMNER_E2E_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const foreignRequests: string[] = [];
    page.context().on('request', (r) => {
      const url = r.url();
      if (/^(data|blob|about|vscode-webview):/.test(url) || LOCAL_CDN.test(url)) return;
      if (new URL(url).hostname !== '127.0.0.1') foreignRequests.push(url);
    });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 90_000 });
    return { page, vsix, workspace, foreignRequests, serverLog, close };
  } catch (e) {
    await close();
    throw e;
  }
}

async function waitForHealth(port: number): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(300);
  }
  throw new Error(`code-server did not answer on port ${port} within 60 s`);
}

const quickInput = (page: Page) => page.locator('.quick-input-widget input');

/** Picks the quick-pick row with this text once it is the focused one, then accepts it. */
export async function acceptFocused(page: Page, text: string | RegExp): Promise<void> {
  await page
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: text })
    .waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

/** Runs a command by its palette title. Waiting for the focused row stops Enter running a fuzzy match. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await quickInput(page).fill(`>${title}`);
  await acceptFocused(page, title);
}

/** Types into the open input box (replacing its suggestion) and accepts. */
export async function answerInput(page: Page, value: string): Promise<void> {
  await quickInput(page).waitFor();
  await quickInput(page).fill(value);
  await page.keyboard.press('Enter');
}

/** Opens a workspace file through Quick Open (which also proves the search service works). */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await quickInput(page).fill(name);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: name })
    .first()
    .waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

/** The notebook's output webview: two iframes deep, the notebook renderer's one among several. */
export function notebookOutputs(page: Page): FrameLocator {
  return page
    .frameLocator('iframe.webview.ready[src*="purpose=notebookRenderer"]')
    .frameLocator('#active-frame');
}

/**
 * Scrolls the notebook until `target` (inside the output webview) is drawn and in view. The
 * notebook list is virtual: a cell's outputs reach the webview only once the cell scrolls near.
 */
export async function revealOutput(page: Page, target: Locator, timeout = 60_000): Promise<void> {
  const list = page.locator('.notebookOverlay .cell-list-container').first();
  const box = await list.boundingBox();
  if (!box) throw new Error('no notebook list to scroll');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const until = Date.now() + timeout;
  for (;;) {
    const at = (await target.isVisible().catch(() => false)) ? await target.boundingBox() : null;
    // In view: its top in the list's upper part (a tall output then fills the rest).
    const offset = at ? at.y - (box.y + 40) : 250;
    if (at && offset >= 0 && at.y < box.y + box.height / 2) return;
    if (Date.now() > until) {
      const shot = await screenshot(page, `not-drawn-${Date.now()}`);
      throw new Error(`not drawn in the notebook outputs: ${target} (screenshot: ${shot})`);
    }
    await page.mouse.wheel(0, Math.max(-600, Math.min(600, offset)));
    await sleep(250);
  }
}

/** Back to the notebook's first cell (Escape leaves a cell editor; Ctrl+Home is notebook.focusTop). */
export async function notebookTop(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Home');
  await sleep(500);
}

/** A notification toast holding this text. */
export const toast = (page: Page, text: string | RegExp): Locator =>
  page.locator('.notifications-toasts .notification-toast', { hasText: text });

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
