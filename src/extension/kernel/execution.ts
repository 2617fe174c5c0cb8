/**
 * One cell's run as everything inside it sees it: its id, its abort signal, its outputs in order,
 * and the jobs (training) that must finish cleanly when it is interrupted. The current execution
 * follows the cell's async work through AsyncLocalStorage, so `console.log` in a timer the cell
 * started, or a warning from the library, still lands in that cell's output.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import type { KernelMessage, OutputItem } from '../../core/protocol/kernel.js';
import { outputItems } from './output.js';

export type Send = (message: KernelMessage) => void;

/** A live output: `update` replaces it in place. */
export interface DisplayHandle {
  readonly outputId: string;
  update(value: unknown): Promise<void>;
}

let outputs = 0;

export class Execution {
  readonly controller = new AbortController();
  readonly console: Console;
  /** Outputs are sent one after another: a slow chart never overtakes the log line before it. */
  private outbox: Promise<void> = Promise.resolve();
  private readonly jobs = new Set<Promise<unknown>>();

  constructor(
    readonly id: string,
    private readonly send: Send,
  ) {
    const stream = (name: 'stdout' | 'stderr') =>
      new Writable({
        decodeStrings: false,
        write: (chunk: string | Buffer, _encoding, callback) => {
          const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
          this.post(async () => this.send({ type: 'stream', id: this.id, name, text }));
          callback();
        },
      });
    this.console = new Console({ stdout: stream('stdout'), stderr: stream('stderr'), colorMode: false });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Queues a step of output; a failing step is reported on stderr and the queue goes on. */
  post(step: () => Promise<void>): Promise<void> {
    const next = this.outbox.then(step);
    this.outbox = next.catch((e: unknown) => {
      const text = `display failed: ${e instanceof Error ? e.message : String(e)}\n`;
      this.send({ type: 'stream', id: this.id, name: 'stderr', text });
    });
    return next;
  }

  /** Resolves once every output posted so far is sent. */
  flushed(): Promise<void> {
    return this.outbox;
  }

  private items(outputId: string, items: OutputItem[], update: boolean): void {
    this.send({ type: 'display', id: this.id, outputId, items, ...(update ? { update: true } : {}) });
  }

  /** A new output for `value`; returns its live handle. */
  display(value: unknown): DisplayHandle {
    const outputId = `${this.id}/out-${++outputs}`;
    this.post(async () => this.items(outputId, await outputItems(value, { raw: true }), false));
    return {
      outputId,
      update: (next) =>
        this.post(async () => this.items(outputId, await outputItems(next, { raw: true }), true)),
    };
  }

  /** Tracks a job the interrupt must wait for (it stops at its next step and saves a checkpoint). */
  track<T>(job: Promise<T>): Promise<T> {
    this.jobs.add(job);
    job.then(
      () => this.jobs.delete(job),
      () => this.jobs.delete(job),
    );
    return job;
  }

  /** Settles when every tracked job has (never rejects). */
  async jobsSettled(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs]);
  }
}

const current = new AsyncLocalStorage<Execution>();

export function runIn<T>(execution: Execution, fn: () => T): T {
  return current.run(execution, fn);
}

/** The execution the calling code belongs to (undefined outside any cell). */
export function currentExecution(): Execution | undefined {
  return current.getStore();
}

const CONSOLE_METHODS = [
  'log',
  'info',
  'debug',
  'warn',
  'error',
  'dir',
  'table',
  'trace',
  'group',
  'groupEnd',
  'time',
  'timeEnd',
  'timeLog',
  'count',
  'assert',
] as const;

/**
 * Routes the global console to the current execution's output (once, at kernel start); outside
 * a cell it writes where it always did (the kernel's own stdout/stderr, the host's log).
 */
export function routeConsole(): void {
  const original = { ...console } as unknown as Record<string, (...args: unknown[]) => void>;
  const target = console as unknown as Record<string, (...args: unknown[]) => void>;
  for (const method of CONSOLE_METHODS) {
    target[method] = (...args: unknown[]) => {
      const execution = current.getStore();
      const sink = (execution?.console ?? original) as unknown as Record<string, (...a: unknown[]) => void>;
      sink[method]!.apply(execution?.console ?? console, args);
    };
  }
}
