/**
 * `runs/<name>/`, the contract between trainer, kernel, extension and CLI: config.json,
 * events.jsonl (appended, fsync'd on request), checkpoints/ and eval/<split>.json. Every name is
 * checked (names.ts) and symbolic links are followed and checked (confine.node.ts), so nothing
 * is read or written outside the run's folder.
 */
import { type FileHandle, mkdir, open, readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { confine } from '../confine.node.js';
import { MmnerError } from '../errors.js';
import { removeStaleTemps, writeJsonAtomic } from './atomicWrite.node.js';
import { formatEvent, type ReadEventsResult, readEvents, type TrainEvent } from './events.js';
import { decodeInspect, type InspectData } from './inspect.js';
import { InspectSpill } from './inspectSpill.node.js';
import { checkSafeName } from './names.js';

export const RUN_FILES = Object.freeze({
  config: 'config.json',
  events: 'events.jsonl',
  checkpoints: 'checkpoints',
  eval: 'eval',
});

export interface OpenRunOptions {
  /** Create the folders if missing (default true); false: a missing run is an error. */
  create?: boolean;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readText(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MmnerError('E_RUN_JSON', `not valid JSON (${(e as Error).message})`, {
      file: path,
      hint: 'run files are written atomically by mmner; was it edited by hand?',
    });
  }
}

export class RunDir {
  /** Absolute path of `runs/<name>`. */
  readonly path: string;
  private events?: FileHandle;
  /** Appends run one after another, in call order. */
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly root: string,
    readonly name: string,
  ) {
    this.path = join(resolve(root), name);
  }

  /**
   * Opens (and by default creates) `<root>/<name>`; clears temp files a killed writer left.
   * @example const run = await RunDir.open('runs', 'tiny-demo') // run.path → /…/runs/tiny-demo
   */
  static async open(root: string, name: string, options: OpenRunOptions = {}): Promise<RunDir> {
    const run = new RunDir(root, checkSafeName(name, 'run name'));
    // Before anything is read or created, so a link cannot send either elsewhere.
    await run.checkLinks(root);
    if (options.create === false) {
      if ((await readText(run.file(RUN_FILES.config))) === undefined) {
        throw new MmnerError('E_RUN_NOT_FOUND', `no run "${name}" (no ${RUN_FILES.config})`, {
          file: run.path,
          hint: `check the path, or start a run with \`mmner train --out ${join(root, name)}\``,
        });
      }
    } else {
      await mkdir(run.checkpointsDir, { recursive: true });
      await mkdir(join(run.path, RUN_FILES.eval), { recursive: true });
    }
    await removeStaleTemps(run.path);
    await removeStaleTemps(run.checkpointsDir);
    return run;
  }

  /**
   * The run folder must lie in its parent folder, and everything in it (eval/, checkpoints/ and
   * their files) in the run folder, after symlinks: a shared or downloaded run folder must not
   * make mmner read or append to files elsewhere. Links that stay inside are fine.
   */
  private async checkLinks(root: string): Promise<void> {
    await confine(root, this.path, { what: 'run folder', folder: 'the runs folder' });
    for (const dir of [this.path, join(this.path, RUN_FILES.eval), this.checkpointsDir]) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (e.isSymbolicLink()) await this.inside(join(dir, e.name));
      }
    }
  }

  /** `path` when it stays inside the run folder after symlinks, else E_PATH_OUTSIDE. */
  private inside(path: string): Promise<string> {
    return confine(this.path, path, { what: 'run file', folder: 'the run folder' });
  }

  get checkpointsDir(): string {
    return join(this.path, RUN_FILES.checkpoints);
  }

  /** A path inside the run folder from checked segments, e.g. `file('eval', 'dev.json')`. */
  file(...segments: string[]): string {
    return join(this.path, ...segments.map((s) => checkSafeName(s, 'file name')));
  }

  /** `path` relative to the run folder with `/` separators (as events record it). */
  relative(path: string): string {
    const abs = resolve(path);
    if (!abs.startsWith(this.path + '/') && !abs.startsWith(this.path + '\\')) {
      throw new Error(`RunDir.relative: ${path} is outside ${this.path}`);
    }
    return abs.slice(this.path.length + 1).replaceAll('\\', '/');
  }

  /** A file to write: its folder must stay inside (the atomic rename replaces a link at the file itself). */
  private async writable(path: string): Promise<string> {
    await this.inside(dirname(path));
    return path;
  }

  async writeConfig(config: unknown): Promise<void> {
    await writeJsonAtomic(await this.writable(this.file(RUN_FILES.config)), config);
  }

  async readConfig(): Promise<unknown> {
    return readJson(await this.inside(this.file(RUN_FILES.config)));
  }

  async writeEval(split: string, result: unknown): Promise<void> {
    const path = this.file(RUN_FILES.eval, `${checkSafeName(split, 'split')}.json`);
    await writeJsonAtomic(await this.writable(path), result);
  }

  /**
   * The writer of `eval/<split>.inspect.bin`, one batch at a time; committed before writeEval, so a
   * reader never pairs a new report with old views.
   */
  async inspectSpill(
    split: string,
    meta: Pick<InspectData, 'branches' | 'regionGrid'>,
  ): Promise<InspectSpill> {
    const path = this.file(RUN_FILES.eval, `${checkSafeName(split, 'split')}.inspect.bin`);
    return new InspectSpill(await this.writable(path), { split, ...meta });
  }

  /** The inspection views of a split, or undefined when the run has none (text-only models). */
  async readInspect(split: string): Promise<InspectData | undefined> {
    const path = await this.inside(this.file(RUN_FILES.eval, `${checkSafeName(split, 'split')}.inspect.bin`));
    const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    return bytes && decodeInspect(bytes, path);
  }

  async readEval(split: string): Promise<unknown> {
    return readJson(await this.inside(this.file(RUN_FILES.eval, `${checkSafeName(split, 'split')}.json`)));
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const next = this.queue.then(job);
    this.queue = next.catch(() => {});
    return next;
  }

  /** Appends one line to events.jsonl (written, not yet fsync'd: see `syncEvents`). */
  appendEvent(event: TrainEvent): Promise<void> {
    return this.enqueue(async () => {
      // Appending follows a link, so the file is checked before it is opened.
      this.events ??= await open(await this.inside(this.file(RUN_FILES.events)), 'a');
      await this.events.write(formatEvent(event));
    });
  }

  /** fsyncs events.jsonl (the trainer does it at each checkpoint). */
  syncEvents(): Promise<void> {
    return this.enqueue(async () => {
      await this.events?.sync();
    });
  }

  async readEvents(): Promise<ReadEventsResult> {
    await this.queue;
    const file = await this.inside(this.file(RUN_FILES.events));
    const text = await readText(file);
    return text === undefined ? { events: [], torn: false } : readEvents(text, file);
  }

  /** Syncs and closes events.jsonl; the RunDir may append again afterwards (it reopens). */
  close(): Promise<void> {
    return this.enqueue(async () => {
      if (!this.events) return;
      const handle = this.events;
      this.events = undefined;
      await handle.sync();
      await handle.close();
    });
  }
}
