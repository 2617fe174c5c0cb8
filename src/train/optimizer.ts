/**
 * AdamW as torch.optim.AdamW computes it (decoupled weight decay, bias correction, eps outside
 * the square root), over named variables in parameter groups (lr multiplier, weight decay, chosen
 * by name pattern). Each variable is updated in its own tf.tidy, so only one variable's
 * temporaries are alive at a time (tf.train.adam's single tidy holds ~12× the parameter bytes).
 */
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../core/errors.js';
import { f32, type WasmBackend } from './kernels/wasmBackend.js';

/**
 * A non-trainable variable that owns `init`'s buffer alone. A variable only adds a reference to
 * the tensor it starts from; left alive, that tensor would keep the initial buffer after the first
 * `assign` (the moments' zeros: 2× the trainable bytes, 830 MB at BERT-base).
 */
export function stateVariable(init: tf.Tensor): tf.Variable {
  const v = tf.variable(init, false);
  init.dispose();
  return v;
}

/** One parameter group: the variables whose name matches `pattern` (first matching group wins). */
export interface ParamGroupConfig {
  name: string;
  /** A regular expression (source text, so it persists in config.json) tested against variable names. */
  pattern: string;
  /** Multiplies the scheduled lr (e.g. 0.4 for pretrained encoders at 2e-5 when the head runs at 5e-5). Default 1. */
  lrScale?: number;
  /** Overrides the optimizer's weight decay (0 for biases and norms). */
  weightDecay?: number;
}

export interface AdamWConfig {
  /** Default 0.9. */
  beta1: number;
  /** Default 0.999. */
  beta2: number;
  /** Added to √v̂ (outside the root, as torch). Default 1e-8. */
  epsilon: number;
  /** Decoupled decay, applied as `θ ← θ·(1 − lr·wd)`. Default 0.01 (torch's default). */
  weightDecay: number;
  /** Checked in order; variables matching none form the group `default` (lrScale 1, `weightDecay`). */
  groups: ParamGroupConfig[];
}

/** Biases, LayerNorm gains/offsets (`gamma`, `beta`, HF `LayerNorm.weight`): no weight decay. */
export const NO_DECAY_PATTERN = '(^|\\.)(bias|beta|gamma)$|(^|\\.)([Ll]ayer_?[Nn]orm|ln|norm)[^.]*\\.';

export const DEFAULT_ADAMW_CONFIG: Readonly<AdamWConfig> = Object.freeze({
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0.01,
  groups: [{ name: 'noDecay', pattern: NO_DECAY_PATTERN, weightDecay: 0 }],
});

/** Merges `partial` over the defaults and validates ranges (an MmnerError naming the field). */
export function resolveAdamWConfig(partial: Partial<AdamWConfig> = {}): AdamWConfig {
  const c: AdamWConfig = {
    ...DEFAULT_ADAMW_CONFIG,
    ...partial,
    groups: [...(partial.groups ?? DEFAULT_ADAMW_CONFIG.groups)],
  };
  const bad = (field: string, why: string) =>
    new MmnerError('E_CONFIG_OPTIMIZER', `optimizer.${field} ${why}`, { hint: 'fix the trainer config' });
  for (const f of ['beta1', 'beta2'] as const)
    if (!(c[f] >= 0 && c[f] < 1)) throw bad(f, `must be in [0, 1), got ${c[f]}`);
  if (!(c.epsilon > 0)) throw bad('epsilon', `must be > 0, got ${c.epsilon}`);
  if (!(c.weightDecay >= 0)) throw bad('weightDecay', `must be ≥ 0, got ${c.weightDecay}`);
  for (const g of c.groups) {
    try {
      new RegExp(g.pattern);
    } catch (e) {
      throw bad(`groups.${g.name}.pattern`, `is not a regular expression (${(e as Error).message})`);
    }
    if (g.lrScale !== undefined && !(g.lrScale >= 0)) throw bad(`groups.${g.name}.lrScale`, 'must be ≥ 0');
    if (g.weightDecay !== undefined && !(g.weightDecay >= 0))
      throw bad(`groups.${g.name}.weightDecay`, 'must be ≥ 0');
  }
  return c;
}

/** A tensor's values as plain data (checkpoint blobs). */
export interface ArrayState {
  shape: number[];
  data: Float32Array;
}

/** Everything AdamW remembers, by variable name: exact on export → import. */
export interface AdamWState {
  /** Updates applied to each variable (torch keeps `step` per parameter too). */
  steps: Record<string, number>;
  m: Map<string, ArrayState>;
  v: Map<string, ArrayState>;
}

interface Slot {
  m: tf.Variable;
  v: tf.Variable;
  step: number;
}

interface ResolvedGroup {
  name: string;
  lrScale: number;
  weightDecay: number;
}

export class AdamW {
  readonly config: AdamWConfig;
  private readonly patterns: { re: RegExp; group: ResolvedGroup }[];
  private readonly slots = new Map<string, Slot>();

  constructor(config: Partial<AdamWConfig> = {}) {
    this.config = resolveAdamWConfig(config);
    this.patterns = this.config.groups.map((g) => ({
      re: new RegExp(g.pattern),
      group: { name: g.name, lrScale: g.lrScale ?? 1, weightDecay: g.weightDecay ?? this.config.weightDecay },
    }));
  }

  /** The group a variable belongs to. @example opt.groupOf('crf.bias').name // → 'noDecay' */
  groupOf(name: string): ResolvedGroup {
    for (const p of this.patterns) if (p.re.test(name)) return p.group;
    return { name: 'default', lrScale: 1, weightDecay: this.config.weightDecay };
  }

  /**
   * One update at base learning rate `lr` for every variable that has a gradient. `grads` is keyed
   * like `variables`; gradients are not disposed (the caller owns them).
   */
  step(variables: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    const { beta1: b1, beta2: b2, epsilon } = this.config;
    for (const [name, g] of grads) {
      const variable = variables.get(name);
      if (!variable) throw new Error(`AdamW.step: gradient for unknown variable "${name}"`);
      let slot = this.slots.get(name);
      if (!slot) {
        slot = {
          m: stateVariable(tf.zerosLike(variable)),
          v: stateVariable(tf.zerosLike(variable)),
          step: 0,
        };
        this.slots.set(name, slot);
      }
      const s = slot;
      s.step++;
      const group = this.groupOf(name);
      const groupLr = lr * group.lrScale;
      // Scalars in float64 on the JS side, once per variable: same on every backend.
      const bc1 = 1 - b1 ** s.step;
      const bc2Sqrt = Math.sqrt(1 - b2 ** s.step);
      const stepSize = groupLr / bc1;
      const decay = 1 - groupLr * group.weightDecay;
      if (FUSED_BACKENDS.has(tf.getBackend())) {
        fusedUpdate(variable, g, s, { b1, b2, epsilon, bc2Sqrt, stepSize, decay });
        continue;
      }
      tf.tidy(() => {
        const m = tf.add(tf.mul(s.m, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(s.v, b2), tf.mul(tf.square(g), 1 - b2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), epsilon);
        const decayed = decay === 1 ? variable : tf.mul(variable, decay);
        variable.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
        s.m.assign(m);
        s.v.assign(v);
      });
    }
  }

  /** Copies the state out as plain arrays (for checkpoints). */
  async exportState(): Promise<AdamWState> {
    const state: AdamWState = { steps: {}, m: new Map(), v: new Map() };
    for (const [name, s] of this.slots) {
      state.steps[name] = s.step;
      state.m.set(name, { shape: s.m.shape.slice(), data: (await s.m.data()) as Float32Array });
      state.v.set(name, { shape: s.v.shape.slice(), data: (await s.v.data()) as Float32Array });
    }
    return state;
  }

  /** Replaces the state (after a checkpoint load). Shapes are checked against `variables`. */
  importState(state: AdamWState, variables: ReadonlyMap<string, tf.Variable>): void {
    const problems: string[] = [];
    for (const [name, step] of Object.entries(state.steps)) {
      const variable = variables.get(name);
      const m = state.m.get(name);
      const v = state.v.get(name);
      if (!variable) problems.push(`optimizer state for unknown variable "${name}"`);
      else if (!m || !v) problems.push(`"${name}": optimizer moments missing`);
      else if (!sameShape(m.shape, variable.shape) || !sameShape(v.shape, variable.shape)) {
        problems.push(`"${name}": moments [${m.shape}] vs variable [${variable.shape}]`);
      } else if (!(Number.isInteger(step) && step >= 0)) problems.push(`"${name}": bad step ${step}`);
    }
    if (problems.length > 0) {
      throw new MmnerError(
        'E_CHECKPOINT_OPTIMIZER',
        `optimizer state does not fit the model:\n  ${problems.join('\n  ')}`,
        {
          hint: 'resume with the same model config the checkpoint was trained with',
        },
      );
    }
    this.dispose();
    for (const [name, step] of Object.entries(state.steps)) {
      const m = state.m.get(name)!;
      const v = state.v.get(name)!;
      this.slots.set(name, {
        m: stateVariable(tf.tensor(m.data, m.shape, 'float32')),
        v: stateVariable(tf.tensor(v.data, v.shape, 'float32')),
        step,
      });
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }
}

/**
 * Backends whose tensors live in CPU memory: there one variable's update is a single JS loop
 * (fusedUpdate) instead of ~12 kernels, each with its own dispatch and pass over memory.
 */
const FUSED_BACKENDS = new Set(['cpu', 'wasm']);

interface AdamScalars {
  b1: number;
  b2: number;
  epsilon: number;
  bc2Sqrt: number;
  stepSize: number;
  decay: number;
}

/**
 * The tf-ops update of `step` in one loop, rounding to float32 after every operation in the same
 * order with the same float32 constants, so the result is bit-identical to the kernels (IEEE
 * float32 +, −, ×, ÷, √ are correctly rounded, and so is a double result rounded once). On wasm
 * the loop reads and writes the tensors' memory on the wasm heap in place of copies: reading
 * back, three JS arrays and uploading them again moved ~60 MB per step for a 1.6 M-parameter
 * model, and the garbage collector had to follow.
 */
function fusedUpdate(variable: tf.Variable, grad: tf.Tensor, s: Slot, c: AdamScalars): void {
  const shape = variable.shape;
  const targets = [variable, s.m, s.v] as const;
  if (tf.getBackend() === 'wasm') {
    const be = tf.backend() as unknown as WasmBackend;
    const outs = targets.map(() => be.makeOutput(shape, 'float32'));
    // Views are taken after the last allocation (an allocation may move the heap).
    const [p, g, m, v, po, mo, vo] = [variable, grad, s.m, s.v, ...outs].map((t) =>
      f32(be, t),
    ) as Float32Array[];
    adamLoop(p!, g!, m!, v!, po!, mo!, vo!, c);
    targets.forEach((target, i) => {
      const t = tf.engine().makeTensorFromTensorInfo(outs[i]!);
      target.assign(t);
      t.dispose();
    });
    return;
  }
  const n = variable.size;
  const outs = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
  const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
  adamLoop(read(variable), read(grad), read(s.m), read(s.v), ...outs, c);
  targets.forEach((target, i) => {
    const t = tf.tensor(outs[i]!, shape, 'float32');
    target.assign(t);
    t.dispose();
  });
}

/** AdamW for every element: parameters `p`, gradient `g`, moments `m`, `v` → `po`, `mo`, `vo`. */
function adamLoop(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  po: Float32Array,
  mo: Float32Array,
  vo: Float32Array,
  c: AdamScalars,
): void {
  const f = Math.fround;
  const B1 = f(c.b1);
  const B2 = f(c.b2);
  const OMB1 = f(1 - c.b1);
  const OMB2 = f(1 - c.b2);
  const EPS = f(c.epsilon);
  const BC2 = f(c.bc2Sqrt);
  const STEP = f(c.stepSize);
  const DECAY = f(c.decay);
  const decays = c.decay !== 1;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = f(f(m[i]! * B1) + f(gi * OMB1));
    const vi = f(f(v[i]! * B2) + f(f(gi * gi) * OMB2));
    const denom = f(f(f(Math.sqrt(vi)) / BC2) + EPS);
    const pi = decays ? f(p[i]! * DECAY) : p[i]!;
    po[i] = pi - f(f(mi / denom) * STEP);
    mo[i] = mi;
    vo[i] = vi;
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
