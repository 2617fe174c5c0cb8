/**
 * One notebook's kernel process, seen from the extension host: spawns it (Node, IPC channel),
 * waits for `ready`, sends `execute` one at a time and routes the replies by execution id,
 * interrupts (message, then kill and restart after a grace period: a busy synchronous loop cannot
 * be interrupted in-process) and turns a crash into a failed execution. No `vscode` import, so it
 * is tested in plain Node against fake kernel scripts.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { MmnerError } from '../../core/errors.js';
import {
  type CellLanguage,
  type DisplayMessage,
  type ErrorMessage,
  type HostMessage,
  isKernelMessage,
  type KernelMessage,
  type OutputItem,
  type ReadyMessage,
  type StreamMessage,
} from '../../core/protocol/index.js';

export interface KernelClientOptions {
  /** The kernel entry (dist/kernel.js). */
  script: string;
  /** The notebook's workspace folder. */
  cwd: string;
  /** The Node binary; default the extension host's own (`process.execPath`). */
  execPath?: string;
  /** Extra environment (merged over the host's). */
  env?: Record<string, string>;
  /** How long the kernel may take to send `ready` (default 60 s: it loads TensorFlow.js). */
  readyTimeoutMs?: number;
  /** How long an interrupted cell may take to finish before the kernel is killed (default 5 s). */
  interruptGraceMs?: number;
  /** One line per call: kernel stderr, starts, exits, dropped messages. */
  log?: (line: string) => void;
}

/** What the cell's replies go to while it runs. */
export interface ExecutionHandlers {
  onDisplay?(message: DisplayMessage): void;
  onStream?(message: StreamMessage): void;
  onError?(message: ErrorMessage): void;
}

export interface ExecutionOutcome {
  status: 'ok' | 'error' | 'interrupted';
  /** The cell's last expression, as output items. */
  result?: OutputItem[];
  /**
   * Why the kernel did not finish the cell itself: `crashed` (the process died), `restarted`
   * (killed after an unanswered interrupt, or by a restart), `cancelled` (interrupted before it
   * was sent), `startFailed` (no kernel).
   */
  abandoned?: 'crashed' | 'restarted' | 'cancelled' | 'startFailed';
  /** A sentence for the user when `abandoned` is set. */
  explanation?: string;
}

export interface ExecuteOptions {
  code: string;
  language: CellLanguage;
  cellName: string;
}

interface Pending {
  id: string;
  request: ExecuteOptions;
  handlers: ExecutionHandlers;
  resolve(outcome: ExecutionOutcome): void;
  sent: boolean;
}

const STDERR_TAIL_LINES = 20;
/** How long a kernel asked to shut down may take before it is killed. */
const SHUTDOWN_GRACE_MS = 1000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class KernelClient {
  private child?: ChildProcess;
  private starting?: Promise<ReadyMessage>;
  private readyInfo?: ReadyMessage;
  /** Executions in order; the first is running once `sent`. */
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private stderrTail: string[] = [];
  private disposed = false;
  private readonly log: (line: string) => void;

  constructor(private readonly options: KernelClientOptions) {
    this.log = options.log ?? (() => {});
  }

  /** The `ready` message of the running kernel, if one is running. */
  get ready(): ReadyMessage | undefined {
    return this.readyInfo;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether a cell is running now. */
  get busy(): boolean {
    return this.queue[0]?.sent === true;
  }

  /** Starts the kernel unless it runs; resolves with its `ready` message. */
  start(): Promise<ReadyMessage> {
    if (this.disposed) return Promise.reject(new MmnerError('E_KERNEL_DISPOSED', 'the kernel was shut down'));
    this.starting ??= this.spawn().catch((e) => {
      this.starting = undefined;
      throw e;
    });
    return this.starting;
  }

  /** Queues a cell; `done` resolves when the kernel says so, or when the kernel is gone. */
  execute(
    request: ExecuteOptions,
    handlers: ExecutionHandlers = {},
  ): { id: string; done: Promise<ExecutionOutcome> } {
    const id = `x${this.nextId++}`;
    const done = new Promise<ExecutionOutcome>((resolve) => {
      this.queue.push({ id, request, handlers, resolve, sent: false });
    });
    if (this.disposed) this.finishAll('cancelled', 'the kernel was shut down');
    else this.pump();
    return { id, done };
  }

  /**
   * Stops the running cell and drops the queued ones. `interrupted`: the kernel finished the cell
   * itself; `restarted`: it did not within the grace period and was killed and started again;
   * `idle`: nothing was running.
   */
  async interrupt(): Promise<'interrupted' | 'restarted' | 'idle'> {
    const running = this.queue[0]?.sent ? this.queue[0] : undefined;
    const dropped = this.queue.splice(running ? 1 : 0);
    for (const p of dropped) {
      p.resolve({ status: 'interrupted', abandoned: 'cancelled', explanation: 'not run: interrupted' });
    }
    if (!running) return 'idle';
    const child = this.child;
    const finished = new Promise<boolean>((resolve) => {
      const wrapped = running.resolve;
      const timer = setTimeout(() => resolve(false), this.options.interruptGraceMs ?? 5000);
      running.resolve = (outcome) => {
        clearTimeout(timer);
        wrapped(outcome);
        resolve(true);
      };
    });
    this.send({ type: 'interrupt' });
    if (await finished) return 'interrupted';
    if (this.child !== child) return 'restarted';
    this.log(`kernel: no answer to interrupt within ${this.options.interruptGraceMs ?? 5000} ms; restarting`);
    await this.restart(
      'the cell did not stop within the grace period (a busy synchronous loop cannot be interrupted), so the kernel was restarted; its variables are gone',
    );
    return 'restarted';
  }

  /** Kills the kernel (ending its cells) and starts a fresh one. */
  async restart(explanation = 'the kernel was restarted; its variables are gone'): Promise<ReadyMessage> {
    await this.kill('restarted', explanation);
    return this.start();
  }

  /** Ends every cell and stops the kernel for good. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.kill('cancelled', 'the kernel was shut down');
  }

  private async spawn(): Promise<ReadyMessage> {
    const { script, cwd } = this.options;
    this.stderrTail = [];
    // ELECTRON_RUN_AS_NODE: in desktop VS Code, process.execPath is Electron, which must act as Node.
    const child = fork(script, [], {
      cwd,
      execPath: this.options.execPath ?? process.execPath,
      // Not the host's own flags (inspector ports, loaders).
      execArgv: [],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    this.log(`kernel: started ${script} (pid ${child.pid}) in ${cwd}`);
    child.stdout?.setEncoding('utf8').on('data', (text: string) => this.logLines('kernel stdout', text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.logLines('kernel stderr', text);
      this.stderrTail.push(...text.split('\n').filter((l) => l.trim() !== ''));
      this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - STDERR_TAIL_LINES));
    });

    const ready = new Promise<ReadyMessage>((resolve, reject) => {
      const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
      const timer = setTimeout(() => {
        reject(
          new MmnerError('E_KERNEL_START', `the kernel sent no 'ready' within ${timeoutMs / 1000} s`, {
            file: script,
            hint: 'see the "mmner" output channel for its stderr',
          }),
        );
        child.kill('SIGKILL');
      }, timeoutMs);
      child.once('message', (m: unknown) => {
        if (isKernelMessage(m) && m.type === 'ready') {
          clearTimeout(timer);
          resolve(m);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new MmnerError(
            'E_KERNEL_START',
            `the kernel exited before it was ready (${exitText(code, signal)})`,
            {
              file: script,
              hint: this.stderrTail.slice(-5).join('\n') || 'see the "mmner" output channel',
            },
          ),
        );
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new MmnerError('E_KERNEL_START', `cannot start the kernel: ${e.message}`, { file: script }));
      });
    });

    child.on('message', (m: unknown) => this.route(child, m));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    const info = await ready;
    this.readyInfo = info;
    this.log(
      `kernel: ready (pid ${info.pid}, mmner ${info.version}${info.backend ? `, ${info.backend}` : ''})`,
    );
    return info;
  }

  /** Sends the next queued cell once the kernel is ready and idle. */
  private pump(): void {
    const next = this.queue[0];
    if (!next || next.sent) return;
    this.start().then(
      () => {
        if (this.queue[0] !== next || next.sent) return;
        next.sent = true;
        this.send({ type: 'execute', id: next.id, ...next.request });
      },
      (e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        this.log(`kernel: ${message}`);
        if (this.queue[0] === next)
          this.settle(next, { status: 'error', abandoned: 'startFailed', explanation: message });
      },
    );
  }

  private route(child: ChildProcess, m: unknown): void {
    if (child !== this.child) return;
    if (!isKernelMessage(m)) {
      this.log(`kernel: dropped a message that is not in the protocol: ${JSON.stringify(m).slice(0, 200)}`);
      return;
    }
    if (m.type === 'ready') return;
    const pending = this.queue.find((p) => p.id === m.id && p.sent);
    if (!pending) {
      this.log(`kernel: dropped '${m.type}' for execution ${m.id}, which is not running`);
      return;
    }
    this.dispatch(pending, m);
  }

  private dispatch(pending: Pending, m: Exclude<KernelMessage, ReadyMessage>): void {
    switch (m.type) {
      case 'display':
        pending.handlers.onDisplay?.(m);
        return;
      case 'stream':
        pending.handlers.onStream?.(m);
        return;
      case 'error':
        pending.handlers.onError?.(m);
        return;
      case 'done':
        this.settle(pending, { status: m.status, ...(m.result ? { result: m.result } : {}) });
        return;
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    const wasReady = this.readyInfo !== undefined;
    this.child = undefined;
    this.starting = undefined;
    this.readyInfo = undefined;
    this.log(`kernel: exited (${exitText(code, signal)})`);
    const stderr = this.stderrTail.slice(-5).join('\n');
    this.finishAll(
      wasReady ? 'crashed' : 'startFailed',
      `the kernel process exited (${exitText(code, signal)}); it starts again on the next run${stderr ? `\n${stderr}` : ''}`,
    );
  }

  /** Kills the current process (if any) and ends all cells with `why`. */
  private async kill(why: 'restarted' | 'cancelled', explanation: string): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.starting = undefined;
    this.readyInfo = undefined;
    this.finishAll(why, explanation);
    // No pid: it never started (no 'exit' will come).
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (why === 'cancelled' && child.connected) {
      // Shutting down: the kernel may close its resources first, briefly.
      child.send({ type: 'shutdown' } satisfies HostMessage, () => {});
      const clean = await Promise.race([exited.then(() => true), delay(SHUTDOWN_GRACE_MS).then(() => false)]);
      if (clean) {
        this.log(`kernel: pid ${child.pid} shut down`);
        return;
      }
    }
    child.kill('SIGKILL');
    await exited;
    this.log(`kernel: killed pid ${child.pid} (${why})`);
  }

  /** Ends every cell: the running one with `why`, the queued ones as not run. */
  private finishAll(why: NonNullable<ExecutionOutcome['abandoned']>, explanation: string): void {
    // Emptied first: resolving one must not start the next on a kernel that is going away.
    const ended = this.queue.splice(0);
    for (const p of ended) {
      const failed = why === 'startFailed' || (why === 'crashed' && p.sent);
      p.resolve({
        status: failed ? 'error' : 'interrupted',
        abandoned: p.sent || why === 'startFailed' ? why : 'cancelled',
        explanation,
      });
    }
  }

  private settle(pending: Pending, outcome: ExecutionOutcome): void {
    const i = this.queue.indexOf(pending);
    if (i < 0) return;
    this.queue.splice(i, 1);
    pending.resolve(outcome);
    if (i === 0) this.pump();
  }

  private send(message: HostMessage): void {
    const child = this.child;
    if (!child?.connected) return;
    child.send(message, (e) => {
      if (e) this.log(`kernel: could not send '${message.type}': ${e.message}`);
    });
  }

  private logLines(prefix: string, text: string): void {
    for (const line of text.split('\n')) if (line.trim() !== '') this.log(`${prefix}: ${line}`);
  }
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}
