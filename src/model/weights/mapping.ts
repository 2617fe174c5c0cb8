/**
 * Mapping Hugging Face weight names onto ours: each spec entry accepts alternative names, a
 * prefix such as `bert.` or `vision_model.` is detected once per checkpoint, Linear weights can
 * be transposed ([out, in] → [in, out]), and every missing, mis-shaped or wrong-dtype weight is
 * reported in ONE MmnerError (unused names in the file are listed there as a note).
 */
import { MmnerError } from '../../core/errors.js';
import { READABLE_DTYPES, type TensorDtype, targetDtype } from './dtype.js';
import { formatShape, type Tensor, type TensorInfo, type WeightSource, WeightsCode } from './safetensors.js';

export interface WeightSpec {
  /** Our name for the weight (the key of the result). */
  ourName: string;
  /** Accepted Hugging Face names, in order of preference, with or without a model prefix. */
  hfNames: string[];
  /** The shape we want (after `transpose`). */
  shape: number[];
  /** The file holds the transpose: HF Linear weights are [out, in], tfjs dense kernels [in, out]. */
  transpose?: boolean;
  /** Default float32. */
  dtype?: TensorDtype;
}

/** Prefixes a spec name may carry that a checkpoint may lack (or the reverse). */
export const KNOWN_PREFIXES = ['bert.', 'vision_model.', 'text_model.', 'model.', 'vit.', 'resnet.'] as const;

export interface MappingOptions {
  /** What the weights are for, in messages: e.g. "the BERT text encoder". */
  what?: string;
  /** Use this prefix instead of detecting one (e.g. 'text_model.' for CLIP's text tower). */
  prefix?: string;
  /** How many entries each section of the error lists (default 20). */
  maxListed?: number;
}

export interface MisShaped {
  ourName: string;
  hfName: string;
  /** Expected shape as stored in the file (already transposed back for `transpose` entries). */
  expected: number[];
  found: number[];
}

export interface WrongDtype {
  ourName: string;
  hfName: string;
  expected: TensorDtype;
  found: string;
}

export interface MappingPlan {
  /** The prefix detected for this checkpoint ('' when none). */
  prefix: string;
  /** ourName → the file's name for every entry found with the right shape and dtype. */
  resolved: Map<string, string>;
  /** Entries not found, with the names tried. */
  missing: { ourName: string; tried: string[] }[];
  misShaped: MisShaped[];
  wrongDtype: WrongDtype[];
  /** Names in the checkpoint that no entry uses. */
  unused: string[];
}

function stripKnown(name: string): string {
  const p = KNOWN_PREFIXES.find((k) => name.startsWith(k));
  return p ? name.slice(p.length) : name;
}

/** Names to try for one entry under `prefix`, most preferred first. */
function candidates(spec: WeightSpec, prefix: string): string[] {
  const out: string[] = [];
  for (const h of spec.hfNames) out.push(prefix + h, prefix + stripKnown(h));
  for (const h of spec.hfNames) out.push(h, stripKnown(h));
  return [...new Set(out)];
}

/**
 * The prefix under which most entries are found: every file name whose dot-suffix is a spec
 * name (with or without a known prefix) votes for what precedes that suffix.
 */
export function detectPrefix(names: readonly string[], spec: readonly WeightSpec[]): string {
  const bases = new Map<string, Set<number>>();
  spec.forEach((s, i) => {
    for (const h of s.hfNames) {
      for (const b of [h, stripKnown(h)]) {
        const set = bases.get(b) ?? new Set<number>();
        set.add(i);
        bases.set(b, set);
      }
    }
  });
  const votes = new Map<string, Set<number>>();
  for (const name of names) {
    for (let cut = 0; cut !== -1; cut = name.indexOf('.', cut) + 1 || -1) {
      const entries = bases.get(name.slice(cut));
      if (!entries) continue;
      const prefix = name.slice(0, cut);
      const set = votes.get(prefix) ?? new Set<number>();
      for (const e of entries) set.add(e);
      votes.set(prefix, set);
    }
  }
  // ties: no prefix, then KNOWN_PREFIXES in order (vision_model. before text_model.), then shorter
  const rank = (p: string) => (p === '' ? -1 : (KNOWN_PREFIXES as readonly string[]).indexOf(p) >>> 0);
  let best = '';
  let bestCount = votes.get('')?.size ?? 0;
  for (const [prefix, set] of votes) {
    const better =
      set.size > bestCount ||
      (set.size === bestCount &&
        (rank(prefix) < rank(best) || (rank(prefix) === rank(best) && prefix.length < best.length)));
    if (better) {
      best = prefix;
      bestCount = set.size;
    }
  }
  return best;
}

/** Resolves every entry against the checkpoint's headers without reading any data. */
export function planMapping(
  source: Pick<WeightSource, 'names' | 'info'>,
  spec: readonly WeightSpec[],
  options: Pick<MappingOptions, 'prefix'> = {},
): MappingPlan {
  const names = source.names();
  const prefix = options.prefix ?? detectPrefix(names, spec);
  const plan: MappingPlan = {
    prefix,
    resolved: new Map(),
    missing: [],
    misShaped: [],
    wrongDtype: [],
    unused: [],
  };
  const used = new Set<string>();
  for (const s of spec) {
    if (s.transpose && s.shape.length !== 2) {
      throw new Error(
        `planMapping: "${s.ourName}" has transpose but shape ${formatShape(s.shape)} is not 2-D`,
      );
    }
    const tried = candidates(s, prefix);
    let found: TensorInfo | undefined;
    for (const c of tried) {
      found = source.info(c);
      if (found) break;
    }
    if (!found) {
      plan.missing.push({ ourName: s.ourName, tried });
      continue;
    }
    used.add(found.name);
    const expected = s.transpose ? [...s.shape].reverse() : s.shape;
    const want = s.dtype ?? 'float32';
    if (!READABLE_DTYPES.has(found.dtype) || targetDtype(found.dtype) !== want) {
      plan.wrongDtype.push({ ourName: s.ourName, hfName: found.name, expected: want, found: found.dtype });
    } else if (expected.length !== found.shape.length || expected.some((d, i) => d !== found.shape[i])) {
      plan.misShaped.push({ ourName: s.ourName, hfName: found.name, expected, found: found.shape });
    } else {
      plan.resolved.set(s.ourName, found.name);
    }
  }
  plan.unused = names.filter((n) => !used.has(n));
  return plan;
}

function section<T>(title: string, items: readonly T[], max: number, line: (t: T) => string): string[] {
  if (items.length === 0) return [];
  const out = [`  ${title} (${items.length}):`, ...items.slice(0, max).map((t) => `    ${line(t)}`)];
  if (items.length > max) out.push(`    … and ${items.length - max} more`);
  return out;
}

/** The text of the single mapping error; '' when the plan has no problem. */
export function formatMappingProblems(
  plan: MappingPlan,
  spec: readonly WeightSpec[],
  options: MappingOptions = {},
): string {
  const { missing, misShaped, wrongDtype, unused } = plan;
  if (missing.length + misShaped.length + wrongDtype.length === 0) return '';
  const max = options.maxListed ?? 20;
  const counts = [
    missing.length && `${missing.length} missing`,
    misShaped.length && `${misShaped.length} mis-shaped`,
    wrongDtype.length && `${wrongDtype.length} of the wrong dtype`,
  ].filter(Boolean);
  const bySpec = new Map(spec.map((s) => [s.ourName, s]));
  const lines = [
    `the checkpoint does not fit ${options.what ?? 'the model'}: ${counts.join(', ')} of ${spec.length} weights` +
      (plan.prefix ? ` (names prefixed "${plan.prefix}")` : ''),
    ...section('missing', missing, max, (m) => {
      const others = m.tried.length - 1;
      return `"${m.tried[0]}" (our ${m.ourName})${others > 0 ? `; also tried ${others} other name${others > 1 ? 's' : ''}` : ''}`;
    }),
    ...section('mis-shaped', misShaped, max, (m) => {
      const t = bySpec.get(m.ourName)?.transpose ? ', stored transposed as [out, in]' : '';
      return `"${m.hfName}": expected ${formatShape(m.expected)}${t}, found ${formatShape(m.found)}`;
    }),
    ...section(
      'wrong dtype',
      wrongDtype,
      max,
      (w) => `"${w.hfName}": expected ${w.expected}, found ${w.found}`,
    ),
  ];
  if (unused.length > 0) {
    const shown = unused.slice(0, 5).map((n) => `"${n}"`);
    lines.push(
      `  note: ${unused.length} name${unused.length > 1 ? 's' : ''} in the checkpoint ${unused.length > 1 ? 'are' : 'is'} not used, e.g. ${shown.join(', ')}${unused.length > 5 ? ', …' : ''}`,
    );
  }
  return lines.join('\n');
}

function mappingHint(plan: MappingPlan, spec: readonly WeightSpec[], what: string): string {
  if (plan.missing.length > spec.length / 2) {
    return `most weights are missing: is this checkpoint ${what}? Check the model folder and its config.json`;
  }
  if (plan.misShaped.length > 0) {
    return "the sizes differ from the model's: make the model config (hidden size, layers, vocabulary) match the checkpoint's config.json";
  }
  return `check that the checkpoint is ${what}, saved by transformers with safe_serialization=True`;
}

/** [rows, cols] row-major → [cols, rows]. */
export function transpose2d<T extends Float32Array | Int32Array>(data: T, rows: number, cols: number): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c]!;
  }
  return out;
}

/**
 * Reads the weights of `spec` from `source`: all problems are found from the headers first and
 * thrown as one MmnerError; then each tensor is read (and transposed where asked).
 */
export async function loadMapped(
  source: WeightSource,
  spec: readonly WeightSpec[],
  options: MappingOptions = {},
): Promise<Map<string, Tensor>> {
  const plan = planMapping(source, spec, options);
  const text = formatMappingProblems(plan, spec, options);
  if (text) {
    throw new MmnerError(WeightsCode.mapping, text, {
      file: source.path,
      hint: mappingHint(plan, spec, options.what ?? 'the one the model expects'),
    });
  }
  const out = new Map<string, Tensor>();
  for (const s of spec) {
    const hfName = plan.resolved.get(s.ourName)!;
    const t = await source.readTensor(hfName);
    if (s.transpose) {
      const [rows, cols] = t.shape as [number, number];
      out.set(s.ourName, { dtype: t.dtype, shape: [cols, rows], data: transpose2d(t.data, rows, cols) });
    } else {
      out.set(s.ourName, t);
    }
  }
  return out;
}
