/**
 * The palette commands. Each long one runs the CLI as a job process (jobRunner) behind a
 * cancellable progress notification: generate sample data, train, evaluate, write and show a
 * report (or its errors / alignment section). Also: pick the backend, restart the kernel.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { SAFE_NAME } from '../../core/run/names.js';
import { ABLATIONS, PRESETS } from '../../model/config.js';
import {
  BACKEND_CHOICES,
  BACKEND_DESCRIPTIONS,
  type BackendChoice,
  type CommandId,
  isBackendChoice,
  SETTINGS,
  SETTINGS_SECTION,
} from './contributions.js';
import { type FolderEntry, listDatasets, listRuns, type RunEntry } from './folders.js';
import { type Job, type JobResult, startJob } from './jobRunner.js';
import type { MmnerNotebookController } from './notebookController.js';
import { reportTitle, showReport } from './reportPanel.js';
import type { MmnerStatusBar } from './statusBar.js';

export interface CommandDeps {
  /** dist/cli.js of this extension. */
  cli: string;
  output: vscode.OutputChannel;
  status: MmnerStatusBar;
  controller: MmnerNotebookController;
  /** Running jobs, killed on deactivate. */
  jobs: Set<Job>;
}

/** The settings, read fresh each time. */
export function readSettings() {
  const c = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const backend = c.get<string>(SETTINGS.backend.key, SETTINGS.backend.default);
  const preset = c.get<string>(SETTINGS.defaultPreset.key, SETTINGS.defaultPreset.default);
  return {
    backend: isBackendChoice(backend) ? backend : SETTINGS.backend.default,
    runsFolder: c.get<string>(SETTINGS.runsFolder.key, SETTINGS.runsFolder.default),
    dataFolder: c.get<string>(SETTINGS.dataFolder.key, SETTINGS.dataFolder.default),
    defaultPreset: (PRESETS as readonly string[]).includes(preset) ? preset : SETTINGS.defaultPreset.default,
    nodePath: c.get<string>(SETTINGS.nodePath.key, SETTINGS.nodePath.default) || undefined,
  };
}

/** The folder jobs run in and relative settings resolve against. */
function workspaceRoot(): string | undefined {
  const folder = vscode.window.activeNotebookEditor
    ? vscode.workspace.getWorkspaceFolder(vscode.window.activeNotebookEditor.notebook.uri)
    : undefined;
  return (folder ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
}

function requireRoot(): string | undefined {
  const root = workspaceRoot();
  if (!root) void vscode.window.showErrorMessage('mmner: open a folder first (File: Open Folder…).');
  return root;
}

const within = (root: string, p: string) => (isAbsolute(p) ? p : resolve(root, p));

/** Runs the CLI with a cancellable progress notification; resolves when the job has exited. */
function runJob(
  deps: CommandDeps,
  root: string,
  options: { title: string; statusLabel: string; args: string[]; eventsFile?: string },
): Promise<JobResult> {
  const settings = readSettings();
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: options.title, cancellable: true },
      (progress, token) => {
        let reported = 0;
        const job = startJob({
          cli: deps.cli,
          args: options.args,
          cwd: root,
          ...(settings.nodePath ? { execPath: settings.nodePath } : {}),
          ...(options.eventsFile ? { eventsFile: options.eventsFile } : {}),
          log: (line) => deps.output.appendLine(line),
          onProgress: (p) => {
            const pct = p.fraction === undefined ? undefined : p.fraction * 100;
            progress.report({
              message: p.message,
              ...(pct !== undefined && pct > reported ? { increment: pct - reported } : {}),
            });
            if (pct !== undefined) reported = Math.max(reported, pct);
            deps.status.setJob({
              label: options.statusLabel,
              ...(p.fraction !== undefined ? { fraction: p.fraction } : {}),
            });
          },
        });
        deps.jobs.add(job);
        deps.status.setJob({ label: options.statusLabel });
        token.onCancellationRequested(() => {
          progress.report({ message: 'stopping (saving a checkpoint)…' });
          job.cancel();
        });
        return job.done.finally(() => {
          deps.jobs.delete(job);
          deps.status.setJob(deps.jobs.size > 0 ? { label: 'jobs running' } : undefined);
        });
      },
    ),
  );
}

/** Shows a failed job's last stderr line, with a button to the full log. */
async function reportFailure(deps: CommandDeps, what: string, result: JobResult): Promise<void> {
  const last =
    [...result.stderrTail].reverse().find((l) => l.startsWith('mmner:')) ?? result.stderrTail.at(-1);
  const how = result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
  const choice = await vscode.window.showErrorMessage(
    `mmner: ${what} failed (${how}). ${last ?? ''}`,
    'Show Log',
  );
  if (choice === 'Show Log') deps.output.show(true);
}

type Picked<T> = T | 'browse' | undefined;

async function pickFolder<T extends FolderEntry>(
  entries: T[],
  placeHolder: string,
  describe: (e: T) => string,
): Promise<Picked<T>> {
  const items: (vscode.QuickPickItem & { entry?: T })[] = entries.map((e) => ({
    label: e.label,
    description: describe(e),
    entry: e,
  }));
  items.push({ label: '$(folder-opened) Browse…', alwaysShow: true });
  const picked = await vscode.window.showQuickPick(items, { placeHolder, ignoreFocusOut: true });
  if (!picked) return undefined;
  return picked.entry ?? 'browse';
}

async function browseFolder(root: string, title: string): Promise<string | undefined> {
  const uris = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    defaultUri: vscode.Uri.file(root),
    title,
  });
  return uris?.[0]?.fsPath;
}

async function pickDataset(root: string): Promise<string | undefined> {
  const settings = readSettings();
  const datasets = await listDatasets(root, within(root, settings.dataFolder));
  const picked = await pickFolder(datasets, 'Dataset to train on (a folder with dataset.json)', () => '');
  if (picked === 'browse') return browseFolder(root, 'mmner: dataset folder (with dataset.json)');
  return picked?.path;
}

async function pickRun(root: string, placeHolder: string): Promise<RunEntry | undefined> {
  const settings = readSettings();
  const runs = await listRuns(root, within(root, settings.runsFolder));
  const picked = await pickFolder(runs, placeHolder, (r) =>
    r.evaluated.length > 0 ? `evaluated: ${r.evaluated.join(', ')}` : 'not evaluated yet',
  );
  if (picked !== 'browse') return picked;
  const path = await browseFolder(root, 'mmner: run folder (with config.json)');
  if (!path) return undefined;
  const [entry] = await listRuns(root, path);
  if (!entry) {
    void vscode.window.showErrorMessage(`mmner: ${path} is not a run folder (no config.json).`);
    return undefined;
  }
  return entry;
}

async function pickOne<T extends string>(
  choices: readonly T[],
  placeHolder: string,
  first?: T,
  describe?: (c: T) => string,
): Promise<T | undefined> {
  const ordered = first ? [first, ...choices.filter((c) => c !== first)] : [...choices];
  const picked = await vscode.window.showQuickPick(
    ordered.map((c) => ({ label: c, description: describe?.(c) ?? '' })),
    { placeHolder, ignoreFocusOut: true },
  );
  return picked?.label as T | undefined;
}

async function generateSampleData(deps: CommandDeps): Promise<void> {
  const root = requireRoot();
  if (!root) return;
  const folder = await vscode.window.showInputBox({
    title: 'mmner: Generate Sample Data',
    prompt: 'Folder for the sample dataset (relative to the workspace)',
    value: join(readSettings().dataFolder, 'sample'),
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? 'Enter a folder' : undefined),
  });
  if (!folder) return;
  const size = await pickOne(['small', 'medium', 'tiny'] as const, 'Size', 'small', (s) =>
    s === 'small' ? '300/60/100 sentences per language' : s === 'medium' ? '5× small' : '30/10/16, for tests',
  );
  if (!size) return;
  const out = within(root, folder.trim());
  const result = await runJob(deps, root, {
    title: 'mmner: writing the sample dataset',
    statusLabel: 'writing sample data',
    args: ['data', 'sample', '--out', out, '--size', size],
  });
  if (result.cancelled) return;
  if (result.code !== 0) return reportFailure(deps, 'data sample', result);
  const choice = await vscode.window.showInformationMessage(
    `mmner: ${result.stdout.trim().split('\n')[0] ?? 'sample written'}`,
    'Train on It',
  );
  if (choice === 'Train on It') await train(deps, out);
}

async function train(deps: CommandDeps, dataArg?: unknown): Promise<void> {
  const root = requireRoot();
  if (!root) return;
  const settings = readSettings();
  const data = typeof dataArg === 'string' ? dataArg : await pickDataset(root);
  if (!data) return;
  const preset = await pickOne(PRESETS, 'Preset', settings.defaultPreset as (typeof PRESETS)[number], (p) =>
    p === 'tiny' ? 'small model from scratch, CPU' : 'pretrained encoders (local model folders)',
  );
  if (!preset) return;
  const ablation = await pickOne(ABLATIONS, 'Ablation', 'none');
  if (!ablation) return;
  const suggested = `${preset}${ablation === 'none' ? '' : `-${ablation}`}-${new Date().toISOString().slice(0, 16).replace(/[T:]/g, '')}`;
  const name = await vscode.window.showInputBox({
    title: 'mmner: Train',
    prompt: `Run name (a folder under ${settings.runsFolder}/)`,
    value: suggested,
    ignoreFocusOut: true,
    validateInput: (v) =>
      SAFE_NAME.test(v) && !v.includes('..')
        ? undefined
        : 'Use letters, digits, ".", "_" or "-", starting with a letter or digit',
  });
  if (!name) return;
  const out = join(within(root, settings.runsFolder), name);
  const relativeOut = join(settings.runsFolder, name);
  let args = ['train', '--data', data, '--out', out, '--preset', preset, '--ablation', ablation];
  if (existsSync(join(out, 'config.json'))) {
    const choice = await vscode.window.showWarningMessage(
      `mmner: ${relativeOut} exists. Resume it from its last checkpoint?`,
      { modal: true },
      'Resume',
    );
    if (choice !== 'Resume') return;
    args = ['train', '--out', out, '--resume'];
  }
  args.push('--backend', settings.backend);
  const result = await runJob(deps, root, {
    title: `mmner: training ${relativeOut}`,
    statusLabel: `training ${relativeOut}`,
    args,
    eventsFile: join(out, 'events.jsonl'),
  });
  if (result.code === 130 || (result.cancelled && result.signal === null)) {
    void vscode.window.showInformationMessage(
      `mmner: training ${relativeOut} stopped; a checkpoint was saved. Run "mmner: Train…" with the same name to resume.`,
    );
    return;
  }
  if (result.cancelled) {
    void vscode.window.showWarningMessage(
      `mmner: training ${relativeOut} did not stop in time and was killed; resume from its last periodic checkpoint.`,
    );
    return;
  }
  if (result.code !== 0) return reportFailure(deps, 'training', result);
  const summary = result.stdout.trim().split('\n')[0] ?? 'done';
  const choice = await vscode.window.showInformationMessage(
    `mmner: ${relativeOut}: ${summary}`,
    'Open Report',
  );
  if (choice === 'Open Report') await openReport(deps, undefined, out, 'test');
}

async function evaluate(deps: CommandDeps): Promise<void> {
  const root = requireRoot();
  if (!root) return;
  const run = await pickRun(root, 'Run to evaluate');
  if (!run) return;
  const split = await pickOne(['test', 'dev', 'train'] as const, 'Split', 'test');
  if (!split) return;
  const result = await runJob(deps, root, {
    title: `mmner: evaluating ${run.label} on ${split}`,
    statusLabel: `evaluating ${run.label}`,
    args: ['eval', '--run', run.path, '--split', split, '--backend', readSettings().backend],
  });
  if (result.cancelled) return;
  if (result.code !== 0) return reportFailure(deps, 'evaluation', result);
  deps.output.appendLine(result.stdout);
  const choice = await vscode.window.showInformationMessage(
    `mmner: evaluated ${run.label} on ${split}; scores are in the mmner output.`,
    'Show Scores',
    'Open Report',
  );
  if (choice === 'Show Scores') deps.output.show(true);
  if (choice === 'Open Report') await openReport(deps, undefined, run.path, split);
}

/** Writes the run's report (`mmner report`) and shows it, at `section` when given. */
async function openReport(
  deps: CommandDeps,
  section?: string,
  runPath?: string,
  splitArg?: string,
): Promise<void> {
  const root = requireRoot();
  if (!root) return;
  const run = runPath ? (await listRuns(root, runPath))[0] : await pickRun(root, 'Run to report on');
  if (!run) return;
  if (run.evaluated.length === 0) {
    void vscode.window.showErrorMessage(
      `mmner: ${run.label} has no evaluation yet (eval/<split>.json). Run "mmner: Evaluate…" first.`,
    );
    return;
  }
  const split =
    splitArg ??
    (run.evaluated.length === 1
      ? run.evaluated[0]
      : await pickOne(run.evaluated, 'Evaluated split', run.evaluated.includes('test') ? 'test' : undefined));
  if (!split) return;
  const result = await runJob(deps, root, {
    title: `mmner: writing the report of ${run.label}`,
    statusLabel: `report ${run.label}`,
    args: ['report', '--run', run.path, '--split', split],
  });
  if (result.cancelled) return;
  if (result.code !== 0) return reportFailure(deps, 'report', result);
  await showReport(join(run.path, 'report', 'index.html'), reportTitle(run.path, section), section);
}

async function selectBackend(deps: CommandDeps): Promise<void> {
  const current = readSettings().backend;
  const picked = await pickOne<BackendChoice>(
    BACKEND_CHOICES,
    `TensorFlow.js backend for training, evaluation and kernels (now: ${current})`,
    current,
    (b) => BACKEND_DESCRIPTIONS[b],
  );
  if (!picked) return;
  const target = vscode.workspace.workspaceFolders
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(SETTINGS.backend.key, picked, target);
  deps.output.appendLine(`backend: ${picked} (kernels use it from their next start)`);
}

async function restartKernel(deps: CommandDeps): Promise<void> {
  const notebook = vscode.window.activeNotebookEditor?.notebook;
  if (!notebook) {
    void vscode.window.showInformationMessage('mmner: open a notebook that runs on the mmner kernel first.');
    return;
  }
  const restarted = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'mmner: restarting the kernel' },
    () => deps.controller.restart(notebook),
  );
  void vscode.window.showInformationMessage(
    restarted
      ? 'mmner: kernel restarted.'
      : 'mmner: this notebook has no running kernel; it starts on the next run.',
  );
}

/** Every command's handler; the type makes a missing one a compile error. */
export function commandHandlers(deps: CommandDeps): Record<CommandId, (...args: unknown[]) => Promise<void>> {
  return {
    'mmner.generateSampleData': () => generateSampleData(deps),
    'mmner.train': (data) => train(deps, data),
    'mmner.evaluate': () => evaluate(deps),
    'mmner.openReport': () => openReport(deps),
    'mmner.inspectErrors': () => openReport(deps, 'errors'),
    'mmner.showAlignment': () => openReport(deps, 'alignment'),
    'mmner.selectBackend': () => selectBackend(deps),
    'mmner.restartKernel': () => restartKernel(deps),
  };
}
