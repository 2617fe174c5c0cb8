/**
 * How well sentences and their images line up in the shared contrastive space, from a run's
 * inspection data: sentence↔image retrieval, matched vs shuffled cosine, a 2-D map of both kinds
 * of point, the least aligned pairs, and one sentence's token→region attention. This is where
 * the paper's finding (global sentence–image alignment can hurt when images are loosely related)
 * becomes visible. Pure: the views in viz/ draw what these return.
 */
import { UMAP } from 'umap-js';
import { MmnerError } from '../core/errors.js';
import { Rng } from '../core/random.js';
import type {
  AlignmentSummary,
  AttentionView,
  MisalignedPair,
  RetrievalScores,
} from '../core/run/analysis.js';
import type { EvalReport, EvalSentence } from '../core/run/evalFile.js';
import { checkInspect, type InspectData } from '../core/run/inspect.js';
import { joinReports } from './compare.js';

export interface AlignmentOptions {
  /** The 2-D map: `pca` (default) or `umap`. */
  projection?: 'pca' | 'umap';
  /** Seeds the shuffled pairs, the query sample, PCA's start vectors and UMAP (default `alignment`). */
  seed?: string | number;
  /**
   * Most queries ranked per direction (default 2,000). Ranking is quadratic, so above this a
   * seeded sample of sentences are the queries, each still ranked against every candidate.
   */
  maxQueries?: number;
  /** Most points UMAP lays out (default 5,000); above it, a seeded sample of pairs. */
  umapMaxPoints?: number;
  /** umap-js settings (defaults: 15 neighbours, min distance 0.1, umap-js's epoch count). */
  umap?: { nNeighbors?: number; minDist?: number; nEpochs?: number };
}

const DEFAULT_MAX_QUERIES = 2000;
const DEFAULT_UMAP_MAX_POINTS = 5000;
/** Fewer points than this give UMAP no neighbourhoods to speak of; PCA is drawn instead. */
const MIN_UMAP_POINTS = 8;
const RECALL_AT = [1, 5, 10] as const;

/** The inspection data with each of its sentences' eval-report entries. */
interface Joined {
  data: InspectData;
  sentences: EvalSentence[];
  /** Per sentence: index into `languages`. */
  langIds: Int32Array;
  /** In order of first appearance. */
  languages: string[];
}

function join(data: InspectData, report: EvalReport): Joined {
  checkInspect(data);
  const inReport = new Map(report.sentences.map((s) => [s.id, s]));
  const missing = data.ids.filter((id) => !inReport.has(id));
  if (missing.length > 0) {
    throw new MmnerError(
      'E_ALIGN_IDS',
      `the inspection data has ${missing.length} sentence(s) the eval report does not list, e.g. ${missing[0]}`,
      { hint: 'read the inspect.bin and the eval JSON written by the same `mmner eval` run' },
    );
  }
  const sentences = data.ids.map((id) => inReport.get(id)!);
  const languages: string[] = [];
  const langIds = Int32Array.from(sentences, (s) => {
    const k = languages.indexOf(s.lang);
    return k >= 0 ? k : languages.push(s.lang) - 1;
  });
  return { data, sentences, langIds, languages };
}

function branchIndex(data: InspectData, branch: string): number {
  const b = data.branches.indexOf(branch);
  if (b < 0) {
    throw new MmnerError('E_ALIGN_BRANCH', `no image branch '${branch}' in the inspection data`, {
      hint: data.branches.length
        ? `branches: ${data.branches.join(', ')}`
        : 'this run has no image branch (a text-only model)',
    });
  }
  return b;
}

/** Unit-length copies of the `n` rows of `x` (a zero row stays zero, so its cosines are 0). */
function unitRows(x: Float32Array, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let k = i * dim; k < (i + 1) * dim; k++) sq += x[k]! * x[k]!;
    const scale = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    for (let k = i * dim; k < (i + 1) * dim; k++) out[k] = x[k]! * scale;
  }
  return out;
}

function dotRows(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += a[i * dim + k]! * b[j * dim + k]!;
  return s;
}

/** A seeded derangement of 0..n-1 (Sattolo's algorithm: one cycle, so no index stays put). */
export function derangement(n: number, rng: Rng): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/**
 * For each query q (rows of `a`), how many other candidates j (rows of `b`) score at least as
 * high as its own partner b_q: over all candidates, and over those of q's language. Ties count
 * against the query, so identical vectors never look like a hit. Four queries share each pass
 * over `b`; the cost is |queries|·n dot products.
 */
function rivals(
  a: Float32Array,
  b: Float32Array,
  n: number,
  dim: number,
  queries: Int32Array,
  langIds: Int32Array,
): { all: Int32Array; lang: Int32Array } {
  const all = new Int32Array(queries.length);
  const lang = new Int32Array(queries.length);
  const sims = [0, 1, 2, 3].map(() => new Float64Array(n));
  for (let start = 0; start < queries.length; start += 4) {
    // A short last block repeats its last query; the repeats are computed and ignored.
    const q = [0, 1, 2, 3].map((k) => queries[Math.min(start + k, queries.length - 1)]!);
    const [o0, o1, o2, o3] = q.map((i) => i * dim) as [number, number, number, number];
    const [s0, s1, s2, s3] = sims as [Float64Array, Float64Array, Float64Array, Float64Array];
    // Two candidates per step share the query loads (≈1.4× faster than one); with n odd the
    // last step computes the last candidate twice.
    for (let j = 0; j < n; j += 2) {
      const jj = Math.min(j + 1, n - 1);
      const oj = j * dim;
      const ojj = jj * dim;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      let e0 = 0;
      let e1 = 0;
      let e2 = 0;
      let e3 = 0;
      for (let k = 0; k < dim; k++) {
        const x = b[oj + k]!;
        const y = b[ojj + k]!;
        const a0 = a[o0 + k]!;
        const a1 = a[o1 + k]!;
        const a2 = a[o2 + k]!;
        const a3 = a[o3 + k]!;
        d0 += a0 * x;
        d1 += a1 * x;
        d2 += a2 * x;
        d3 += a3 * x;
        e0 += a0 * y;
        e1 += a1 * y;
        e2 += a2 * y;
        e3 += a3 * y;
      }
      s0[j] = d0;
      s1[j] = d1;
      s2[j] = d2;
      s3[j] = d3;
      s0[jj] = e0;
      s1[jj] = e1;
      s2[jj] = e2;
      s3[jj] = e3;
    }
    for (let k = 0; k < 4 && start + k < queries.length; k++) {
      const qi = q[k]!;
      const s = sims[k]!;
      const own = s[qi]!;
      const ql = langIds[qi]!;
      let cAll = 0;
      let cLang = 0;
      for (let j = 0; j < n; j++) {
        if (j === qi || s[j]! < own) continue;
        cAll++;
        if (langIds[j] === ql) cLang++;
      }
      all[start + k] = cAll;
      lang[start + k] = cLang;
    }
  }
  return { all, lang };
}

function recalls(counts: readonly number[]): { r1: number; r5: number; r10: number } {
  const at = (k: number) =>
    counts.length === 0 ? 0 : (100 * counts.filter((c) => c < k).length) / counts.length;
  const [r1, r5, r10] = RECALL_AT.map(at) as [number, number, number];
  return { r1, r5, r10 };
}

/**
 * R@1/5/10 text→image and image→text over cosine similarity, among all sentences (`all`) and
 * among the sentences of each language. With fewer than k candidates R@k is 100 (the partner
 * cannot rank below them); a group with no sentence scores 0 over 0 pairs.
 */
function retrieval(
  j: Joined,
  text: Float32Array,
  image: Float32Array,
  rng: Rng,
  maxQueries: number,
): Record<string, RetrievalScores> {
  const n = j.sentences.length;
  const dim = j.data.dim;
  const sampled = n > maxQueries;
  const order = Array.from({ length: n }, (_, i) => i);
  const queries = Int32Array.from(sampled ? rng.shuffle(order).slice(0, maxQueries) : order).sort();
  const t2i = rivals(text, image, n, dim, queries, j.langIds);
  const i2t = rivals(image, text, n, dim, queries, j.langIds);
  const groups: [string, number | undefined][] = [...j.languages.map((l, k): [string, number] => [l, k])];
  groups.push(['all', undefined]);
  const score = (lang: number | undefined): RetrievalScores => {
    const inGroup = (q: number) => lang === undefined || j.langIds[queries[q]!] === lang;
    const picks = [...queries.keys()].filter(inGroup);
    const counts = lang === undefined ? [t2i.all, i2t.all] : [t2i.lang, i2t.lang];
    const pairs = lang === undefined ? n : j.langIds.filter((l) => l === lang).length;
    const scores: RetrievalScores = {
      textToImage: recalls(picks.map((q) => counts[0]![q]!)),
      imageToText: recalls(picks.map((q) => counts[1]![q]!)),
      pairs,
    };
    if (sampled) scores.queries = picks.length;
    return scores;
  };
  // fromEntries defines own properties, so a language named `__proto__` stays data.
  return Object.fromEntries(groups.map(([name, lang]) => [name, score(lang)]));
}

/** PCA's two leading axes and the points' coordinates on them. */
export interface Pca {
  /** Unit axes, leading first; each has its largest-magnitude coordinate positive. */
  axes: Float64Array[];
  /** Variance along each axis. */
  variances: number[];
  /** `[n, 2]` coordinates of the centred points (0 on an axis a 1-d input lacks). */
  coords: Float64Array;
}

/** The leading eigenvector of symmetric `c` orthogonal to `skip` (power iteration). */
function leadingAxis(c: Float64Array, dim: number, skip: readonly Float64Array[], rng: Rng) {
  const orthogonalize = (v: Float64Array) => {
    for (const u of skip) {
      let p = 0;
      for (let k = 0; k < dim; k++) p += v[k]! * u[k]!;
      for (let k = 0; k < dim; k++) v[k]! -= p * u[k]!;
    }
  };
  const normalize = (v: Float64Array) => {
    let sq = 0;
    for (let k = 0; k < dim; k++) sq += v[k]! * v[k]!;
    const len = Math.sqrt(sq);
    if (len > 0) for (let k = 0; k < dim; k++) v[k]! /= len;
    return len;
  };
  // A seeded random start: a fixed one could be orthogonal to the axis sought.
  let v = Float64Array.from({ length: dim }, () => rng.range(-1, 1));
  orthogonalize(v);
  normalize(v);
  let variance = 0;
  for (let it = 0; it < 1000; it++) {
    const w = new Float64Array(dim);
    for (let r = 0; r < dim; r++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += c[r * dim + k]! * v[k]!;
      w[r] = s;
    }
    orthogonalize(w);
    variance = normalize(w);
    if (variance === 0) break;
    let agree = 0;
    for (let k = 0; k < dim; k++) agree += w[k]! * v[k]!;
    v = w;
    if (1 - Math.abs(agree) < 1e-14) break;
  }
  // Deterministic sign: the largest-magnitude coordinate (first on ties) is positive.
  let big = 0;
  for (let k = 1; k < dim; k++) if (Math.abs(v[k]!) > Math.abs(v[big]!)) big = k;
  if (v[big]! < 0) for (let k = 0; k < dim; k++) v[k] = -v[k]!;
  return { axis: v, variance };
}

/** PCA to 2-D of `n` rows of width `dim`: covariance, then power iteration for two axes. */
export function pca2(x: Float32Array, n: number, dim: number, seed: string | number = 'pca'): Pca {
  if (x.length !== n * dim) {
    throw new MmnerError('E_ALIGN_SHAPE', `PCA input has ${x.length} values, expected ${n}×${dim}`);
  }
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) mean[k]! += x[i * dim + k]! / n;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dim; k++) row[k] = x[i * dim + k]! - mean[k]!;
    for (let r = 0; r < dim; r++) {
      const xr = row[r]!;
      for (let k = r; k < dim; k++) cov[r * dim + k]! += xr * row[k]!;
    }
  }
  for (let r = 0; r < dim; r++) {
    for (let k = r; k < dim; k++) {
      const v = n > 0 ? cov[r * dim + k]! / n : 0;
      cov[r * dim + k] = v;
      cov[k * dim + r] = v;
    }
  }
  const rng = new Rng(seed).derive('pca');
  const axes: Float64Array[] = [];
  const variances: number[] = [];
  for (let a = 0; a < Math.min(2, dim); a++) {
    const { axis, variance } = leadingAxis(cov, dim, axes, rng);
    axes.push(axis);
    variances.push(variance);
  }
  const coords = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    axes.forEach((axis, a) => {
      let s = 0;
      for (let k = 0; k < dim; k++) s += (x[i * dim + k]! - mean[k]!) * axis[k]!;
      coords[i * 2 + a] = s;
    });
  }
  return { axes, variances, coords };
}

/** UMAP to 2-D with umap-js, every random draw from `rng` so a seed gives the same layout. */
function umap2(rows: number[][], rng: Rng, options: AlignmentOptions['umap'] = {}): number[][] {
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(options.nNeighbors ?? 15, rows.length - 1),
    minDist: options.minDist ?? 0.1,
    random: () => rng.next(),
    ...(options.nEpochs ? { nEpochs: options.nEpochs } : {}),
  });
  return umap.fit(rows);
}

/**
 * Sentence and image points of one branch in one 2-D map, text then image for each sentence.
 * Both are unit vectors first, so distances in the map follow the cosine the model trains on.
 */
function projection(
  j: Joined,
  text: Float32Array,
  image: Float32Array,
  rng: Rng,
  options: AlignmentOptions,
): AlignmentSummary['projection'] {
  const n = j.sentences.length;
  const dim = j.data.dim;
  let pairs = Array.from({ length: n }, (_, i) => i);
  let method = options.projection ?? 'pca';
  let note: string | undefined;
  if (method === 'umap') {
    const most = Math.floor((options.umapMaxPoints ?? DEFAULT_UMAP_MAX_POINTS) / 2);
    if (n > most) {
      pairs = rng
        .derive('umap-sample')
        .shuffle(pairs)
        .slice(0, most)
        .sort((a, b) => a - b);
      note = `UMAP of a seeded sample of ${most} of ${n} pairs (umapMaxPoints)`;
    }
    if (pairs.length * 2 < MIN_UMAP_POINTS) {
      method = 'pca';
      pairs = Array.from({ length: n }, (_, i) => i);
      note = `PCA instead of UMAP: ${2 * n} points are too few for UMAP (at least ${MIN_UMAP_POINTS})`;
    }
  }
  const stacked = new Float32Array(pairs.length * 2 * dim);
  pairs.forEach((i, p) => {
    stacked.set(text.subarray(i * dim, (i + 1) * dim), 2 * p * dim);
    stacked.set(image.subarray(i * dim, (i + 1) * dim), (2 * p + 1) * dim);
  });
  let xy: (r: number) => [number, number];
  if (method === 'umap') {
    const rows = Array.from({ length: pairs.length * 2 }, (_, r) =>
      Array.from(stacked.subarray(r * dim, (r + 1) * dim)),
    );
    const layout = umap2(rows, rng.derive('umap'), options.umap);
    xy = (r) => [layout[r]![0]!, layout[r]![1]!];
  } else {
    const { coords } = pca2(stacked, pairs.length * 2, dim, rng.key);
    xy = (r) => [coords[2 * r]!, coords[2 * r + 1]!];
  }
  const points = pairs.flatMap((i, p) => {
    const { id, lang } = j.sentences[i]!;
    return (['text', 'image'] as const).map((kind, k) => {
      const [x, y] = xy(2 * p + k);
      return { id, lang, kind, x, y };
    });
  });
  return note === undefined ? { method, points } : { method, note, points };
}

/** Per sentence: cosine of the sentence vector and its own image's vector in `branch`. */
function matchedCosines(
  data: InspectData,
  b: number,
): { text: Float32Array; image: Float32Array; cos: number[] } {
  const n = data.ids.length;
  const text = unitRows(data.sentence, n, data.dim);
  const image = unitRows(data.image[b]!, n, data.dim);
  const cos = Array.from({ length: n }, (_, i) => dotRows(text, i, image, i, data.dim));
  return { text, image, cos };
}

/**
 * The alignment of one image branch: retrieval per language and overall, the cosine of each
 * matched pair beside that of a shuffled pair (a seeded derangement: every sentence against
 * another sentence's image; empty below 2 pairs), and the 2-D map.
 */
export function alignmentSummary(
  data: InspectData,
  report: EvalReport,
  branch: string,
  options: AlignmentOptions = {},
): AlignmentSummary {
  return summarize(join(data, report), branch, options);
}

/** `alignmentSummary` for every image branch, in the data's branch order. */
export function alignmentSummaries(
  data: InspectData,
  report: EvalReport,
  options: AlignmentOptions = {},
): AlignmentSummary[] {
  const j = join(data, report);
  return data.branches.map((branch) => summarize(j, branch, options));
}

function summarize(j: Joined, branch: string, options: AlignmentOptions): AlignmentSummary {
  const b = branchIndex(j.data, branch);
  const { dim } = j.data;
  const n = j.sentences.length;
  const rng = new Rng(options.seed ?? 'alignment').derive(branch);
  const { text, image, cos } = matchedCosines(j.data, b);
  const perm = n >= 2 ? derangement(n, rng.derive('shuffle')) : new Int32Array(0);
  const shuffled = Array.from(perm, (p, i) => dotRows(text, i, image, p, dim));
  const maxQueries = Math.max(1, options.maxQueries ?? DEFAULT_MAX_QUERIES);
  return {
    branch,
    retrieval: retrieval(j, text, image, rng.derive('queries'), maxQueries),
    cosine: { matched: cos, shuffled },
    projection: projection(j, text, image, rng.derive('projection'), options),
  };
}

/**
 * The `k` least aligned sentences of each image branch (lowest sentence–image cosine), all
 * together lowest first (ties: branch order, then the data's order). With the text-only run's
 * report, each says whether the multimodal prediction differs from the text-only one.
 */
export function misalignedPairs(
  data: InspectData,
  report: EvalReport,
  k: number,
  textOnly?: EvalReport,
): MisalignedPair[] {
  const j = join(data, report);
  const textPred = textOnly
    ? new Map(joinReports(report, textOnly, ['multimodal', 'text-only']).map(([m, t]) => [m.id, t.pred]))
    : undefined;
  const out: MisalignedPair[] = [];
  data.branches.forEach((branch, b) => {
    const { cos } = matchedCosines(data, b);
    const lowest = [...cos.keys()].sort((x, y) => cos[x]! - cos[y]! || x - y).slice(0, Math.max(0, k));
    for (const i of lowest) {
      const s = j.sentences[i]!;
      const pair: MisalignedPair = { sentenceId: s.id, lang: s.lang, branch, cosine: cos[i]! };
      const other = textPred?.get(s.id);
      if (other) pair.changedByImage = other.some((tag, t) => tag !== s.pred[t]);
      out.push(pair);
    }
  });
  // A stable sort keeps branch order, then the data's order, among equal cosines.
  return out.sort((x, y) => x.cosine - y.cosine);
}

/** One sentence's token→region attention and gate in `branch`, with the report's tokens. */
export function attentionView(
  data: InspectData,
  report: EvalReport,
  sentenceId: string,
  branch: string,
): AttentionView {
  const j = join(data, report);
  const b = branchIndex(data, branch);
  const i = data.ids.indexOf(sentenceId);
  if (i < 0) {
    throw new MmnerError('E_ALIGN_SENTENCE', `no sentence '${sentenceId}' in the inspection data`, {
      hint: 'pick an id of the eval report of this split',
    });
  }
  const s = j.sentences[i]!;
  const from = data.tokenOffsets[i]!;
  const to = data.tokenOffsets[i + 1]!;
  if (to - from !== s.tokens.length) {
    throw new MmnerError(
      'E_ALIGN_TOKENS',
      `sentence ${sentenceId}: ${to - from} tokens in the inspection data but ${s.tokens.length} in the eval report`,
      { hint: 'read the inspect.bin and the eval JSON written by the same `mmner eval` run' },
    );
  }
  const grid = data.regionGrid[b]!;
  const regions = grid[0] * grid[1];
  const attention = data.attention[b]!;
  const gate = data.gate[b]!;
  return {
    sentenceId,
    branch,
    tokens: [...s.tokens],
    grid: [grid[0], grid[1]],
    weights: Array.from({ length: to - from }, (_, t) =>
      Array.from(attention.subarray((from + t) * regions, (from + t + 1) * regions)),
    ),
    gate: Array.from(gate.subarray(from, to)),
  };
}
