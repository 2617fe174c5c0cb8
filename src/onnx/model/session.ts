/**
 * A minimal onnxruntime-node session for exported mmner models (onnxruntime loaded on first use
 * by ../session.ts): CPU execution provider, plain
 * typed arrays in and out (nothing ORT-typed escapes), warnings off (the CRF initializers are
 * read by TypeScript, not by the graph, and ORT would warn that no node uses them).
 */
import type * as Ort from 'onnxruntime-node';
import { MmnerError } from '../../core/errors.js';
import { loadOrt } from '../session.js';

export interface OrtTensorInput {
  type: 'int32' | 'float32';
  data: Int32Array | Float32Array;
  dims: number[];
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the graph; every output comes back as float32 values with its dims. */
  run(feeds: Record<string, OrtTensorInput>): Promise<Map<string, { data: Float32Array; dims: number[] }>>;
  release(): Promise<void>;
}

export async function createCpuSession(model: Uint8Array, threads?: number): Promise<OrtSession> {
  const ort = await loadOrt();
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      logSeverityLevel: 3,
      ...(threads ? { intraOpNumThreads: threads } : {}),
    });
  } catch (e) {
    throw new MmnerError('E_ONNX_MODEL', `onnxruntime cannot load the model: ${(e as Error).message}`, {
      hint: 'export it again with this mmner (`mmner export --run runs/NAME --onnx FILE`)',
    });
  }
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const tensors: Record<string, Ort.Tensor> = {};
      for (const [name, f] of Object.entries(feeds)) tensors[name] = new ort.Tensor(f.type, f.data, f.dims);
      const out = await session.run(tensors);
      const result = new Map<string, { data: Float32Array; dims: number[] }>();
      for (const [name, t] of Object.entries(out)) {
        result.set(name, { data: t.data as Float32Array, dims: [...t.dims] });
        t.dispose();
      }
      return result;
    },
    release: () => session.release(),
  };
}
