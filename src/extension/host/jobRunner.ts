/**
 * Job processes for the extension's commands: runs the CLI (`node dist/cli.js train …`) as a
 * child — never in the extension host — follows its progress (a training run's events.jsonl,
 * else the CLI's last stderr line), and cancels it: SIGINT (the CLI saves a checkpoint and exits
 * 130), then SIGKILL after a grace period. No `vscode` import, so it is tested in plain Node.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { readEvents, type TrainEvent } from '../../core/run/events.js';

export interface JobOptions {
  /** The CLI entry (dist/cli.js). */
  cli: string;
  /** Its arguments, e.g. `['train', '--data', 'data/sample', '--out', 'runs/x']`. */
  args: string[];
  cwd: string;
  /** The Node binary; default the extension host's own. */
  execPath?: string;
  env?: Record<string, string>;
  /** A training run's events.jsonl to follow (it may not exist yet). */
  eventsFile?: string;
  /** How often events.jsonl is read (default 500 ms). */
  pollMs?: number;
  log?: (line: string) => void;
  onProgress?: (progress: JobProgress) => void;
}

/** What a progress notification shows. */
export interface JobProgress {
  message: string;
  /** 0–1 when known. */
  fraction?: number;
}

export interface JobResult {
  /** Exit code (130: interrupted by SIGINT, a checkpoint was saved), or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** `cancel()` was called. */
  cancelled: boolean;
  /** Everything the job wrote to stdout (its summary). */
  stdout: string;
  /** The last lines of stderr, for an error message. */
  stderrTail: string[];
}

/** The training state events.jsonl has shown so far. */
export interface TrainProgressState {
  startStep?: number;
  totalSteps?: number;
  step?: number;
  devF1?: number;
  bestF1?: number;
  checkpoint?: string;
  ended?: 'completed' | 'earlyStop' | 'interrupted';
}

/** Folds events into the training state. */
export function foldTrainEvents(
  state: TrainProgressState,
  events: readonly TrainEvent[],
): TrainProgressState {
  const next = { ...state };
  for (const e of events) {
    switch (e.type) {
      case 'runStart':
        next.startStep = e.startStep;
        next.totalSteps = e.totalSteps;
        next.step = e.startStep;
        next.ended = undefined;
        break;
      case 'step':
        next.step = e.step;
        break;
      case 'eval':
        next.devF1 = e.f1;
        if (e.best) next.bestF1 = e.f1;
        break;
      case 'checkpoint':
        next.checkpoint = e.path;
        break;
      case 'interrupted':
        next.checkpoint = e.checkpoint;
        break;
      case 'runEnd':
        next.step = e.step;
        next.ended = e.reason;
        break;
      case 'earlyStop':
        break;
    }
  }
  return next;
}

/**
 * The notification text of a training state.
 * @example describeTrainProgress({ step: 40, totalSteps: 100, devF1: 61.234 }) // → { message: 'step 40/100 · dev F1 61.2', fraction: 0.4 }
 */
export function describeTrainProgress(s: TrainProgressState): JobProgress | undefined {
  if (s.totalSteps === undefined) return undefined;
  const step = s.step ?? 0;
  const f1 = s.devF1 === undefined ? '' : ` · dev F1 ${s.devF1.toFixed(1)}`;
  return {
    message: `step ${step}/${s.totalSteps}${f1}`,
    fraction: s.totalSteps > 0 ? Math.min(1, step / s.totalSteps) : 0,
  };
}

/** A stderr line as a person reads it: progress-bar redraws (`\r`) and colours removed. */
export function cleanLine(text: string): string {
  const last =
    text
      .split('\r')
      .filter((part) => part.trim() !== '')
      .at(-1) ?? '';
  return last.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trim();
}

/**
 * Reads the complete lines appended to a file since the last call; a line still being written
 * waits for its newline.
 */
export class FileTail {
  private offset = 0;
  private partial = '';

  constructor(readonly path: string) {}

  async read(): Promise<string> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, 'r');
    } catch {
      return ''; // not written yet
    }
    try {
      const { size } = await handle.stat();
      if (size < this.offset) {
        // Replaced by a new run with the same name: start over.
        this.offset = 0;
        this.partial = '';
      }
      if (size === this.offset) return '';
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const text = this.partial + buffer.subarray(0, bytesRead).toString('utf8');
      const end = text.lastIndexOf('\n') + 1;
      this.partial = text.slice(end);
      return text.slice(0, end);
    } finally {
      await handle.close();
    }
  }
}

const STDERR_TAIL_LINES = 30;

/** A running job; `done` resolves when the process has exited and its progress was read. */
export class Job {
  readonly done: Promise<JobResult>;
  private readonly child: ChildProcess;
  private cancelled = false;
  private killTimer?: NodeJS.Timeout;
  private killDeadline?: number;
  private train: TrainProgressState = {};

  constructor(private readonly options: JobOptions) {
    const log = options.log ?? (() => {});
    const execPath = options.execPath ?? process.execPath;
    log(`job: ${[execPath, options.cli, ...options.args].map(quoteArg).join(' ')} (in ${options.cwd})`);
    this.child = spawn(execPath, [options.cli, ...options.args], {
      cwd: options.cwd,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const stderrTail: string[] = [];
    this.child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      for (const line of text.split('\n')) if (line.trim() !== '') log(`job stdout: ${line}`);
    });
    let stderrPartial = '';
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      const lines = (stderrPartial + text).split('\n');
      stderrPartial = lines.pop() ?? '';
      for (const raw of lines) {
        const line = cleanLine(raw);
        if (line === '') continue;
        log(`job stderr: ${line}`);
        stderrTail.push(line);
        if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
        // Without events.jsonl the CLI's own lines are the progress.
        if (!this.options.eventsFile || this.train.totalSteps === undefined)
          options.onProgress?.({ message: line });
      }
    });

    const tail = options.eventsFile ? new FileTail(options.eventsFile) : undefined;
    let polling = Promise.resolve();
    const poll = () => {
      polling = polling.then(() => this.readEvents(tail));
      return polling;
    };
    const timer = tail ? setInterval(poll, options.pollMs ?? 500) : undefined;

    this.done = new Promise<JobResult>((resolve) => {
      let spawnError: Error | undefined;
      this.child.once('error', (e) => {
        spawnError = e;
      });
      this.child.once('close', async (code, signal) => {
        if (timer) clearInterval(timer);
        if (this.killTimer) clearTimeout(this.killTimer);
        await poll();
        if (stderrPartial.trim() !== '') stderrTail.push(cleanLine(stderrPartial));
        if (spawnError) stderrTail.push(`cannot start ${execPath}: ${spawnError.message}`);
        log(
          `job: exited (${signal ? `signal ${signal}` : `exit code ${code}`})${this.cancelled ? ', cancelled' : ''}`,
        );
        resolve({ code, signal, cancelled: this.cancelled, stdout, stderrTail });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The training state read from events.jsonl so far. */
  get trainState(): Readonly<TrainProgressState> {
    return this.train;
  }

  /**
   * SIGINT now (the CLI stops after its current step, saving a checkpoint), SIGKILL after
   * `graceMs`. SIGINT goes once only: a second one makes the CLI exit without its checkpoint. A
   * later call may only bring the kill closer.
   */
  cancel(graceMs = 15_000): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (!this.cancelled) {
      this.cancelled = true;
      this.options.log?.(
        `job: cancelling pid ${this.child.pid} (SIGINT, then SIGKILL after ${graceMs / 1000} s)`,
      );
      this.child.kill('SIGINT');
    }
    const deadline = Date.now() + graceMs;
    if (this.killDeadline !== undefined && this.killDeadline <= deadline) return;
    this.killDeadline = deadline;
    clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => {
      this.options.log?.(`job: pid ${this.child.pid} still running after SIGINT; killing it`);
      this.child.kill('SIGKILL');
    }, graceMs);
  }

  /** Kills the job at once (the extension is being deactivated). */
  kill(): void {
    this.cancelled = true;
    this.child.kill('SIGKILL');
  }

  private async readEvents(tail: FileTail | undefined): Promise<void> {
    if (!tail) return;
    try {
      const text = await tail.read();
      if (text === '') return;
      const { events } = readEvents(text, tail.path);
      this.train = foldTrainEvents(this.train, events);
      const progress = describeTrainProgress(this.train);
      if (progress) this.options.onProgress?.(progress);
    } catch (e) {
      this.options.log?.(`job: cannot follow ${tail.path}: ${(e as Error).message}`);
    }
  }
}

export function startJob(options: JobOptions): Job {
  return new Job(options);
}

function quoteArg(a: string): string {
  return /^[\w./:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
