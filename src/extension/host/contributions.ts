/**
 * The names the extension host shares with package.json's `contributes`: command ids and titles,
 * setting keys and choices, the controller's ids. One table, so a test can check that every
 * registered command is contributed and vice versa. No `vscode` import.
 */

/** Command id → palette title (shown as `mmner: <title>`). */
export const COMMANDS = Object.freeze({
  'mmner.generateSampleData': 'Generate Sample Data…',
  'mmner.train': 'Train…',
  'mmner.evaluate': 'Evaluate…',
  'mmner.openReport': 'Open Report…',
  'mmner.inspectErrors': 'Inspect Errors…',
  'mmner.showAlignment': 'Show Alignment…',
  'mmner.selectBackend': 'Select Backend…',
  'mmner.restartKernel': 'Restart Kernel',
} as const);
export type CommandId = keyof typeof COMMANDS;
export const COMMAND_IDS = Object.freeze(Object.keys(COMMANDS) as CommandId[]);

export const COMMAND_CATEGORY = 'mmner';

/** The notebook controller. */
export const CONTROLLER = Object.freeze({
  id: 'mmner-kernel',
  label: 'mmner',
  notebookType: 'jupyter-notebook',
  languages: Object.freeze(['javascript', 'typescript'] as const),
});

/** `mmner.backend`: the TensorFlow.js backend of jobs and kernels (train/backends.ts's names + auto). */
export const BACKEND_CHOICES = Object.freeze(['wasm', 'cpu', 'webgpu', 'tensorflow', 'auto'] as const);
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export const BACKEND_DESCRIPTIONS: Readonly<Record<BackendChoice, string>> = Object.freeze({
  wasm: 'CPU, WebAssembly with SIMD and threads (default)',
  cpu: 'CPU, plain JavaScript: slow; tests and fallback',
  webgpu: 'GPU through WebGPU (Dawn; needs Vulkan on Linux)',
  tensorflow: 'libtensorflow through @tensorflow/tfjs-node(-gpu), if installed',
  auto: 'the fastest backend that works here',
});

/** Setting keys under the `mmner` section, and their defaults. */
export const SETTINGS = Object.freeze({
  backend: { key: 'backend', default: 'wasm' as BackendChoice },
  runsFolder: { key: 'runsFolder', default: 'runs' },
  dataFolder: { key: 'dataFolder', default: 'data' },
  defaultPreset: { key: 'defaultPreset', default: 'tiny' as 'tiny' | 'paper' },
  nodePath: { key: 'nodePath', default: '' },
});
export const SETTINGS_SECTION = 'mmner';

/** The environment variable that tells the kernel process which backend to use. */
export const KERNEL_BACKEND_ENV = 'MMNER_BACKEND';

export function isBackendChoice(v: unknown): v is BackendChoice {
  return typeof v === 'string' && (BACKEND_CHOICES as readonly string[]).includes(v);
}

/** The kernelspec name an .ipynb saved with mmner carries (`metadata.kernelspec.name`). */
export const KERNELSPEC_NAME = 'mmner';

/**
 * Whether a notebook's metadata names the mmner kernel. The built-in ipynb serializer has kept
 * the .ipynb metadata at the top, under `metadata`, or under `custom.metadata` across versions.
 */
export function declaresMmnerKernel(metadata: unknown): boolean {
  const at = (o: unknown, key: string): unknown =>
    typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
  const places = [metadata, at(metadata, 'metadata'), at(at(metadata, 'custom'), 'metadata')];
  return places.some((m) => at(at(m, 'kernelspec'), 'name') === KERNELSPEC_NAME);
}
