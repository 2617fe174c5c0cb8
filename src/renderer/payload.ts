/**
 * Shape checks for the output payloads of core/protocol/mime.ts. An output may come from an older
 * kernel, a hand-edited .ipynb or anyone's notebook, so the renderer checks each field it reads
 * and names the first wrong one (`rows[2].f1 is not a number`) instead of drawing half a view.
 */
import { MmnerError } from '../core/errors.js';
import type {
  AlignmentPayload,
  AttentionPayload,
  ChartPayload,
  ErrorsPayload,
  MetricsPayload,
  MisalignedPayload,
  ProgressPayload,
  SentencesPayload,
} from '../core/protocol/mime.js';
import { ERROR_CLASSES } from '../core/run/analysis.js';

const HINT = 'The kernel that wrote this output may be another mmner version: run the cell again.';

function fail(path: string, what: string): never {
  throw new MmnerError('E_RENDER_PAYLOAD', `${path || 'the payload'} ${what}`, { hint: HINT });
}

type Json = Record<string, unknown>;

function object(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'is not an object');
  return v as Json;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, 'is not a list');
  return v;
}

function string(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'is not a string');
  return v;
}

/** A finite number (JSON has no NaN; a null here is a writer's NaN and is refused too). */
function number(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'is not a number');
  return v;
}

function optional<T>(v: unknown, path: string, check: (v: unknown, path: string) => T): T | undefined {
  return v === undefined ? undefined : check(v, path);
}

function strings(v: unknown, path: string): string[] {
  return array(v, path).map((s, i) => string(s, `${path}[${i}]`));
}

function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) fail(path, `is not one of ${allowed.join(', ')}`);
  return v as T;
}

/** A record of strings → T, keys kept as they are (ids may be anything). */
function record<T>(v: unknown, path: string, check: (v: unknown, path: string) => T): Record<string, T> {
  const out: Record<string, T> = Object.create(null);
  for (const [k, x] of Object.entries(object(v, path))) out[k] = check(x, `${path}[${JSON.stringify(k)}]`);
  return out;
}

function span(v: unknown, path: string) {
  const o = object(v, path);
  return {
    start: number(o.start, `${path}.start`),
    end: number(o.end, `${path}.end`),
    type: string(o.type, `${path}.type`),
  };
}

export function chartPayload(v: unknown): ChartPayload {
  const o = object(v, '');
  const title = optional(o.title, 'title', string);
  return { spec: object(o.spec, 'spec'), ...(title !== undefined ? { title } : {}) };
}

export function metricsPayload(v: unknown): MetricsPayload {
  const o = object(v, '');
  const rows = array(o.rows, 'rows').map((r, i) => {
    const p = `rows[${i}]`;
    const row = object(r, p);
    return {
      lang: string(row.lang, `${p}.lang`),
      sentences: number(row.sentences, `${p}.sentences`),
      precision: number(row.precision, `${p}.precision`),
      recall: number(row.recall, `${p}.recall`),
      f1: number(row.f1, `${p}.f1`),
      strictF1: number(row.strictF1, `${p}.strictF1`),
    };
  });
  const subsets = optional(o.subsets, 'subsets', (x, p) => record(x, p, number));
  return { split: string(o.split, 'split'), rows, ...(subsets ? { subsets } : {}) };
}

export function sentencesPayload(v: unknown): SentencesPayload {
  const o = object(v, '');
  const sentences = array(o.sentences, 'sentences').map((x, i) => {
    const p = `sentences[${i}]`;
    const s = object(x, p);
    const tokens = strings(s.tokens, `${p}.tokens`);
    const gold = strings(s.gold, `${p}.gold`);
    const pred = strings(s.pred, `${p}.pred`);
    if (gold.length !== tokens.length)
      fail(`${p}.gold`, `has ${gold.length} tags for ${tokens.length} tokens`);
    if (pred.length !== tokens.length)
      fail(`${p}.pred`, `has ${pred.length} tags for ${tokens.length} tokens`);
    const subsets = optional(s.subsets, `${p}.subsets`, strings);
    const imageUri = optional(s.imageUri, `${p}.imageUri`, string);
    return {
      id: string(s.id, `${p}.id`),
      lang: string(s.lang, `${p}.lang`),
      tokens,
      gold,
      pred,
      ...(subsets ? { subsets } : {}),
      ...(imageUri !== undefined ? { imageUri } : {}),
    };
  });
  return { sentences };
}

export function attentionPayload(v: unknown): AttentionPayload {
  const o = object(v, '');
  const view = object(o.view, 'view');
  const tokens = strings(view.tokens, 'view.tokens');
  const gridList = array(view.grid, 'view.grid');
  if (gridList.length !== 2) fail('view.grid', 'is not [rows, cols]');
  const grid: [number, number] = [number(gridList[0], 'view.grid[0]'), number(gridList[1], 'view.grid[1]')];
  if (!grid.every((n) => Number.isInteger(n) && n > 0 && n <= 256))
    fail('view.grid', 'is not two whole numbers in 1..256');
  const cells = grid[0] * grid[1];
  const weights = array(view.weights, 'view.weights').map((row, i) => {
    const w = array(row, `view.weights[${i}]`).map((x, j) => number(x, `view.weights[${i}][${j}]`));
    if (w.length !== cells)
      fail(`view.weights[${i}]`, `has ${w.length} weights for a ${grid[0]}×${grid[1]} grid`);
    return w;
  });
  if (weights.length !== tokens.length)
    fail('view.weights', `has ${weights.length} rows for ${tokens.length} tokens`);
  const gate = array(view.gate, 'view.gate').map((x, i) => number(x, `view.gate[${i}]`));
  if (gate.length !== tokens.length)
    fail('view.gate', `has ${gate.length} values for ${tokens.length} tokens`);
  const image = optional(o.image, 'image', string);
  return {
    view: {
      sentenceId: string(view.sentenceId, 'view.sentenceId'),
      branch: string(view.branch, 'view.branch'),
      tokens,
      grid,
      weights,
      gate,
    },
    ...(image !== undefined ? { image } : {}),
  };
}

export function alignmentPayload(v: unknown): AlignmentPayload {
  const o = object(v, '');
  const points = array(o.points, 'points').map((x, i) => {
    const p = `points[${i}]`;
    const pt = object(x, p);
    return {
      id: string(pt.id, `${p}.id`),
      lang: string(pt.lang, `${p}.lang`),
      kind: oneOf(pt.kind, `${p}.kind`, ['text', 'image'] as const),
      x: number(pt.x, `${p}.x`),
      y: number(pt.y, `${p}.y`),
    };
  });
  const sentences = optional(o.sentences, 'sentences', (x, p) =>
    record(x, p, (s, q) => {
      const so = object(s, q);
      const imageUri = optional(so.imageUri, `${q}.imageUri`, string);
      return { tokens: strings(so.tokens, `${q}.tokens`), ...(imageUri !== undefined ? { imageUri } : {}) };
    }),
  );
  return {
    branch: string(o.branch, 'branch'),
    method: oneOf(o.method, 'method', ['pca', 'umap'] as const),
    points,
    ...(sentences ? { sentences } : {}),
  };
}

export function errorsPayload(v: unknown): ErrorsPayload {
  const o = object(v, '');
  const errors = array(o.errors, 'errors').map((x, i) => {
    const p = `errors[${i}]`;
    const e = object(x, p);
    const gold = optional(e.gold, `${p}.gold`, span);
    const pred = optional(e.pred, `${p}.pred`, span);
    return {
      sentenceId: string(e.sentenceId, `${p}.sentenceId`),
      lang: string(e.lang, `${p}.lang`),
      class: oneOf(e.class, `${p}.class`, ERROR_CLASSES),
      ...(gold ? { gold } : {}),
      ...(pred ? { pred } : {}),
    };
  });
  return { errors, tokens: record(o.tokens, 'tokens', strings) };
}

export function misalignedPayload(v: unknown): MisalignedPayload {
  const o = object(v, '');
  const pairs = array(o.pairs, 'pairs').map((x, i) => {
    const p = `pairs[${i}]`;
    const m = object(x, p);
    const changed = optional(m.changedByImage, `${p}.changedByImage`, (b, q) => {
      if (typeof b !== 'boolean') fail(q, 'is not true or false');
      return b;
    });
    return {
      sentenceId: string(m.sentenceId, `${p}.sentenceId`),
      lang: string(m.lang, `${p}.lang`),
      branch: string(m.branch, `${p}.branch`),
      cosine: number(m.cosine, `${p}.cosine`),
      ...(changed !== undefined ? { changedByImage: changed } : {}),
    };
  });
  const images = optional(o.images, 'images', (x, p) => record(x, p, string));
  return { pairs, tokens: record(o.tokens, 'tokens', strings), ...(images ? { images } : {}) };
}

export function progressPayload(v: unknown): ProgressPayload {
  const o = object(v, '');
  const opt = (key: string) => optional(o[key], key, number);
  const loss = opt('loss');
  const devF1 = opt('devF1');
  const examplesPerSec = opt('examplesPerSec');
  const etaSec = opt('etaSec');
  return {
    step: number(o.step, 'step'),
    totalSteps: number(o.totalSteps, 'totalSteps'),
    epoch: number(o.epoch, 'epoch'),
    state: oneOf(o.state, 'state', ['running', 'done', 'cancelled', 'failed'] as const),
    ...(loss !== undefined ? { loss } : {}),
    ...(devF1 !== undefined ? { devF1 } : {}),
    ...(examplesPerSec !== undefined ? { examplesPerSec } : {}),
    ...(etaSec !== undefined ? { etaSec } : {}),
  };
}
