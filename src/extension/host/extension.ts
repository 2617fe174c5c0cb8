/**
 * The extension's entry (bundled to dist/extension.cjs): registers the notebook controller, the
 * commands, the status bar and the "mmner" output channel. It stays light — TensorFlow.js and
 * onnxruntime live in the kernel and job processes it spawns, never here.
 */
import * as vscode from 'vscode';
import { isRendererMessage } from '../../core/protocol/renderer.js';
import { commandHandlers, readSettings } from './commands.js';
import { COMMAND_IDS, KERNEL_BACKEND_ENV, SETTINGS_SECTION } from './contributions.js';
import type { Job } from './jobRunner.js';
import { MmnerNotebookController } from './notebookController.js';
import { disposeReportPanel } from './reportPanel.js';
import { MmnerStatusBar } from './statusBar.js';

const RENDERER_ID = 'mmner.renderer';
let shutdown: (() => Promise<void>) | undefined;
/** VS Code gives deactivate about 5 s. */
const JOB_SHUTDOWN_GRACE_MS = 3000;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('mmner');
  const log = (line: string) => output.appendLine(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const dist = (file: string) => vscode.Uri.joinPath(context.extensionUri, 'dist', file).fsPath;

  const status = new MmnerStatusBar(readSettings().backend);
  const controller = new MmnerNotebookController({
    kernelScript: dist('kernel.js'),
    log,
    kernelEnv: () => ({ [KERNEL_BACKEND_ENV]: readSettings().backend }),
    nodePath: () => readSettings().nodePath,
  });
  const jobs = new Set<Job>();
  const handlers = commandHandlers({ cli: dist('cli.js'), output, status, controller, jobs });

  context.subscriptions.push(
    output,
    status,
    ...COMMAND_IDS.map((id) =>
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await handlers[id](...args);
        } catch (e) {
          log(`${id}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          void vscode.window.showErrorMessage(`mmner: ${e instanceof Error ? e.message : String(e)}`);
        }
      }),
    ),
    // A click on an alignment point in a notebook output: open the error inspector.
    vscode.notebooks.createRendererMessaging(RENDERER_ID).onDidReceiveMessage(({ message }) => {
      if (!isRendererMessage(message)) return log(`renderer: ignored ${JSON.stringify(message)}`);
      switch (message.type) {
        case 'openErrors':
          log(`renderer: errors of sentence ${message.sentenceId}`);
          void vscode.commands.executeCommand('mmner.inspectErrors');
          break;
        default: {
          const never: never = message.type;
          log(`renderer: unknown message ${String(never)}`);
        }
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SETTINGS_SECTION)) status.setBackend(readSettings().backend);
    }),
  );

  shutdown = async () => {
    // SIGINT first, so a training job saves its checkpoint; killed if it takes longer than VS
    // Code waits for deactivate.
    const stopping = [...jobs].map((job) => {
      job.cancel(JOB_SHUTDOWN_GRACE_MS);
      return job.done;
    });
    jobs.clear();
    disposeReportPanel();
    await Promise.all([controller.dispose(), ...stopping]);
  };
  log(`activated (extension host Node ${process.version}, ${process.execPath})`);
}

/** Kills the kernels and jobs; VS Code waits for the returned promise. */
export async function deactivate(): Promise<void> {
  await shutdown?.();
  shutdown = undefined;
}
