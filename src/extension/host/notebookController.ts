/**
 * The "mmner" notebook controller: a thin VS Code layer over KernelClient. One kernel process
 * per notebook, started on the first run; each cell becomes a NotebookCellExecution whose
 * outputs follow the kernel's display/stream/error/done messages. Interrupt asks the kernel and
 * falls back to a restart; nothing runs in an untrusted workspace.
 */
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { CellLanguage, OutputItem } from '../../core/protocol/index.js';
import { CONTROLLER, declaresMmnerKernel } from './contributions.js';
import { type ExecutionOutcome, KernelClient } from './kernelClient.js';

export interface ControllerOptions {
  /** dist/kernel.js of this extension. */
  kernelScript: string;
  log: (line: string) => void;
  /** Read at each kernel start: environment (backend) and Node binary. */
  kernelEnv: () => Record<string, string>;
  nodePath: () => string | undefined;
}

/** A protocol output item as VS Code's. */
export function toOutputItem(item: OutputItem): vscode.NotebookCellOutputItem {
  const bytes =
    item.encoding === 'base64' ? Buffer.from(item.data, 'base64') : new TextEncoder().encode(item.data);
  return new vscode.NotebookCellOutputItem(bytes, item.mime);
}

function cellLanguage(cell: vscode.NotebookCell): CellLanguage {
  return cell.document.languageId === 'typescript' ? 'typescript' : 'javascript';
}

/** Where a notebook's kernel runs: its workspace folder, else its own folder. */
function kernelCwd(notebook: vscode.NotebookDocument): string {
  const folder = vscode.workspace.getWorkspaceFolder(notebook.uri);
  if (folder) return folder.uri.fsPath;
  return notebook.uri.scheme === 'file' ? dirname(notebook.uri.fsPath) : homedir();
}

export class MmnerNotebookController implements vscode.Disposable {
  private readonly controller: vscode.NotebookController;
  private readonly kernels = new Map<string, KernelClient>();
  private readonly executionOrder = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly options: ControllerOptions) {
    this.controller = vscode.notebooks.createNotebookController(
      CONTROLLER.id,
      CONTROLLER.notebookType,
      CONTROLLER.label,
      (cells, notebook) => this.executeCells(cells, notebook),
    );
    this.controller.supportedLanguages = [...CONTROLLER.languages];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = 'mmner kernel (Node, TensorFlow.js)';
    this.controller.interruptHandler = (notebook) => this.interrupt(notebook);
    // Notebooks saved with the mmner kernel pick it again, even beside the Jupyter extension's.
    const prefer = (notebook: vscode.NotebookDocument) => {
      if (notebook.notebookType === CONTROLLER.notebookType && declaresMmnerKernel(notebook.metadata)) {
        this.controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
      }
    };
    vscode.workspace.notebookDocuments.forEach(prefer);
    this.disposables.push(
      this.controller,
      vscode.workspace.onDidOpenNotebookDocument(prefer),
      vscode.workspace.onDidCloseNotebookDocument((notebook) => {
        const key = notebook.uri.toString();
        void this.kernels.get(key)?.dispose();
        this.kernels.delete(key);
        this.executionOrder.delete(key);
      }),
    );
  }

  /** Restarts a notebook's kernel (variables are lost; the execution count starts over). */
  async restart(notebook: vscode.NotebookDocument): Promise<boolean> {
    const key = notebook.uri.toString();
    const kernel = this.kernels.get(key);
    if (!kernel) return false;
    this.executionOrder.delete(key);
    await kernel.restart();
    return true;
  }

  async dispose(): Promise<void> {
    const kernels = [...this.kernels.values()];
    this.kernels.clear();
    for (const d of this.disposables) d.dispose();
    await Promise.all(kernels.map((k) => k.dispose()));
  }

  private kernelFor(notebook: vscode.NotebookDocument): KernelClient {
    const key = notebook.uri.toString();
    let kernel = this.kernels.get(key);
    if (!kernel) {
      const nodePath = this.options.nodePath();
      kernel = new KernelClient({
        script: this.options.kernelScript,
        cwd: kernelCwd(notebook),
        env: this.options.kernelEnv(),
        ...(nodePath ? { execPath: nodePath } : {}),
        log: this.options.log,
      });
      this.kernels.set(key, kernel);
    }
    return kernel;
  }

  private async interrupt(notebook: vscode.NotebookDocument): Promise<void> {
    const kernel = this.kernels.get(notebook.uri.toString());
    if (!kernel) return;
    const how = await kernel.interrupt();
    this.options.log(`interrupt ${notebook.uri.toString()}: ${how}`);
    if (how === 'restarted') this.executionOrder.delete(notebook.uri.toString());
  }

  private async executeCells(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): Promise<void> {
    for (const cell of cells) {
      const outcome = await this.executeCell(cell, notebook);
      // As in Jupyter, a run stops at the first cell that fails or is interrupted.
      if (outcome !== 'ok') break;
    }
  }

  private async executeCell(
    cell: vscode.NotebookCell,
    notebook: vscode.NotebookDocument,
  ): Promise<ExecutionOutcome['status'] | 'untrusted'> {
    const execution = this.controller.createNotebookCellExecution(cell);
    const key = notebook.uri.toString();
    const order = (this.executionOrder.get(key) ?? 0) + 1;
    this.executionOrder.set(key, order);
    execution.executionOrder = order;
    execution.start(Date.now());
    await execution.clearOutput();

    if (!vscode.workspace.isTrusted) {
      await execution.replaceOutput(
        new vscode.NotebookCellOutput([
          vscode.NotebookCellOutputItem.error({
            name: 'Untrusted workspace',
            message:
              'mmner runs no code in an untrusted workspace. Trust this folder (Workspaces: Manage Workspace Trust) to run cells.',
          }),
        ]),
      );
      execution.end(false, Date.now());
      return 'untrusted';
    }

    // Output edits are asynchronous; chaining them keeps the kernel's order.
    let edits: Thenable<void> = Promise.resolve();
    const edit = (f: () => Thenable<void>) => {
      edits = edits.then(f, f);
    };
    const outputs = new Map<string, vscode.NotebookCellOutput>();
    let lastStream: { name: 'stdout' | 'stderr'; output: vscode.NotebookCellOutput } | undefined;
    const append = (output: vscode.NotebookCellOutput) => {
      lastStream = undefined;
      edit(() => execution.appendOutput(output));
    };

    const kernel = this.kernelFor(notebook);
    const { done } = kernel.execute(
      { code: cell.document.getText(), language: cellLanguage(cell), cellName: `Cell ${cell.index + 1}` },
      {
        onDisplay: (m) => {
          const items = m.items.map(toOutputItem);
          const existing = outputs.get(m.outputId);
          if (m.update && existing) {
            edit(() => execution.replaceOutputItems(items, existing));
            return;
          }
          const output = new vscode.NotebookCellOutput(items, { mmnerOutputId: m.outputId });
          outputs.set(m.outputId, output);
          append(output);
        },
        onStream: (m) => {
          const item =
            m.name === 'stdout'
              ? vscode.NotebookCellOutputItem.stdout(m.text)
              : vscode.NotebookCellOutputItem.stderr(m.text);
          const stream = lastStream;
          if (stream?.name === m.name) {
            edit(() => execution.appendOutputItems(item, stream.output));
            return;
          }
          const output = new vscode.NotebookCellOutput([item]);
          append(output);
          lastStream = { name: m.name, output };
        },
        onError: (m) => {
          append(
            new vscode.NotebookCellOutput([
              vscode.NotebookCellOutputItem.error({ name: m.name, message: m.message, stack: m.stack }),
            ]),
          );
        },
      },
    );
    const outcome = await done;
    if (outcome.result && outcome.result.length > 0) {
      append(new vscode.NotebookCellOutput(outcome.result.map(toOutputItem)));
    }
    if (outcome.abandoned && outcome.abandoned !== 'cancelled') {
      const explanation = outcome.explanation ?? `the kernel ${outcome.abandoned}`;
      const name =
        outcome.abandoned === 'crashed'
          ? 'Kernel crashed'
          : outcome.abandoned === 'startFailed'
            ? 'Kernel did not start'
            : 'Interrupted';
      append(
        new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error({ name, message: explanation })]),
      );
      if (outcome.abandoned === 'crashed') this.options.log(`cell ${cell.index + 1}: ${explanation}`);
    }
    await edits;
    const neverRan = outcome.abandoned === 'cancelled';
    if (neverRan) execution.executionOrder = undefined;
    execution.end(neverRan ? undefined : outcome.status === 'ok', Date.now());
    return outcome.status;
  }
}
