/**
 * A stand-in for the `vscode` module, just big enough to activate the host bundle in plain Node
 * and drive its notebook controller: it records registered commands, the controller and every
 * output edit of a cell execution. Written as CommonJS source into node_modules/vscode/ next to
 * the bundle under test.
 */

export const FAKE_VSCODE_SOURCE = `
const state = { commands: new Map(), controllers: [], executions: [], messages: [], trusted: true, config: {}, executed: [], rendererListeners: new Map() };
globalThis.__fakeVscode = state;
const disposable = () => ({ dispose() {} });
class NotebookCellOutputItem {
  constructor(data, mime) { this.data = data; this.mime = mime; }
  static text(s, mime = 'text/plain') { return new NotebookCellOutputItem(new TextEncoder().encode(s), mime); }
  static stdout(s) { return NotebookCellOutputItem.text(s, 'application/vnd.code.notebook.stdout'); }
  static stderr(s) { return NotebookCellOutputItem.text(s, 'application/vnd.code.notebook.stderr'); }
  static error(e) {
    return NotebookCellOutputItem.text(JSON.stringify({ name: e.name, message: e.message, stack: e.stack }), 'application/vnd.code.notebook.error');
  }
}
class NotebookCellOutput {
  constructor(items, metadata) { this.items = items; this.metadata = metadata; }
}
function execution(cell) {
  const e = { cell, outputs: [], executionOrder: undefined, started: false, ended: undefined, token: { onCancellationRequested: disposable } };
  e.start = () => { e.started = true; };
  e.clearOutput = async () => { e.outputs = []; };
  e.replaceOutput = async (o) => { e.outputs = [].concat(o); };
  e.appendOutput = async (o) => { e.outputs.push(...[].concat(o)); };
  e.appendOutputItems = async (items, output) => { output.items.push(...[].concat(items)); };
  e.replaceOutputItems = async (items, output) => { output.items = [].concat(items); };
  e.end = (success) => { e.ended = { success }; };
  state.executions.push(e);
  return e;
}
const say = (kind) => async (message, ...rest) => { state.messages.push({ kind, message }); return undefined; };
module.exports = {
  StatusBarAlignment: { Left: 1, Right: 2 },
  ProgressLocation: { Notification: 15 },
  NotebookControllerAffinity: { Default: 1, Preferred: 2 },
  ConfigurationTarget: { Global: 1, Workspace: 2 },
  ViewColumn: { Active: -1 },
  NotebookCellOutput,
  NotebookCellOutputItem,
  Uri: {
    file: (p) => ({ fsPath: p, scheme: 'file', toString: () => 'file://' + p }),
    joinPath: (base, ...parts) => module.exports.Uri.file([base.fsPath, ...parts].join('/')),
  },
  window: {
    createOutputChannel: (name) => ({ name, lines: [], appendLine(l) { this.lines.push(l); }, show() {}, dispose() {} }),
    createStatusBarItem: (id) => { const item = { id, shown: false, show() { item.shown = true; }, dispose() {} }; state.statusBar = item; return item; },
    showErrorMessage: say('error'),
    showWarningMessage: say('warning'),
    showInformationMessage: say('info'),
    showQuickPick: async (items) => (await items).find((i) => i.label === state.pick),
    withProgress: (options, task) => task({ report() {} }, { onCancellationRequested: disposable }),
    activeNotebookEditor: undefined,
  },
  commands: {
    registerCommand: (id, fn) => { state.commands.set(id, fn); return { dispose() { state.commands.delete(id); } }; },
    executeCommand: async (id, ...args) => { state.executed.push({ id, args }); },
  },
  notebooks: {
    createRendererMessaging: (id) => ({
      onDidReceiveMessage: (fn) => { state.rendererListeners.set(id, fn); return { dispose() {} }; },
      postMessage: async () => true,
    }),
    createNotebookController: (id, notebookType, label, handler) => {
      const c = { id, notebookType, label, handler, createNotebookCellExecution: execution, dispose() {} };
      state.controllers.push(c);
      return c;
    },
  },
  workspace: {
    get isTrusted() { return state.trusted; },
    workspaceFolders: undefined,
    getWorkspaceFolder: () => undefined,
    getConfiguration: () => ({ get: (key, fallback) => state.config[key] ?? fallback, update: async (key, value) => { state.config[key] = value; } }),
    onDidChangeConfiguration: disposable,
    onDidCloseNotebookDocument: disposable,
    onDidOpenNotebookDocument: disposable,
    notebookDocuments: [],
  },
};
`;

/** The recorded state, typed loosely: what the tests read. */
export interface FakeVscodeState {
  commands: Map<string, (...args: unknown[]) => Promise<unknown>>;
  controllers: {
    id: string;
    notebookType: string;
    label: string;
    supportedLanguages?: string[];
    supportsExecutionOrder?: boolean;
    interruptHandler?: (notebook: unknown) => Promise<void>;
    handler: (cells: unknown[], notebook: unknown, controller: unknown) => Promise<void>;
  }[];
  executions: {
    cell: { index: number };
    outputs: { items: { mime: string; data: Uint8Array }[]; metadata?: Record<string, unknown> }[];
    executionOrder?: number;
    started: boolean;
    ended?: { success: boolean | undefined };
  }[];
  messages: { kind: string; message: string }[];
  statusBar?: { text: string; shown: boolean };
  trusted: boolean;
  /** The label showQuickPick answers with. */
  pick?: string;
  config: Record<string, unknown>;
  /** Commands run through `vscode.commands.executeCommand`. */
  executed: { id: string; args: unknown[] }[];
  /** Renderer id → the host's listener for that renderer's messages. */
  rendererListeners: Map<string, (e: { message: unknown }) => void>;
}
