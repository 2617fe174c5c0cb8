/**
 * A test-side host for the kernel process: spawns it from source with an IPC channel, collects
 * its messages, and runs cells to their `done`. Tests kill every client they start in `after`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type {
  CellLanguage,
  DoneMessage,
  HostMessage,
  KernelMessage,
  ReadyMessage,
} from '../../../src/core/protocol/kernel.js';
import { isKernelMessage } from '../../../src/core/protocol/kernel.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = resolve(ROOT, 'src/extension/kernel/main.ts');
/** tsx by URL: the kernel may run in a folder that has no node_modules (a notebook's). */
const TSX = import.meta.resolve('tsx');

export interface CellRun {
  done: DoneMessage;
  /** Every message of this execution, `done` last. */
  messages: KernelMessage[];
  /** Its stdout and stderr text. */
  stdout: string;
  stderr: string;
}

let ids = 0;

export class KernelClient {
  readonly child: ChildProcess;
  readonly messages: KernelMessage[] = [];
  /** The kernel's own stderr (notes about ignored messages, the library's direct writes). */
  stderr = '';
  readonly ready: Promise<ReadyMessage>;
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(options: { cwd?: string; env?: Record<string, string> } = {}) {
    this.child = spawn(process.execPath, ['--import', TSX, MAIN], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
      this.wake();
    });
    this.child.stdout!.resume();
    this.child.on('message', (m: unknown) => {
      if (isKernelMessage(m)) this.messages.push(m);
      this.wake();
    });
    this.exited = new Promise((done) =>
      this.child.on('exit', (code) => {
        done(code);
        this.wake();
      }),
    );
    this.ready = this.waitFor((m): m is ReadyMessage => m.type === 'ready');
    this.ready.catch(() => {}); // a test that awaits it sees the failure
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the first message (seen or to come) that matches; rejects after `ms`. */
  waitFor<T extends KernelMessage>(match: (m: KernelMessage) => m is T, ms?: number): Promise<T>;
  waitFor(match: (m: KernelMessage) => boolean, ms?: number): Promise<KernelMessage>;
  waitFor(match: (m: KernelMessage) => boolean, ms = 30_000): Promise<KernelMessage> {
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no matching kernel message in ${ms} ms`)), ms);
      const check = () => {
        const found = this.messages.find(match);
        if (found) {
          clearTimeout(timer);
          done(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          clearTimeout(timer);
          fail(
            new Error(`the kernel exited (${this.child.exitCode ?? this.child.signalCode}): ${this.stderr}`),
          );
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Resolves once the kernel's stderr contains `text`. */
  async waitForStderr(text: string, ms = 10_000): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stderr.includes(text)) {
      if (Date.now() > until)
        throw new Error(`kernel stderr never said ${JSON.stringify(text)}: ${this.stderr}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  post(message: HostMessage | Record<string, unknown>): void {
    this.child.send(message);
  }

  /** Sends an execute request; returns its id. */
  submit(code: string, language: CellLanguage = 'javascript', cellName = 'Cell'): string {
    const id = `e${++ids}`;
    this.post({ type: 'execute', id, code, language, cellName });
    return id;
  }

  /** Everything execution `id` sent, once its `done` arrived. */
  async result(id: string, ms = 30_000): Promise<CellRun> {
    const done = await this.waitFor((m): m is DoneMessage => m.type === 'done' && m.id === id, ms);
    const messages = this.messages.filter((m) => 'id' in m && m.id === id);
    const text = (name: string) =>
      messages.flatMap((m) => (m.type === 'stream' && m.name === name ? [m.text] : [])).join('');
    return { done, messages, stdout: text('stdout'), stderr: text('stderr') };
  }

  run(code: string, language: CellLanguage = 'javascript', cellName?: string): Promise<CellRun> {
    return this.result(this.submit(code, language, cellName));
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** The text/plain item of a result or display. */
export function plain(items: { mime: string; data: string }[] | undefined): string | undefined {
  return items?.find((i) => i.mime === 'text/plain')?.data;
}
