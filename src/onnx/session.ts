/**
 * onnxruntime-node sessions with a chosen execution provider. `auto` tries CUDA, then WebGPU,
 * then the CPU, and says what ran and why the others did not (CUDA's libraries are fetched by
 * onnxruntime-node's install step and are absent after an offline install; WebGPU needs a GPU
 * adapter through Vulkan/Metal/D3D12). A provider named explicitly must work or it is an error.
 */
import { stat } from 'node:fs/promises';
import { MmnerError } from '../core/errors.js';

export type OnnxProvider = 'cpu' | 'webgpu' | 'cuda';
export type OnnxProviderChoice = OnnxProvider | 'auto';
export const ONNX_PROVIDERS: readonly OnnxProviderChoice[] = Object.freeze(['auto', 'cuda', 'webgpu', 'cpu']);
const AUTO_ORDER: readonly OnnxProvider[] = ['cuda', 'webgpu', 'cpu'];

type Ort = typeof import('onnxruntime-node');
export type OrtSession = import('onnxruntime-node').InferenceSession;
let ortModule: Promise<Ort> | undefined;

/** onnxruntime-node, loaded on first use (the extension host and most commands never need it). */
export function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').then(
    (m) => {
      const ort = ((m as { default?: Ort }).default ?? m) as Ort;
      // onnxruntime logs a failed provider probe as an error on stderr; our note says it once.
      // Its log level is fixed when the first session is made. MMNER_ORT_VERBOSE=1 keeps the logs.
      if (!process.env.MMNER_ORT_VERBOSE) ort.env.logLevel = 'fatal';
      return ort;
    },
    (e: Error) => {
      ortModule = undefined;
      throw new MmnerError('E_ONNX_RUNTIME', `cannot load onnxruntime-node: ${e.message.split('\n')[0]}`, {
        hint: 'reinstall dependencies with npm install (onnxruntime-node ships CPU binaries for Linux, macOS and Windows)',
      });
    },
  );
  return ortModule;
}

export interface OpenedSession {
  session: OrtSession;
  /** The provider the session was created with. */
  provider: OnnxProvider;
  /** One line per provider tried: what ran, and why the others did not. */
  notes: string[];
}

export interface SessionOptions {
  provider?: OnnxProviderChoice;
  /** Where the notes go (default: stderr). Pass `() => {}` to keep quiet. */
  log?: (line: string) => void;
  /** Intra-op threads on the CPU provider (default: onnxruntime's choice). */
  threads?: number;
}

/** The first line of an onnxruntime error, without its source-file prefix. */
function reason(e: unknown): string {
  const line = ((e as Error).message ?? String(e)).split('\n')[0] ?? '';
  return line
    .replace(/^\/onnxruntime_src\/\S+\s+/, '')
    .replace(/^.*?(Failed to)/, '$1')
    .slice(0, 200);
}

/**
 * Opens `modelPath` on `provider` (default `auto`). With `auto`, a provider that fails is noted
 * and the next is tried; the CPU provider always exists. A named provider that fails, and a file
 * that is not a valid model, are MmnerErrors naming the file.
 */
export async function openSession(modelPath: string, options: SessionOptions = {}): Promise<OpenedSession> {
  const ort = await loadOrt();
  const choice = options.provider ?? 'auto';
  if (!ONNX_PROVIDERS.includes(choice)) {
    throw new MmnerError('E_CONFIG', `unknown ONNX execution provider ${JSON.stringify(choice)}`, {
      hint: `use one of ${ONNX_PROVIDERS.join(', ')}`,
    });
  }
  const isFile = await stat(modelPath).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) {
    throw new MmnerError('E_FILE_NOT_FOUND', 'no such ONNX file', {
      file: modelPath,
      hint: 'export the model with optimum (`optimum-cli export onnx --model <id> <folder>`) and point mmner at its model.onnx',
    });
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const order = choice === 'auto' ? AUTO_ORDER : [choice];
  const bundled = new Map(ort.listSupportedBackends().map((b) => [b.name, b.bundled]));
  const notes: string[] = [];
  for (const provider of order) {
    try {
      const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: [provider],
        // Fatal only while probing: a failed provider is reported once, in our note, not as a log spew.
        logSeverityLevel: choice === 'auto' && provider !== 'cpu' ? 4 : 3,
        ...(options.threads && provider === 'cpu' ? { intraOpNumThreads: options.threads } : {}),
      });
      notes.push(`onnx: ${modelPath.split(/[\\/]/).slice(-2).join('/')} runs on ${provider}`);
      for (const n of notes) log(n);
      return { session, provider, notes };
    } catch (e) {
      const why = reason(e);
      if (provider === 'cpu' || /protobuf|parse|invalid model|Load model|No graph|ModelProto/i.test(why)) {
        throw new MmnerError('E_ONNX_MODEL', `not a valid ONNX model: ${why}`, {
          file: modelPath,
          hint: 're-export the model (opset ≥ 14) or check that the file was copied completely',
          cause: e,
        });
      }
      const hint =
        provider === 'cuda'
          ? bundled.get('cuda') === false
            ? 'CUDA libraries for onnxruntime-node are not installed (an offline install skips them)'
            : 'CUDA is installed but did not start'
          : 'no WebGPU adapter (Linux needs libvulkan1 and a GPU driver with Vulkan)';
      if (choice !== 'auto') {
        throw new MmnerError('E_ONNX_PROVIDER', `the ${provider} execution provider cannot run: ${why}`, {
          file: modelPath,
          hint: `${hint}; use --onnx-provider auto or cpu`,
          cause: e,
        });
      }
      notes.push(`onnx: ${provider} unavailable (${hint}: ${why})`);
    }
  }
  throw new Error('unreachable: the CPU provider is always tried last');
}
