/**
 * The checkpoint format: one safetensors file holding the variables (`param/<name>`), AdamW's
 * moments (`adam.m/<name>`, `adam.v/<name>`), the weight average when the run keeps one (`avg/<name>`,
 * weightAverage.ts) and, in `__metadata__`, the step, data order, loop
 * state and a sha256 of the whole file (digest field zeroed while hashing). In memory only; files
 * are in checkpoint.node.ts. Restore checks every shape and lists all mismatches at once.
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../core/errors.js';
import { safetensorsFromBytes } from '../model/weights/safetensors.js';
import { encodeSafetensors, type TensorToWrite } from '../model/weights/write.js';
import type { AdamW, AdamWState, ArrayState } from './optimizer.js';
import { sameShape } from './optimizer.js';
import type { SamplerState } from './sampler.js';

export const CHECKPOINT_FORMAT = 1;
const STATE_KEY = 'mmner.checkpoint';
const DIGEST_KEY = 'mmner.sha256';
const ZERO_DIGEST = '0'.repeat(64);

/** What the training loop needs to continue exactly where it stopped. */
export interface LoopState {
  bestF1?: number;
  bestStep?: number;
  /** Evaluations since the best one (early-stopping counter). */
  evalsSinceBest: number;
  /** Step of the last evaluation (so a resume does not evaluate twice). */
  lastEvalStep?: number;
}

/** The JSON part of a checkpoint. */
export interface CheckpointState {
  format: number;
  /** Optimizer steps done. */
  step: number;
  sampler: SamplerState;
  loop: LoopState;
  /** Caller data (the model config, dropout seed…), JSON only. */
  extra?: Record<string, unknown>;
}

export interface Checkpoint {
  state: CheckpointState;
  variables: Map<string, ArrayState>;
  optimizer: AdamWState;
  /** The averaged weights (weightAverage.ts), when the run keeps an average. */
  average?: Map<string, ArrayState>;
}

/** Reads variables, optimizer and sampler into a plain Checkpoint (awaits downloads). */
export async function captureCheckpoint(parts: {
  variables: ReadonlyMap<string, tf.Variable>;
  optimizer: AdamW;
  step: number;
  sampler: SamplerState;
  loop: LoopState;
  extra?: Record<string, unknown>;
  average?: Map<string, ArrayState>;
}): Promise<Checkpoint> {
  const variables = new Map<string, ArrayState>();
  for (const [name, v] of parts.variables) {
    // Frozen pretrained weights (e.g. ResNet-152, 232 MB) come from their model folder again.
    if (!v.trainable) continue;
    if (v.dtype !== 'float32')
      throw new Error(`captureCheckpoint: variable "${name}" is ${v.dtype}, not float32`);
    variables.set(name, { shape: v.shape.slice(), data: (await v.data()) as Float32Array });
  }
  const state: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    step: parts.step,
    sampler: { ...parts.sampler },
    loop: { ...parts.loop },
  };
  if (parts.extra) state.extra = parts.extra;
  const ckpt: Checkpoint = { state, variables, optimizer: await parts.optimizer.exportState() };
  if (parts.average) ckpt.average = parts.average;
  return ckpt;
}

function toHex(digest: ArrayBuffer): string {
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return toHex(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** Where the 64 hex digits of the digest sit in the file (inside the header), or -1. */
function digestOffset(bytes: Uint8Array, headerEnd: number): number {
  const key = new TextEncoder().encode(`"${DIGEST_KEY}":"`);
  const end = Math.min(headerEnd, bytes.length) - key.length - 64;
  outer: for (let i = 8; i <= end; i++) {
    for (let k = 0; k < key.length; k++) if (bytes[i + k] !== key[k]) continue outer;
    return i + key.length;
  }
  return -1;
}

/** The checkpoint as safetensors bytes, digest filled in. */
export async function encodeCheckpoint(ckpt: Checkpoint): Promise<Uint8Array> {
  const tensors: TensorToWrite[] = [];
  const add = (prefix: string, map: ReadonlyMap<string, ArrayState>) => {
    for (const [name, a] of map)
      tensors.push({ name: `${prefix}/${name}`, dtype: 'F32', shape: a.shape, data: a.data });
  };
  add('param', ckpt.variables);
  add('adam.m', ckpt.optimizer.m);
  add('adam.v', ckpt.optimizer.v);
  if (ckpt.average) add('avg', ckpt.average);
  const state = { ...ckpt.state, optimizerSteps: ckpt.optimizer.steps };
  const bytes = encodeSafetensors(tensors, { [STATE_KEY]: JSON.stringify(state), [DIGEST_KEY]: ZERO_DIGEST });
  const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const at = digestOffset(bytes, headerEnd);
  if (at < 0) throw new Error('encodeCheckpoint: digest field not found in the header');
  const digest = await sha256(bytes);
  bytes.set(new TextEncoder().encode(digest), at);
  return bytes;
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/**
 * What is wrong with the state's fields, if anything: resuming reads each of them (the step,
 * the data order, the early-stopping counters), so a wrong type must stop here, not mid-resume.
 */
function stateProblem(s: Record<string, unknown>): string | undefined {
  if (!isCount(s.step)) return '"step" is not a step count';
  const { sampler, loop, extra, optimizerSteps } = s;
  if (
    !isRecord(sampler) ||
    typeof sampler.seed !== 'string' ||
    !isCount(sampler.epoch) ||
    !isCount(sampler.position)
  )
    return '"sampler" is not { seed, epoch, position }';
  if (
    !isRecord(loop) ||
    !isCount(loop.evalsSinceBest) ||
    !(loop.bestF1 === undefined || typeof loop.bestF1 === 'number') ||
    !(loop.bestStep === undefined || isCount(loop.bestStep)) ||
    !(loop.lastEvalStep === undefined || isCount(loop.lastEvalStep))
  )
    return '"loop" is not { evalsSinceBest, bestF1?, bestStep?, lastEvalStep? }';
  if (extra !== undefined && !isRecord(extra)) return '"extra" is not an object';
  if (
    optimizerSteps !== undefined &&
    !(isRecord(optimizerSteps) && Object.values(optimizerSteps).every(isCount))
  )
    return '"optimizerSteps" is not a map of step counts';
  return undefined;
}

function corrupt(file: string, why: string): MmnerError {
  return new MmnerError('E_CHECKPOINT_CORRUPT', `checkpoint is damaged: ${why}`, {
    file,
    hint: 'an earlier checkpoint in the same folder can be used instead (latestValidCheckpoint does this)',
  });
}

/**
 * Verifies the digest and decodes. A truncated, edited or foreign file throws `E_CHECKPOINT_CORRUPT`.
 * `bytes` is modified while hashing and restored before returning.
 */
export async function decodeCheckpoint(bytes: Uint8Array, file: string): Promise<Checkpoint> {
  let source: ReturnType<typeof safetensorsFromBytes>;
  try {
    source = safetensorsFromBytes(bytes, file);
  } catch (e) {
    throw corrupt(file, (e as Error).message.split('\n')[0] ?? 'unreadable');
  }
  const { metadata, dataStart } = source.header;
  const digest = metadata[DIGEST_KEY];
  const stateText = metadata[STATE_KEY];
  if (!digest || !stateText) throw corrupt(file, 'not an mmner checkpoint (no checkpoint metadata)');
  const at = digestOffset(bytes, dataStart);
  if (at < 0) throw corrupt(file, 'digest field not found');
  const saved = bytes.slice(at, at + 64);
  bytes.set(new TextEncoder().encode(ZERO_DIGEST), at);
  let actual: string;
  try {
    actual = await sha256(bytes);
  } finally {
    bytes.set(saved, at);
  }
  if (actual !== digest)
    throw corrupt(file, `sha256 mismatch (stored ${digest.slice(0, 12)}…, actual ${actual.slice(0, 12)}…)`);

  let parsed: CheckpointState & { optimizerSteps?: Record<string, number> };
  try {
    parsed = JSON.parse(stateText);
  } catch {
    throw corrupt(file, 'checkpoint metadata is not JSON');
  }
  if (!isRecord(parsed)) throw corrupt(file, 'checkpoint metadata is not a JSON object');
  if (typeof parsed.format !== 'number') throw corrupt(file, 'checkpoint metadata: "format" is not a number');
  if (parsed.format !== CHECKPOINT_FORMAT) {
    throw new MmnerError(
      'E_CHECKPOINT_FORMAT',
      `checkpoint format ${parsed.format}, this mmner reads ${CHECKPOINT_FORMAT}`,
      {
        file,
        hint: 'resume with the mmner version that wrote it',
      },
    );
  }
  const wrong = stateProblem(parsed);
  if (wrong) throw corrupt(file, `checkpoint metadata: ${wrong}`);
  const { optimizerSteps = {}, ...state } = parsed;
  const ckpt: Checkpoint = {
    state,
    variables: new Map(),
    optimizer: { steps: optimizerSteps, m: new Map(), v: new Map() },
  };
  const targets: Record<string, Map<string, ArrayState>> = {
    param: ckpt.variables,
    'adam.m': ckpt.optimizer.m,
    'adam.v': ckpt.optimizer.v,
    avg: new Map(),
  };
  for (const name of source.names()) {
    const slash = name.indexOf('/');
    // hasOwn: a tensor named `constructor/x` must not find Object.prototype's member.
    const prefix = name.slice(0, slash);
    const target = Object.hasOwn(targets, prefix) ? targets[prefix] : undefined;
    if (slash < 0 || !target) throw corrupt(file, `unexpected tensor "${name}"`);
    const t = await source.readTensor(name);
    if (!(t.data instanceof Float32Array)) throw corrupt(file, `tensor "${name}" is not float32`);
    target.set(name.slice(slash + 1), { shape: t.shape, data: t.data });
  }
  if (targets.avg!.size > 0) ckpt.average = targets.avg!;
  return ckpt;
}

/**
 * Puts a checkpoint's values into the model's variables and the optimizer. Without an optimizer
 * (evaluation, prediction, export) the averaged weights are used where the run kept them; with
 * one (resuming) the live weights, and the loop restores the average itself. Every trainable
 * variable must be present with its shape (frozen ones may be absent: they keep the pretrained
 * weights the model was built with); all mismatches are listed in one `E_CHECKPOINT_MISMATCH`.
 */
export function restoreCheckpoint(
  ckpt: Checkpoint,
  variables: ReadonlyMap<string, tf.Variable>,
  optimizer?: AdamW,
  file = 'checkpoint',
): void {
  const problems: string[] = [];
  for (const [name, v] of variables) {
    const saved = ckpt.variables.get(name);
    if (!saved) {
      if (v.trainable) problems.push(`missing in checkpoint: "${name}" [${v.shape}]`);
    } else if (!sameShape(saved.shape, v.shape))
      problems.push(`"${name}": checkpoint [${saved.shape}], model [${v.shape}]`);
  }
  for (const [name, saved] of ckpt.variables) {
    if (!variables.has(name)) problems.push(`not in the model: "${name}" [${saved.shape}]`);
  }
  for (const [name, saved] of ckpt.average ?? []) {
    const v = variables.get(name);
    if (!v || !sameShape(saved.shape, v.shape))
      problems.push(`averaged "${name}" [${saved.shape}] does not match the model's variable`);
  }
  if (problems.length > 0) {
    throw new MmnerError(
      'E_CHECKPOINT_MISMATCH',
      `the checkpoint does not fit the model (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`,
      { file, hint: 'build the model from the config the run was started with (runs/<name>/config.json)' },
    );
  }
  optimizer?.importState(ckpt.optimizer, variables);
  const averaged = optimizer ? undefined : ckpt.average;
  for (const [name, v] of variables) {
    const saved = averaged?.get(name) ?? ckpt.variables.get(name);
    if (!saved) continue;
    // Float32Array → tensor → assign: bit-exact; `assign` takes ownership, so dispose the source.
    const t = tf.tensor(saved.data, saved.shape, 'float32');
    v.assign(t);
    t.dispose();
  }
}
