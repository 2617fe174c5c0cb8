/**
 * Multithreaded tfjs-backend-wasm in Node. The package ships a threaded SIMD build (XNNPACK's
 * pthreadpool over Emscripten pthreads = Node worker_threads on one SharedArrayBuffer heap), but
 * 4.22 turns it off under Node (tfjs issue #3830): its loader hands the pthread workers `blob:`
 * URLs, which Node's Worker refuses (ERR_WORKER_PATH), and the worker then evaluates the main
 * script detached from the bundle's module scope. While the backend initialises we
 *   1. record the text of the two Blobs the loader builds, and write them as .cjs files in a
 *      temp folder: the worker script (told to load the main script from that file) and the main
 *      script, behind a prelude defining the bundle-scope names it uses (`require$$0`…);
 *   2. answer `URL.createObjectURL` for the worker Blob with that file's path;
 *   3. report twice the CPUs to Emscripten: the C++ side sizes its pool at
 *      logical cores ÷ 2 (assuming 2 hyper-threads per core), i.e. 1 thread on a 2-vCPU VM.
 * Everything is put back when init returns. XNNPACK splits GEMMs and convolutions by output
 * tiles, so results do not depend on the thread count.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import workerThreads from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';

const MAIN_MARK = 'var WasmBackendModuleThreadedSimd';
/** The worker's branch that loads the main script from a string URL (checked, so a changed tfjs fails loudly). */
const WORKER_LOAD = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}';
/** Bundle-scope names of tf-backend-wasm.node.js 4.22 that the threaded factory's source refers to. */
const PRELUDE =
  "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks'),require$$4=require('os');" +
  'var commonjsGlobal=globalThis;var _scriptDir=undefined;\n';

/**
 * Threads to ask for: `MMNER_WASM_THREADS` (an integer ≥ 1; `auto` = the CPU count, at most 4).
 * Unset means 1, the stock single-threaded build: threads are opt-in because on the tiny model
 * they gain ~15 % and jobs run side by side, one per core (docs/performance.md).
 */
export function wantedWasmThreads(): number {
  const env = process.env.MMNER_WASM_THREADS?.trim();
  if (env === 'auto') return Math.max(1, Math.min(4, os.cpus().length));
  const n = Number(env);
  return env && Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * Runs `init` (which must be what first initialises the wasm backend, i.e. `tf.setBackend('wasm')`)
 * with the threaded build enabled for `threads` threads. Returns init's result; the patches are
 * removed whatever happens. With `threads` ≤ 1 it only runs `init`.
 */
export async function withWasmThreads<T>(
  threads: number,
  setThreadsCount: (n: number) => void,
  init: () => Promise<T>,
): Promise<T> {
  if (threads <= 1) return init();
  const dir = mkdtempSync(join(tmpdir(), 'mmner-wasm-threads-'));
  const mainPath = join(dir, 'main.cjs');
  const workerPath = join(dir, 'worker.cjs');
  const texts = new WeakMap<Blob, string>();
  let workerWritten = false;
  const OrigBlob = globalThis.Blob;
  const origCreate = URL.createObjectURL;
  const origCpus = os.cpus;
  class RecordingBlob extends OrigBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        texts.set(this, text);
        // The main script is posted to the workers as a Blob, never through createObjectURL.
        if (text.startsWith(MAIN_MARK)) writeFileSync(mainPath, `${PRELUDE}${text}\n`);
      }
    }
  }
  const createObjectURL = (obj: Blob | MediaSource): string => {
    const text = obj instanceof OrigBlob ? texts.get(obj) : undefined;
    if (text === undefined || !text.includes(WORKER_LOAD)) return origCreate(obj as Blob);
    // Asked once per pool worker (8): rewriting the file would truncate it under a worker that is
    // still reading it, which then runs an empty script and exits, so the pool never finishes
    // loading and Node ends with the init unsettled (exit 13, seen under load).
    if (!workerWritten) {
      writeFileSync(
        workerPath,
        text.replace(WORKER_LOAD, `if(true){importScripts(${JSON.stringify(mainPath)})}`),
      );
      workerWritten = true;
    }
    return workerPath;
  };
  // The pool workers run plain .cjs files: they must not inherit the parent's flags (`--import tsx`
  // costs startup time; `--input-type`, `--eval` are refused in workers).
  const OrigWorker = workerThreads.Worker;
  class PlainWorker extends OrigWorker {
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      super(filename, { ...options, execArgv: [] });
    }
  }
  (workerThreads as { Worker: typeof OrigWorker }).Worker = PlainWorker;
  globalThis.Blob = RecordingBlob;
  URL.createObjectURL = createObjectURL;
  // Emscripten's num_logical_cores() reads os.cpus().length; the pool is sized at that ÷ 2.
  os.cpus = () => {
    const c = origCpus();
    return Array.from({ length: 2 * threads }, (_, i) => c[i % c.length]!);
  };
  const flag = tf.env().getFlags().WASM_HAS_MULTITHREAD_SUPPORT;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  try {
    const result = await init();
    unrefPoolWorkers();
    return result;
  } finally {
    (workerThreads as { Worker: typeof OrigWorker }).Worker = OrigWorker;
    globalThis.Blob = OrigBlob;
    URL.createObjectURL = origCreate;
    os.cpus = origCpus;
    if (flag === undefined) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
}

/**
 * Emscripten refs a worker while its pthread runs, and XNNPACK's pool threads run for good, so
 * they would keep Node alive after the work is done: unref them (they die with the process).
 */
function unrefPoolWorkers(): void {
  const be = tf.findBackend('wasm') as unknown as {
    wasm?: { PThread?: { runningWorkers?: { unref?: () => void }[] } };
  } | null;
  for (const w of be?.wasm?.PThread?.runningWorkers ?? []) w.unref?.();
}

/** The tfjs-backend-wasm version whose threaded loader this file knows how to start in Node. */
const THREADED_WASM_VERSION = '4.22.0';

/**
 * `tf.setBackend('wasm')`; with `MMNER_WASM_THREADS` > 1 its first initialisation uses the threaded
 * build (`wantedWasmThreads`) and falls back to one thread if that cannot start. `wasmPackage` is the imported
 * tfjs-backend-wasm module.
 */
export async function setWasmBackend(wasmPackage: Record<string, unknown> | undefined): Promise<boolean> {
  const threads = wantedWasmThreads();
  const setThreads = wasmPackage?.setThreadsCount as ((n: number) => void) | undefined;
  // The loader patch is written against 4.22.0's bundle; another version runs single-threaded.
  const known = wasmPackage?.version_wasm === THREADED_WASM_VERSION;
  if (tf.findBackend('wasm') || threads <= 1 || !setThreads || !known) return tf.setBackend('wasm');
  try {
    if (await withWasmThreads(threads, setThreads, () => tf.setBackend('wasm'))) return true;
  } catch {
    // Fall through to the single-threaded build.
  }
  setThreads(1);
  return tf.setBackend('wasm');
}
