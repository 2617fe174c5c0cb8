/**
 * Workspace trust (issue 7, item 4): the kernel process executes the cells' code, so in an
 * untrusted workspace the controller never starts it; once the folder is trusted it does.
 * package.json declares the limited support VS Code shows in its trust dialog.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import { FAKE_KERNEL } from './fakeKernel.js';
import { FAKE_VSCODE_SOURCE, type FakeVscodeState } from './fakeVscode.js';

const repo = resolve(import.meta.dirname, '../../..');
const root = mkdtempSync(join(tmpdir(), 'mmner-trust-'));
const extensionDir = join(root, 'extension');
/** The fake kernel appends a line here each time a kernel process starts. */
const starts = join(root, 'kernel-starts.txt');
let extension: { activate(context: unknown): void; deactivate(): Promise<void> };
let fake: FakeVscodeState;

before(async () => {
  mkdirSync(join(extensionDir, 'dist'), { recursive: true });
  mkdirSync(join(extensionDir, 'node_modules', 'vscode'), { recursive: true });
  mkdirSync(join(root, 'workspace'));
  await build({
    entryPoints: [join(repo, 'src/extension/host/extension.ts')],
    outfile: join(extensionDir, 'dist', 'extension.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'bundle',
    external: ['vscode'],
    logLevel: 'silent',
  });
  writeFileSync(join(extensionDir, 'node_modules', 'vscode', 'index.js'), FAKE_VSCODE_SOURCE);
  writeFileSync(
    join(extensionDir, 'dist', 'kernel.js'),
    `require('fs').appendFileSync(${JSON.stringify(starts)}, process.pid + '\\n');\n${FAKE_KERNEL}`,
  );
  extension = createRequire(join(extensionDir, 'dist', 'x.js'))('./extension.cjs');
  extension.activate({ extensionUri: { fsPath: extensionDir }, subscriptions: [] });
  fake = (globalThis as unknown as { __fakeVscode: FakeVscodeState }).__fakeVscode;
});

after(async () => {
  await extension?.deactivate();
  rmSync(root, { recursive: true, force: true });
});

const notebook = {
  uri: {
    scheme: 'file',
    fsPath: join(root, 'workspace', 'trust.ipynb'),
    toString: () => `file://${root}/workspace/trust.ipynb`,
  },
};
const cell = (index: number, code: string) => ({
  index,
  document: { getText: () => code, languageId: 'javascript' },
});
const startedKernels = () =>
  existsSync(starts) ? readFileSync(starts, 'utf8').split('\n').filter(Boolean) : [];

test('package.json: limited support in untrusted workspaces, saying that cells do not run', () => {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.match(pkg.capabilities.untrustedWorkspaces.description, /untrusted workspace.*no notebook cells/i);
  // A workspace cannot point the kernel at another Node binary: the setting is machine-scoped.
  assert.equal(pkg.contributes.configuration.properties['mmner.nodePath'].scope, 'machine');
});

test('an untrusted workspace starts no kernel process; trusting it lets the next run start one', async () => {
  const controller = fake.controllers[0]!;
  fake.trusted = false;
  try {
    await controller.handler([cell(0, 'echo'), cell(1, 'echo')], notebook, controller);
    await controller.handler([cell(1, 'echo')], notebook, controller);
  } finally {
    fake.trusted = true;
  }
  await new Promise((r) => setTimeout(r, 300)); // a kernel, had one started, would have written by now
  assert.deepEqual(startedKernels(), [], 'no kernel process was started');
  const refused = fake.executions.slice(-2);
  assert.deepEqual(
    refused.map((e) => [e.cell.index, e.ended?.success]),
    [
      [0, false],
      [1, false],
    ],
    'each run stops at its first cell, which fails',
  );

  await controller.handler([cell(0, 'echo')], notebook, controller);
  assert.equal(fake.executions.at(-1)!.ended?.success, true);
  assert.equal(startedKernels().length, 1, 'trusted: one kernel process started');
});
