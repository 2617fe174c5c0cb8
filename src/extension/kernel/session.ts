/**
 * The kernel's state between messages: the persistent scope the cells share, the queue of
 * executions (one at a time, in arrival order), and interrupts. An interrupt aborts the running
 * cell's signal, waits for the jobs that listen to it (a training saves its checkpoint), gives
 * the cell a moment to settle and then answers `interrupted` even if the cell still awaits
 * something that ignores the signal (it is abandoned; its later outputs keep its id). Queued
 * cells are dropped as `interrupted` too: the stop button stops a "run all".
 *
 * A synchronous loop cannot be interrupted here: the message is not even read until the loop
 * ends. The host restarts the kernel when no `done` follows an interrupt within its grace period.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runInThisContext } from 'node:vm';
import type { ErrorMessage, ExecuteRequest } from '../../core/protocol/kernel.js';
import { CellSyntaxError, compileCell } from './compile.js';
import { currentExecution, type DisplayHandle, Execution, runIn, type Send } from './execution.js';
import { outputItems } from './output.js';
import { CellRegistry, errorReply } from './stack.js';

/** How long an interrupted cell may take to settle once its jobs have stopped. */
const SETTLE_MS = 200;

type CellFunction = (scope: object, importer: (spec: string) => Promise<unknown>) => Promise<unknown>;

/** How a cell ended. */
type Outcome =
  | { status: 'ok'; value: unknown }
  | { status: 'error'; error: ErrorMessage }
  | { status: 'interrupted' };

/** What every cell sees besides its own names: `display`, `mmner`, and whatever the kernel adds. */
export type Globals = Record<string, unknown>;

/** `import` in a cell resolves from the notebook's folder (the kernel's working folder). */
function importFromCwd(spec: string): Promise<unknown> {
  if (spec.startsWith('.') || spec.startsWith('/')) return import(pathToFileURL(resolve(spec)).href);
  if (spec.startsWith('node:')) return import(spec);
  try {
    return import(pathToFileURL(createRequire(join(process.cwd(), 'cell.js')).resolve(spec)).href);
  } catch {
    return import(spec); // ESM-only packages, or those the kernel itself has
  }
}

/** `display(a, b, …)`: one output per value; the handle of the last one (for `update`). */
function displayFunction(execution: () => Execution | undefined) {
  const display = (...values: unknown[]): DisplayHandle | undefined => {
    const ex = execution();
    if (!ex) throw new Error('display() works inside a running cell only');
    let handle: DisplayHandle | undefined;
    for (const v of values) handle = ex.display(v);
    return handle;
  };
  display.update = (handle: DisplayHandle, value: unknown) => handle.update(value);
  return display;
}

export class Session {
  readonly registry = new CellRegistry();
  /** The cells' shared names; a null prototype, so `constructor` or `toString` are not found in it. */
  private readonly scope: Record<string, unknown> = Object.create(null);
  private queue: ExecuteRequest[] = [];
  private running?: Execution;
  private draining = false;

  constructor(
    private readonly send: Send,
    globals: (current: () => Execution | undefined) => Globals,
  ) {
    // The cell's own execution (an abandoned cell's late output keeps its id), else the running one.
    const current = () => currentExecution() ?? this.running;
    Object.assign(this.scope, { display: displayFunction(current) }, globals(current));
  }

  execute(request: ExecuteRequest): void {
    this.queue.push(request);
    if (!this.draining) void this.drain();
  }

  interrupt(): void {
    const dropped = this.queue;
    this.queue = [];
    for (const r of dropped) this.send({ type: 'done', id: r.id, status: 'interrupted' });
    this.running?.controller.abort(new DOMException('the cell was interrupted', 'AbortError'));
  }

  /** Aborts what runs and waits (briefly) for it to stop, before the process exits. */
  async dispose(): Promise<void> {
    const running = this.running;
    this.interrupt();
    if (running) await Promise.race([running.jobsSettled(), new Promise((r) => setTimeout(r, 5000))]);
  }

  /**
   * An exception no cell awaited (a throwing timer, a rejected promise nobody handled): shown on
   * the stderr of the cell it came from, or of the running one; it never takes the kernel down.
   */
  stray(thrown: unknown): boolean {
    const execution = currentExecution() ?? this.running;
    if (!execution) return false;
    const { stack } = errorReply(execution.id, thrown, this.registry);
    execution.post(async () =>
      this.send({ type: 'stream', id: execution.id, name: 'stderr', text: `${stack}\n` }),
    );
    return true;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) await this.run(next);
    } finally {
      this.draining = false;
    }
  }

  private async run(request: ExecuteRequest): Promise<void> {
    const execution = new Execution(request.id, this.send);
    this.running = execution;
    const outcome = await this.evaluate(request, execution);
    await execution.flushed();
    if (this.running === execution) this.running = undefined;
    if (outcome.status === 'error') this.send(outcome.error);
    if (outcome.status !== 'ok') {
      this.send({
        type: 'done',
        id: request.id,
        status: outcome.status === 'error' ? 'error' : 'interrupted',
      });
      return;
    }
    let result: Awaited<ReturnType<typeof outputItems>> | undefined;
    try {
      result = outcome.value === undefined ? undefined : await outputItems(outcome.value);
    } catch (e) {
      this.send(errorReply(request.id, e, this.registry));
      this.send({ type: 'done', id: request.id, status: 'error' });
      return;
    }
    this.send({ type: 'done', id: request.id, status: 'ok', ...(result ? { result } : {}) });
  }

  /** Compiles and runs the cell; the outcome once it settles or is interrupted. */
  private async evaluate(request: ExecuteRequest, execution: Execution): Promise<Outcome> {
    let cell: Promise<unknown>;
    try {
      const compiled = await compileCell(request.code, request.language, request.cellName);
      const filename = this.registry.add(request.cellName, compiled);
      for (const name of compiled.declared) if (!(name in this.scope)) this.scope[name] = undefined;
      const fn = runInThisContext(compiled.script, { filename }) as CellFunction;
      cell = runIn(execution, () => fn(this.scope, importFromCwd));
    } catch (e) {
      if (e instanceof CellSyntaxError) {
        const stack = `SyntaxError: ${e.message}\n    at ${request.cellName}:${e.line}:${e.column}`;
        return {
          status: 'error',
          error: { type: 'error', id: request.id, name: 'SyntaxError', message: e.message, stack },
        };
      }
      return { status: 'error', error: errorReply(request.id, e, this.registry) };
    }
    if (execution.signal.aborted) return { status: 'interrupted' };
    // Whatever the cell ends with after an interrupt (often the AbortError itself), it was interrupted.
    const settled = cell.then(
      (value): Outcome => (execution.signal.aborted ? { status: 'interrupted' } : { status: 'ok', value }),
      (e): Outcome =>
        execution.signal.aborted
          ? { status: 'interrupted' }
          : { status: 'error', error: errorReply(request.id, e, this.registry) },
    );
    const interrupted = new Promise<Outcome>((resolveInterrupt) => {
      execution.signal.addEventListener('abort', async () => {
        await execution.jobsSettled();
        await Promise.race([settled, new Promise((r) => setTimeout(r, SETTLE_MS))]);
        resolveInterrupt({ status: 'interrupted' });
      });
    });
    return Promise.race([settled, interrupted]);
  }
}
