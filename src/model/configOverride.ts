/**
 * `--set PATH=VALUE`: overrides of single fields of a run config, by their dotted path in
 * config.json (`train.lr=1e-3`, `model.dropout=0.3`, `model.text.options.hidden=200`). Only
 * existing scalar fields can be set, with a value of the same type; the tiny text encoder's
 * options may be set even where the preset leaves them at their defaults. Fields that define
 * what the run is (preset, ablation, seed, entity types, encoder kind) have their own options
 * or none. Values are range-checked where the model is built, before anything is written.
 */
import { MmnerError } from '../core/errors.js';
import type { RunConfig } from './config.js';
import { DEFAULT_TINY_TEXT_CONFIG } from './text/tinyEncoder.js';

/** Set by their own options (--preset, --ablation, --seed) or fixed by the data. */
const FIXED = new Set([
  'model.preset',
  'model.ablation',
  'model.seed',
  'model.entityTypes',
  'model.text.kind',
  'train.seed',
]);

const TINY_OPTIONS = Object.keys(DEFAULT_TINY_TEXT_CONFIG).filter((k) => k !== 'seed');

type Scalar = number | boolean | string;
const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** Every settable path of `config`, for error messages. */
export function settablePaths(config: RunConfig): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (isRecord(node)) {
      for (const [k, v] of Object.entries(node)) walk(v, path ? `${path}.${k}` : k);
    } else if (['number', 'boolean', 'string'].includes(typeof node) && !FIXED.has(path)) out.push(path);
  };
  walk({ model: config.model, train: config.train }, '');
  if (config.model.text.kind === 'tiny') {
    for (const k of TINY_OPTIONS) {
      const p = `model.text.options.${k}`;
      if (!out.includes(p)) out.push(p);
    }
  }
  return out.sort();
}

function parseValue(text: string, like: Scalar, path: string): Scalar {
  if (typeof like === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw bad(`${path} takes a number, got '${text}'`);
    return n;
  }
  if (typeof like === 'boolean') {
    if (text !== 'true' && text !== 'false') throw bad(`${path} takes true or false, got '${text}'`);
    return text === 'true';
  }
  return text;
}

function bad(
  message: string,
  hint = 'the fields are those of a run’s config.json; `mmner train --help`',
): MmnerError {
  return new MmnerError('E_USAGE', `--set ${message}`, { hint });
}

/**
 * Applies `PATH=VALUE` assignments to a copy of `config`, in order.
 * @example applyOverrides(cfg, ['train.lr=1e-3', 'model.text.options.hidden=200'])
 */
export function applyOverrides(config: RunConfig, sets: readonly string[]): RunConfig {
  const out = structuredClone(config);
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) throw bad(`expects PATH=VALUE, got '${set}'`);
    const path = set.slice(0, eq).trim();
    const text = set.slice(eq + 1).trim();
    if (FIXED.has(path)) throw bad(`cannot change ${path}: it has its own option or comes from the data`);
    const keys = path.split('.');
    const leaf = keys.pop()!;
    let node: unknown = out;
    for (const k of keys) node = isRecord(node) && Object.hasOwn(node, k) ? node[k] : undefined;
    const tinyOption =
      keys.join('.') === 'model.text.options' &&
      out.model.text.kind === 'tiny' &&
      TINY_OPTIONS.includes(leaf);
    if (!isRecord(node) || (!Object.hasOwn(node, leaf) && !tinyOption)) {
      throw bad(`${path} is not a field of this config`, `settable: ${settablePaths(out).join(', ')}`);
    }
    const current = Object.hasOwn(node, leaf)
      ? node[leaf]
      : DEFAULT_TINY_TEXT_CONFIG[leaf as keyof typeof DEFAULT_TINY_TEXT_CONFIG];
    if (!['number', 'boolean', 'string'].includes(typeof current)) {
      throw bad(`${path} is not a single value (a list or a group), so it cannot be set`);
    }
    node[leaf] = parseValue(text, current as Scalar, path);
  }
  return out;
}
