/**
 * The host bundle as VS Code loads it: built with the build script's options, checked to hold
 * no TensorFlow.js / onnxruntime / sharp, then activated against a fake `vscode` module to run
 * cells through the real controller and a fake kernel. Also: package.json's contributions
 * match what activate registers.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { build, type Metafile } from 'esbuild';
import { MMNER_MIMES } from '../../../src/core/protocol/mime.js';
import {
  BACKEND_CHOICES,
  COMMAND_IDS,
  COMMANDS,
  CONTROLLER,
} from '../../../src/extension/host/contributions.js';
import { BACKEND_NAMES } from '../../../src/train/backends.js';
import { FAKE_KERNEL } from './fakeKernel.js';
import { FAKE_VSCODE_SOURCE, type FakeVscodeState } from './fakeVscode.js';

const repo = resolve(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const root = mkdtempSync(join(tmpdir(), 'mmner-host-'));
const extensionDir = join(root, 'extension');
const notebookDir = join(root, 'workspace');
let metafile: Metafile;
let extension: { activate(context: unknown): void; deactivate(): Promise<void> };
let fake: FakeVscodeState;

const FORBIDDEN = /@tensorflow|onnxruntime|(^|\/)sharp\/|@img\//;

before(async () => {
  mkdirSync(join(extensionDir, 'dist'), { recursive: true });
  mkdirSync(join(extensionDir, 'node_modules', 'vscode'), { recursive: true });
  mkdirSync(notebookDir);
  // The same options as scripts/build.mjs's `extension` target.
  const result = await build({
    entryPoints: [join(repo, 'src/extension/host/extension.ts')],
    outfile: join(extensionDir, 'dist', 'extension.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'bundle',
    external: ['vscode'],
    metafile: true,
    logLevel: 'silent',
  });
  metafile = result.metafile;
  writeFileSync(join(extensionDir, 'node_modules', 'vscode', 'index.js'), FAKE_VSCODE_SOURCE);
  writeFileSync(join(extensionDir, 'dist', 'kernel.js'), FAKE_KERNEL);
  extension = createRequire(join(extensionDir, 'dist', 'x.js'))('./extension.cjs');
  extension.activate({ extensionUri: { fsPath: extensionDir }, subscriptions: [] });
  fake = (globalThis as unknown as { __fakeVscode: FakeVscodeState }).__fakeVscode;
});

after(async () => {
  await extension?.deactivate();
  rmSync(root, { recursive: true, force: true });
});

test('the host bundle holds no TensorFlow.js, onnxruntime or sharp (fresh build and dist/)', () => {
  const inputs = Object.keys(metafile.inputs);
  assert.ok(inputs.some((i) => i.endsWith('src/extension/host/extension.ts')));
  assert.deepEqual(
    inputs.filter((i) => FORBIDDEN.test(i)),
    [],
  );
  const imports = Object.values(metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  assert.deepEqual(
    imports.filter(
      (i) => !i.startsWith('node:') && !['vscode', 'child_process', 'fs', 'os', 'path', 'crypto'].includes(i),
    ),
    [],
    'only vscode and Node built-ins stay external',
  );
  const built = join(repo, 'dist', 'meta-extension.json');
  if (existsSync(built)) {
    const meta = JSON.parse(readFileSync(built, 'utf8')) as Metafile;
    assert.deepEqual(
      Object.keys(meta.inputs).filter((i) => FORBIDDEN.test(i)),
      [],
      'dist/meta-extension.json',
    );
  }
});

test('package.json: main, commands both ways, settings, renderer MIME types, engines', () => {
  assert.equal(pkg.main, './dist/extension.cjs');
  const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(contributed, [...fake.commands.keys()].sort(), 'registered = contributed');
  assert.deepEqual(contributed, [...COMMAND_IDS].sort());
  for (const c of pkg.contributes.commands) {
    assert.equal(c.category, 'mmner');
    assert.equal(c.title, COMMANDS[c.command as keyof typeof COMMANDS]);
  }
  const props = pkg.contributes.configuration.properties;
  assert.deepEqual(props['mmner.backend'].enum, [...BACKEND_CHOICES]);
  assert.deepEqual(
    [...BACKEND_CHOICES].sort(),
    [...BACKEND_NAMES, 'auto'].sort(),
    "train/backends.ts's names + auto",
  );
  assert.equal(props['mmner.backend'].default, 'wasm');
  assert.equal(props['mmner.runsFolder'].default, 'runs');
  assert.equal(props['mmner.dataFolder'].default, 'data');
  assert.deepEqual(props['mmner.defaultPreset'].enum, ['tiny', 'paper']);
  const [renderer] = pkg.contributes.notebookRenderer;
  assert.equal(renderer.id, 'mmner.renderer');
  assert.equal(renderer.entrypoint, './dist/renderer.js');
  assert.deepEqual([...renderer.mimeTypes].sort(), [...MMNER_MIMES].sort());
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  const [major, minor] = (/(\d+)\.(\d+)/.exec(pkg.engines.vscode) ?? []).slice(1).map(Number);
  assert.ok(
    major === 1 && minor! <= 100,
    `engines.vscode ${pkg.engines.vscode} must be ≤ 1.100 (code-server 4.100)`,
  );
  const types = JSON.parse(readFileSync(join(repo, 'node_modules/@types/vscode/package.json'), 'utf8'));
  assert.ok(
    Number(types.version.split('.')[1]) <= 100,
    '@types/vscode must not be newer than engines.vscode',
  );
});

test('activate: the controller and the status bar', () => {
  assert.equal(fake.controllers.length, 1);
  const c = fake.controllers[0]!;
  assert.deepEqual(
    [c.id, c.notebookType, c.label, c.supportedLanguages, c.supportsExecutionOrder],
    [CONTROLLER.id, 'jupyter-notebook', 'mmner', ['javascript', 'typescript'], true],
  );
  assert.equal(typeof c.interruptHandler, 'function');
  assert.match(fake.statusBar?.text ?? '', /mmner: wasm$/);
  assert.equal(fake.statusBar?.shown, true);
});

test('a click on an alignment point (renderer message) opens the error inspector; junk is ignored', () => {
  const listen = fake.rendererListeners.get('mmner.renderer');
  assert.ok(listen, 'the host listens to the renderer');
  const before = fake.executed.length;
  listen({ message: { type: 'nonsense' } });
  assert.equal(fake.executed.length, before);
  listen({ message: { type: 'openErrors', sentenceId: 'en-test-000004' } });
  assert.deepEqual(fake.executed.slice(before), [{ id: 'mmner.inspectErrors', args: [] }]);
});

const notebook = {
  uri: {
    scheme: 'file',
    fsPath: join(root, 'workspace', 'quickstart.ipynb'),
    toString: () => `file://${root}/workspace/quickstart.ipynb`,
  },
};
const cell = (index: number, code: string, languageId = 'javascript') => ({
  index,
  document: { getText: () => code, languageId },
});
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const lastExecutions = (n: number) => fake.executions.slice(-n);

test('cells run on the kernel: outputs, updates in place, merged streams, errors, execution order', async () => {
  const controller = fake.controllers[0]!;
  fake.config.backend = 'cpu';
  const before = fake.executions.length;
  await controller.handler([cell(0, 'echo'), cell(1, 'fail'), cell(2, 'never')], notebook, controller);
  assert.equal(fake.executions.length - before, 2, 'a run stops at the failing cell');
  await controller.handler([cell(2, 'backend', 'typescript')], notebook, controller);
  const [echo, fail, backend] = lastExecutions(3);
  assert.deepEqual(
    [echo, fail, backend].map((e) => [e!.executionOrder, e!.ended?.success]),
    [
      [1, true],
      [2, false],
      [3, true],
    ],
  );
  assert.deepEqual(
    echo!.outputs.map((o) => o.items.map((i) => i.mime)),
    [
      ['image/png'],
      ['application/vnd.code.notebook.stdout'],
      ['application/vnd.code.notebook.stderr'],
      ['text/plain'],
    ],
    'display, its update in place, stdout, stderr, the result',
  );
  assert.deepEqual(
    [...echo!.outputs[0]!.items[0]!.data],
    [...Buffer.from('iVBORw0K', 'base64')],
    'base64 decoded',
  );
  assert.equal(text(echo!.outputs[3]!.items[0]!.data), 'Cell 1');
  const error = JSON.parse(text(fail!.outputs[0]!.items[0]!.data));
  assert.deepEqual([error.name, error.message], ['TypeError', 'x is not a function']);
  assert.deepEqual(
    backend!.outputs.map((o) => o.items.map((i) => text(i.data)).join('')),
    ['a backend cpu'],
    'consecutive stdout messages share one output; the kernel gets the backend setting',
  );
});

test('interrupt ends a running cell and skips the rest of the run', async () => {
  const controller = fake.controllers[0]!;
  const run = controller.handler([cell(0, 'slow'), cell(1, 'echo')], notebook, controller);
  while (fake.executions.at(-1)?.cell.index !== 0 || !fake.executions.at(-1)?.started) {
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 200)); // the execute message reaches the kernel
  await controller.interruptHandler!(notebook);
  await run;
  const slow = fake.executions.at(-1)!;
  assert.equal(slow.cell.index, 0, 'the second cell never started');
  assert.equal(slow.ended?.success, false);
});

test('a crash ends the cell with an error naming it; the next cell starts a new kernel', async () => {
  const controller = fake.controllers[0]!;
  await controller.handler([cell(0, 'crash')], notebook, controller);
  const crashed = fake.executions.at(-1)!;
  assert.equal(crashed.ended?.success, false);
  const error = JSON.parse(text(crashed.outputs.at(-1)!.items[0]!.data));
  assert.equal(error.name, 'Kernel crashed');
  assert.match(error.message, /exit code 3[\s\S]*fatal: out of memory/);
  await controller.handler([cell(1, 'echo')], notebook, controller);
  assert.equal(fake.executions.at(-1)!.ended?.success, true);
});

test('an untrusted workspace runs nothing and says why', async () => {
  const controller = fake.controllers[0]!;
  fake.trusted = false;
  try {
    await controller.handler([cell(0, 'crash'), cell(1, 'echo')], notebook, controller);
  } finally {
    fake.trusted = true;
  }
  const untrusted = fake.executions.at(-1)!;
  assert.equal(untrusted.cell.index, 0);
  assert.equal(untrusted.ended?.success, false);
  assert.match(text(untrusted.outputs[0]!.items[0]!.data), /untrusted workspace[\s\S]*Trust/);
});

test('selectBackend writes the setting; commands without a notebook or folder say what to do', async () => {
  fake.pick = 'webgpu';
  await fake.commands.get('mmner.selectBackend')!();
  assert.equal(fake.config.backend, 'webgpu');
  fake.pick = undefined;
  await fake.commands.get('mmner.restartKernel')!();
  assert.match(fake.messages.at(-1)?.message ?? '', /open a notebook/);
  await fake.commands.get('mmner.train')!();
  assert.match(fake.messages.at(-1)?.message ?? '', /open a folder first/);
});
