/**
 * TensorFlow.js compute backends: one frozen table (package, loader, note), `initBackend` which
 * loads and selects one (`auto` = the fastest that works here, and says why), and
 * `availableBackends` for `--backend` help. Optional packages are imported only on demand.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../core/errors.js';
import { tuneGcForHostOps } from './gcTuning.node.js';
import { registerWasmKernels } from './kernels/index.js';
import { setWasmBackend } from './kernels/threads.node.js';
import { registerWebgpuKernels } from './kernels/webgpu.js';

export type BackendName = 'wasm' | 'webgpu' | 'tensorflow' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = Object.freeze(['wasm', 'webgpu', 'tensorflow', 'cpu']);

export interface BackendSpec {
  /** npm packages that provide it, in order of preference (any one suffices unless `all`). */
  readonly packages: readonly string[];
  /** What to run when it is missing. */
  readonly install: string;
  readonly note: string;
  /** Imports the packages and registers the tfjs backend (does not select it). */
  readonly load: () => Promise<void>;
}

/** What `initBackend` selected, and why (one line, for the CLI and the progress log). */
export interface BackendChoice {
  name: BackendName;
  note: string;
}

export interface BackendStatus {
  name: BackendName;
  installed: boolean;
  note: string;
  /** How to install it, when it is not. */
  hint?: string;
}

/** Thrown by a loader when a package resolves but cannot be used here. */
class Unavailable extends Error {}

/** Optional packages that a bundle carries, by name (see `provideOptionalPackage`). */
const bundled = new Map<string, () => Promise<unknown>>();

/**
 * For bundles (scripts/gpu-pack.mjs): hands over a literal `import(pkg)` that the bundler can
 * follow, run only when a backend asks for the package. Importing tfjs-backend-webgpu up front
 * would not do: it registers the backend only if `navigator.gpu` exists when it loads.
 */
export function provideOptionalPackage(pkg: string, load: () => Promise<unknown>): void {
  bundled.set(pkg, load);
}

/** `import(pkg)` through a variable, so bundlers and tsc leave optional packages alone. */
async function importOptional(pkg: string): Promise<Record<string, unknown>> {
  const load = bundled.get(pkg);
  return (await (load ? load() : import(pkg))) as Record<string, unknown>;
}

function isMissing(e: unknown, pkg: string): boolean {
  const err = e as { code?: string; message?: string };
  return (
    (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') &&
    typeof err.message === 'string' &&
    // Quoted, as Node writes it: 'webgpu' must not match '@tensorflow/tfjs-backend-webgpu'.
    err.message.includes(`'${pkg}'`)
  );
}

/** Is `pkg` resolvable from here (without loading it)? */
function installed(pkg: string): boolean {
  try {
    import.meta.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

async function loadTensorflow(): Promise<void> {
  let lastMissing: unknown;
  for (const pkg of BACKENDS.tensorflow.packages) {
    try {
      await importOptional(pkg);
      // tfjs-node registers into *its* @tensorflow/tfjs-core: a second copy means we cannot see it.
      if (!tf.findBackendFactory('tensorflow')) {
        throw new Unavailable(`${pkg} loaded but registered with another copy of @tensorflow/tfjs-core`);
      }
      return;
    } catch (e) {
      if (!isMissing(e, pkg)) throw e;
      lastMissing = e;
    }
  }
  throw lastMissing;
}

/**
 * `MMNER_WEBGPU_SOFTWARE=1`: run the webgpu backend on the CPU, through Dawn's OpenGL ES backend on
 * Mesa's llvmpipe (headless EGL). Far slower than wasm; it exists so that the webgpu code path
 * (tfjs-backend-webgpu's kernels, mmner's async reads) can be tested on a machine without a GPU.
 */
export function webgpuSoftware(): boolean {
  return process.env.MMNER_WEBGPU_SOFTWARE === '1';
}

async function loadWebgpu(): Promise<void> {
  const dawn = await importOptional('webgpu');
  const create = dawn.create as
    | ((flags: string[]) => { requestAdapter(options?: object): Promise<unknown> })
    | undefined;
  if (typeof create !== 'function') throw new Unavailable('the `webgpu` package has no create()');
  Object.assign(globalThis, dawn.globals as object);
  const software = webgpuSoftware();
  // Mesa's llvmpipe through Dawn's OpenGL ES backend, headless: EGL reads this when Dawn opens it.
  if (software) process.env.EGL_PLATFORM ??= 'surfaceless';
  const gpu = create(software ? ['backend=opengles'] : []);
  if (software) {
    // Dawn offers its GL backends only at WebGPU's "compatibility" feature level; tfjs asks for
    // the default (core) level, so the request is widened here.
    const request = gpu.requestAdapter.bind(gpu) as (o?: object) => Promise<unknown>;
    (gpu as { requestAdapter: (o?: object) => Promise<unknown> }).requestAdapter = (o?: object) =>
      request({ ...o, featureLevel: 'compatibility' });
  }
  // Node ≥ 21 has a read-only global `navigator`; Node 20 has none.
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  }
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Unavailable(
      software
        ? 'no software WebGPU adapter (MMNER_WEBGPU_SOFTWARE=1 needs Mesa: apt-get install libegl-mesa0 libgles2)'
        : 'no WebGPU adapter (no GPU, or the Vulkan loader libvulkan1 / the GPU driver ICD is missing)',
    );
  }
  // It registers itself on import, and only when navigator.gpu exists (set just above).
  if (!tf.findBackendFactory('webgpu')) await importOptional('@tensorflow/tfjs-backend-webgpu');
}

export const BACKENDS: Readonly<Record<BackendName, BackendSpec>> = Object.freeze({
  wasm: Object.freeze({
    packages: Object.freeze(['@tensorflow/tfjs-backend-wasm']),
    install: 'npm install @tensorflow/tfjs-backend-wasm@4.22.0',
    note: 'CPU, WebAssembly SIMD (threads: MMNER_WASM_THREADS); with mmner kernels for training (default)',
    load: async () => {
      wasmPackage = await importOptional('@tensorflow/tfjs-backend-wasm');
    },
  }),
  webgpu: Object.freeze({
    packages: Object.freeze(['webgpu', '@tensorflow/tfjs-backend-webgpu']),
    install:
      'npm install webgpu @tensorflow/tfjs-backend-webgpu@4.22.0 (Linux also needs the Vulkan loader: apt-get install libvulkan1, and the GPU driver)',
    note: 'GPU through Dawn (npm `webgpu`); ~10 TFLOP/s fp32 matmul seen on an H100',
    load: loadWebgpu,
  }),
  tensorflow: Object.freeze({
    packages: Object.freeze(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']),
    install:
      'npm install @tensorflow/tfjs-node@4.22.0 (CPU) or @tensorflow/tfjs-node-gpu@4.22.0 (CUDA); its install step downloads libtensorflow',
    note: 'native libtensorflow (CPU or CUDA), multithreaded',
    load: loadTensorflow,
  }),
  cpu: Object.freeze({
    packages: Object.freeze(['@tensorflow/tfjs']),
    install: 'npm install @tensorflow/tfjs@4.22.0',
    note: 'pure JavaScript, for tests and as a fallback only (1000× slower than wasm for training)',
    load: async () => {},
  }),
});

/** The loaded tfjs-backend-wasm module (threads.node.ts calls its `setThreadsCount`). */
let wasmPackage: Record<string, unknown> | undefined;

/** The cpu backend prints an "install the node backend" banner on first use; we choose cpu knowingly. */
function quietCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

async function select(name: BackendName): Promise<void> {
  const spec = BACKENDS[name];
  try {
    await spec.load();
  } catch (e) {
    const missing = spec.packages.find((p) => isMissing(e, p));
    if (missing) {
      // tensorflow: any one of its packages will do, so name them all.
      const needs = name === 'tensorflow' ? spec.packages.join(' or ') : missing;
      throw new MmnerError('E_BACKEND_MISSING', `backend '${name}' needs ${needs}, which is not installed`, {
        hint: spec.install,
        cause: e,
      });
    }
    const why = e instanceof Error ? e.message : String(e);
    throw new MmnerError('E_BACKEND_UNAVAILABLE', `backend '${name}' cannot run here: ${why}`, {
      hint: name === 'webgpu' ? spec.install : `try --backend wasm; to repair '${name}': ${spec.install}`,
      cause: e,
    });
  }
  if (name === 'wasm') registerWasmKernels();
  if (name === 'webgpu') registerWebgpuKernels();
  if (name === 'wasm' || name === 'cpu') tuneGcForHostOps();
  const ok = name === 'wasm' ? await setWasmBackend(wasmPackage) : await tf.setBackend(name);
  if (!ok) {
    throw new MmnerError('E_BACKEND_UNAVAILABLE', `backend '${name}' failed to initialise`, {
      hint: 'try --backend wasm',
    });
  }
  await tf.ready();
  if (name === 'cpu') quietCpuBanner();
  if (name === 'webgpu') watchGpuErrors();
}

/** The first error the WebGPU device reported (validation, out of memory, internal), if any. */
let gpuError: string | undefined;
/** Devices with our listener (selecting webgpu again must not add another). */
const watchedDevices = new WeakSet<EventTarget>();

/**
 * WebGPU reports a kernel that failed (an invalid pipeline, an allocation that did not fit) only
 * as an `uncapturederror` event, and leaves that kernel's output unwritten: training would go on
 * with wrong numbers. Record the first one, for `checkBackendErrors`.
 */
function watchGpuErrors(): void {
  const device = (tf.backend() as { device?: EventTarget }).device;
  if (!device || watchedDevices.has(device)) return;
  watchedDevices.add(device);
  device.addEventListener('uncapturederror', (e) => {
    gpuError ??= String((e as { error?: { message?: string } }).error?.message ?? 'unknown error');
  });
}

/** Throws if the GPU device reported an error since the backend was selected (see `watchGpuErrors`). */
export function checkBackendErrors(): void {
  if (gpuError === undefined) return;
  throw new MmnerError('E_BACKEND_GPU', `the WebGPU device reported an error: ${gpuError.split('\n')[0]}`, {
    hint: 'the numbers after it are not trustworthy; please report it with the command you ran (--backend wasm trains on the CPU)',
  });
}

/**
 * Loads and selects a backend. `auto` tries tensorflow, then webgpu (only with a GPU adapter),
 * then wasm, and its note says why the earlier ones were skipped.
 */
export async function initBackend(name: BackendName | 'auto'): Promise<BackendChoice> {
  if (name !== 'auto') {
    if (!BACKEND_NAMES.includes(name)) {
      throw new MmnerError('E_BACKEND_UNKNOWN', `unknown backend '${String(name)}'`, {
        hint: `use one of: auto, ${BACKEND_NAMES.join(', ')}`,
      });
    }
    await select(name);
    return { name, note: BACKENDS[name].note };
  }
  const skipped: string[] = [];
  for (const candidate of ['tensorflow', 'webgpu'] as const) {
    if (candidate === 'webgpu' && webgpuSoftware()) {
      skipped.push('webgpu on the software adapter (MMNER_WEBGPU_SOFTWARE=1) is slower than wasm');
      continue;
    }
    try {
      await select(candidate);
      return { name: candidate, note: `auto: ${BACKENDS[candidate].note}` };
    } catch (e) {
      if (!(e instanceof MmnerError)) throw e;
      skipped.push(e.code === 'E_BACKEND_MISSING' ? `${candidate} not installed` : e.detail);
    }
  }
  await select('wasm');
  return { name: 'wasm', note: `auto: ${skipped.join('; ')}; using wasm (${BACKENDS.wasm.note})` };
}

/** Every backend, whether its packages are installed (resolvable; not loaded), and how to get it. */
export function availableBackends(): BackendStatus[] {
  return BACKEND_NAMES.map((name) => {
    const spec = BACKENDS[name];
    const ok =
      name === 'tensorflow' ? spec.packages.some(installed) : spec.packages.every((p) => installed(p));
    return ok
      ? { name, installed: true, note: spec.note }
      : { name, installed: false, note: spec.note, hint: spec.install };
  });
}
