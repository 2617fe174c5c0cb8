/**
 * Alignment analyses on constructed embeddings whose answers are known: retrieval ranks, matched
 * vs shuffled cosine, PCA's axis, UMAP's reproducibility, the misaligned list and attention
 * slices; and the errors for inspection data that does not fit its report.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MmnerError } from '../../src/core/errors.js';
import { scoreSentences } from '../../src/core/metrics/index.js';
import { Rng } from '../../src/core/random.js';
import type { EvalReport, EvalSentence } from '../../src/core/run/evalFile.js';
import type { InspectData } from '../../src/core/run/inspect.js';
import {
  alignmentSummaries,
  alignmentSummary,
  attentionView,
  derangement,
  misalignedPairs,
  pca2,
} from '../../src/eval/alignment.js';

interface Build {
  langs: string[];
  text: number[][];
  /** Branch name → one image vector per sentence. */
  images: Record<string, number[][]>;
  /** Tokens per sentence (default 2). */
  tokens?: number[];
  grid?: [number, number];
}

/** Inspection data and a matching report; attention and gate count up from 0 (distinct values). */
function build(b: Build): { data: InspectData; report: EvalReport } {
  const n = b.text.length;
  const dim = b.text[0]?.length ?? 2;
  const ids = b.langs.map((l, i) => `${l}-${i}`);
  const tokens = b.tokens ?? b.langs.map(() => 2);
  const offsets = Int32Array.from([
    0,
    ...tokens.map((_, i) => tokens.slice(0, i + 1).reduce((a, c) => a + c, 0)),
  ]);
  const total = offsets[n]!;
  const grid = b.grid ?? [1, 2];
  const regions = grid[0] * grid[1];
  const branches = Object.keys(b.images);
  let k = 0;
  const count = (len: number) => Float32Array.from({ length: len }, () => k++);
  const data: InspectData = {
    split: 'test',
    dim,
    branches,
    regionGrid: branches.map(() => grid),
    ids,
    tokenOffsets: offsets,
    sentence: Float32Array.from(b.text.flat()),
    image: branches.map((name) => Float32Array.from(b.images[name]!.flat())),
    tokens: new Float32Array(total * dim),
    regions: branches.map(() => new Float32Array(n * regions * dim)),
    attention: branches.map(() => count(total * regions)),
    gate: branches.map(() => count(total)),
  };
  const sentences: EvalSentence[] = ids.map((id, i) => {
    const o = Array.from({ length: tokens[i]! }, () => 'O');
    return { id, lang: b.langs[i]!, tokens: o.map((_, t) => `${id}.t${t}`), gold: o, pred: [...o] };
  });
  return { data, report: reportOf(sentences) };
}

function reportOf(sentences: EvalSentence[]): EvalReport {
  const none = scoreSentences([], []);
  return {
    version: 1,
    split: 'test',
    metrics: {
      conlleval: { overall: none, byLanguage: {} },
      strict: { overall: none, byLanguage: {} },
      subsets: {},
    },
    sentences,
  };
}

const unit = (deg: number) => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
const basis = (n: number) =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, k) => (k === i ? 1 : 0)));
const ALL_HIT = { r1: 100, r5: 100, r10: 100 };
const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);
function closeAll(actual: ArrayLike<number>, expected: readonly number[], eps: number): void {
  assert.equal(actual.length, expected.length);
  for (const [k, x] of expected.entries()) close(actual[k]!, x, eps);
}

/** Random sentence vectors; images are them plus uniform noise of ±`noise`; languages cycle. */
function randomPairs(n: number, dim: number, seed: string, noise = 0.3, languages = 2) {
  const rng = new Rng(seed);
  const vec = () => Array.from({ length: dim }, () => rng.range(-1, 1));
  const text = Array.from({ length: n }, vec);
  return build({
    langs: text.map((_, i) => ['en', 'fr', 'de'][i % languages]!),
    text,
    images: { cnn: text.map((v) => v.map((x) => x + rng.range(-noise, noise))) },
  });
}

test('identity pairs: R@1 is 100 both ways, matched cosine 1, shuffled 0 on orthogonal vectors', () => {
  const langs = ['en', 'fr', 'en', 'de', 'fr', 'en'];
  const { data, report } = build({ langs, text: basis(6), images: { cnn: basis(6) } });
  const s = alignmentSummary(data, report, 'cnn');
  assert.equal(s.branch, 'cnn');
  assert.deepEqual(Object.keys(s.retrieval), ['en', 'fr', 'de', 'all']);
  for (const [group, pairs] of [
    ['en', 3],
    ['fr', 2],
    ['de', 1],
    ['all', 6],
  ] as const) {
    assert.deepEqual(s.retrieval[group], { textToImage: ALL_HIT, imageToText: ALL_HIT, pairs });
  }
  assert.equal(s.cosine.matched.length, 6);
  for (const c of s.cosine.matched) close(c, 1);
  assert.deepEqual(s.cosine.shuffled, [0, 0, 0, 0, 0, 0]);
});

test('one rotated pair lands at the rank its angles give, overall and within its language', () => {
  // Twelve sentences on a circle 10° apart; image 5 turned 26° away from its sentence (50° → 76°).
  const n = 12;
  const text = Array.from({ length: n }, (_, i) => unit(10 * i));
  const image = text.map((v, i) => (i === 5 ? unit(76) : v));
  const langs = text.map((_, i) => (i % 2 ? 'fr' : 'en'));
  const { data, report } = build({ langs, text, images: { vit: image } });
  const r = alignmentSummary(data, report, 'vit').retrieval;
  // Text 5 (50°): images at 40, 60 (10° off), 30, 70 (20°) beat its own (26°) → rank 5.
  // Image 5 (76°): texts at 80 (4°), 70 (6°), 90 (14°), 60 (16°), 100 (24°) beat 50° → rank 6.
  assert.deepEqual(r.all, {
    textToImage: { r1: (100 * 11) / 12, r5: 100, r10: 100 },
    imageToText: { r1: (100 * 11) / 12, r5: (100 * 11) / 12, r10: 100 },
    pairs: 12,
  });
  // Among the odd (fr) sentences only: texts/images at 10, 30, 70, 90, 110 → 30 and 70 beat it
  // for text 5, 70 and 90 for image 5 → rank 3 both ways.
  const fr = { r1: (100 * 5) / 6, r5: 100, r10: 100 };
  assert.deepEqual(r.fr, { textToImage: fr, imageToText: fr, pairs: 6 });
  assert.deepEqual(r.en, { textToImage: ALL_HIT, imageToText: ALL_HIT, pairs: 6 });
});

test('fewer than two pairs: scores over what exists, no shuffled pair', () => {
  const one = build({ langs: ['en'], text: [[1, 0]], images: { cnn: [[0.6, 0.8]] } });
  const s = alignmentSummary(one.data, one.report, 'cnn');
  assert.deepEqual(s.retrieval.all, { textToImage: ALL_HIT, imageToText: ALL_HIT, pairs: 1 });
  close(s.cosine.matched[0]!, 0.6);
  assert.deepEqual(s.cosine.shuffled, []);
  assert.equal(s.projection.points.length, 2);

  const none = build({ langs: [], text: [], images: { cnn: [] } });
  const z = alignmentSummary(none.data, none.report, 'cnn');
  const zero = { r1: 0, r5: 0, r10: 0 };
  assert.deepEqual(z.retrieval, { all: { textToImage: zero, imageToText: zero, pairs: 0 } });
  assert.deepEqual(z.cosine, { matched: [], shuffled: [] });
  assert.deepEqual(z.projection.points, []);
});

test('ties count against the query: two identical pairs both miss R@1', () => {
  const v = [
    [1, 0],
    [1, 0],
    [0, 1],
  ];
  const { data, report } = build({ langs: ['en', 'en', 'en'], text: v, images: { cnn: v } });
  const r = alignmentSummary(data, report, 'cnn').retrieval.all!;
  assert.deepEqual(r.textToImage, { r1: 100 / 3, r5: 100, r10: 100 });
  assert.deepEqual(r.imageToText, { r1: 100 / 3, r5: 100, r10: 100 });
});

test('retrieval agrees with ranks counted one by one on random vectors', () => {
  const n = 37; // odd, and not a multiple of the four queries the kernel takes at once
  const { data, report } = randomPairs(n, 5, 'brute-force', 1.5, 3);
  const langs = report.sentences.map((s) => s.lang);
  const t = report.sentences.map((_, i) => [...data.sentence.subarray(i * 5, i * 5 + 5)]);
  const v = report.sentences.map((_, i) => [...data.image[0]!.subarray(i * 5, i * 5 + 5)]);
  const cos = (x: number[], y: number[]) =>
    x.reduce((s, a, k) => s + a * y[k]!, 0) / Math.hypot(...x) / Math.hypot(...y);
  /** Percent of queries whose partner is in the top k of the candidates in `group`. */
  const recall = (q: number[][], c: number[][], group: (i: number) => boolean, k: number) => {
    const members = [...Array(n).keys()].filter(group);
    const hits = members.filter(
      (i) => members.filter((j) => j !== i && cos(q[i]!, c[j]!) >= cos(q[i]!, c[i]!)).length < k,
    );
    return (100 * hits.length) / members.length;
  };
  const r = alignmentSummary(data, report, 'cnn').retrieval;
  for (const [name, group] of [
    ['all', () => true],
    ['en', (i: number) => langs[i] === 'en'],
    ['de', (i: number) => langs[i] === 'de'],
  ] as const) {
    for (const k of [1, 5, 10] as const) {
      close(r[name]!.textToImage[`r${k}`], recall(t, v, group, k), 1e-9);
      close(r[name]!.imageToText[`r${k}`], recall(v, t, group, k), 1e-9);
    }
  }
  assert.ok(
    r.all!.textToImage.r1 < 100 && r.all!.textToImage.r10 > r.all!.textToImage.r1,
    'a non-trivial case',
  );
});

test('large groups rank a seeded sample of queries against every candidate', () => {
  const n = 30;
  const langs = Array.from({ length: n }, (_, i) => ['en', 'fr', 'de'][i % 3]!);
  const { data, report } = build({ langs, text: basis(n), images: { cnn: basis(n) } });
  const s = alignmentSummary(data, report, 'cnn', { maxQueries: 8 });
  assert.equal(s.retrieval.all!.queries, 8);
  assert.equal(s.retrieval.all!.pairs, 30);
  const perLanguage = ['en', 'fr', 'de'].map((l) => s.retrieval[l]!);
  assert.equal(
    perLanguage.reduce((a, r) => a + r.queries!, 0),
    8,
  );
  for (const r of perLanguage) assert.equal(r.pairs, 10);
  assert.deepEqual(s.retrieval.all!.textToImage, ALL_HIT);
  // The same seed samples the same queries.
  assert.deepEqual(alignmentSummary(data, report, 'cnn', { maxQueries: 8 }).retrieval, s.retrieval);
});

test('shuffled cosines pair each sentence with another image (a seeded derangement)', () => {
  for (const n of [2, 3, 10, 101]) {
    const p = derangement(n, new Rng(`d${n}`));
    assert.deepEqual(
      [...p].sort((a, b) => a - b),
      [...Array(n).keys()],
    );
    assert.ok(
      p.every((v, i) => v !== i),
      `fixed point in ${p}`,
    );
  }
  const text = Array.from({ length: 8 }, (_, i) => unit(20 * i));
  const { data, report } = build({ langs: text.map(() => 'en'), text, images: { cnn: text } });
  const s = alignmentSummary(data, report, 'cnn', { seed: 7 });
  // Every shuffled cosine is cos(20°·m) for some m ≠ 0, so below cos 20°.
  for (const c of s.cosine.shuffled) assert.ok(c < Math.cos(Math.PI / 9) + 1e-6);
  assert.deepEqual(alignmentSummary(data, report, 'cnn', { seed: 7 }).cosine, s.cosine);
});

test('pca2 finds a known principal axis, with a fixed sign', () => {
  const u = [12 / 25, 15 / 25, 16 / 25];
  const w = [15 / 25 / Math.hypot(12 / 25, 15 / 25), -12 / 25 / Math.hypot(12 / 25, 15 / 25), 0]; // ⟂ u
  const rng = new Rng('pca-points');
  const rows: number[][] = [];
  // Each (a, b) with its mirror (a, −b): the spread along u and along w is uncorrelated exactly.
  for (let i = 0; i < 100; i++) {
    const a = rng.range(-10, 10);
    const b = rng.range(-1, 1);
    rows.push(u.map((x, k) => 3 + a * x + b * w[k]!));
    rows.push(u.map((x, k) => 3 + a * x - b * w[k]!));
  }
  const pca = pca2(Float32Array.from(rows.flat()), 200, 3);
  closeAll(pca.axes[0]!, u, 1e-4);
  closeAll(pca.axes[1]!, w, 1e-3); // its largest coordinate, the first, is positive
  assert.ok(pca.variances[0]! > 10 * pca.variances[1]!);
  // The coordinates are the centred points on the axes.
  const mean = [0, 1, 2].map((k) => rows.reduce((s, r) => s + r[k]!, 0) / 200);
  const onAxis = (r: number[], axis: Float64Array) => r.reduce((s, x, k) => s + (x - mean[k]!) * axis[k]!, 0);
  rows.forEach((r, i) => {
    close(pca.coords[2 * i]!, onAxis(r, pca.axes[0]!), 1e-3);
    close(pca.coords[2 * i + 1]!, onAxis(r, pca.axes[1]!), 1e-3);
  });
  // Mirrored points give the same axes: the sign does not depend on the data's orientation.
  const mirrored = pca2(Float32Array.from(rows.flat().map((x) => -x)), 200, 3);
  closeAll(mirrored.axes[0]!, u, 1e-4);
  // A largest coordinate that is negative is flipped positive.
  const neg = pca2(Float32Array.from([0, 0, 5, -10, 10, -20]), 3, 2);
  assert.ok(neg.axes[0]![1]! > 0 && neg.axes[0]![0]! < 0);
});

test('the PCA map holds text and image points of every sentence; equal vectors share a point', () => {
  const text = Array.from({ length: 6 }, (_, i) => unit(15 * i));
  const langs = ['en', 'en', 'fr', 'fr', 'de', 'de'];
  const { data, report } = build({ langs, text, images: { cnn: text.map((v) => v.map((x) => 3 * x)) } });
  const p = alignmentSummary(data, report, 'cnn').projection;
  assert.equal(p.method, 'pca');
  assert.equal(p.note, undefined);
  assert.deepEqual(
    p.points.map((q) => `${q.id}/${q.lang}/${q.kind}`),
    data.ids.flatMap((id, i) => [`${id}/${langs[i]}/text`, `${id}/${langs[i]}/image`]),
  );
  // Images are the sentence vectors scaled: unit-normalised they coincide.
  for (let i = 0; i < 6; i++) {
    close(p.points[2 * i]!.x, p.points[2 * i + 1]!.x);
    close(p.points[2 * i]!.y, p.points[2 * i + 1]!.y);
  }
});

test('UMAP is reproducible with the same seed, different with another', () => {
  const { data, report } = randomPairs(40, 8, 'umap-data');
  const options = { projection: 'umap' as const, umap: { nEpochs: 40 } };
  const a = alignmentSummary(data, report, 'cnn', { ...options, seed: 1 }).projection;
  const b = alignmentSummary(data, report, 'cnn', { ...options, seed: 1 }).projection;
  const c = alignmentSummary(data, report, 'cnn', { ...options, seed: 2 }).projection;
  assert.equal(a.method, 'umap');
  assert.equal(a.points.length, 80);
  assert.ok(a.points.every((q) => Number.isFinite(q.x) && Number.isFinite(q.y)));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.points, c.points);
});

test('UMAP over the point limit lays out a seeded sample; too few points fall back to PCA', () => {
  const { data, report } = randomPairs(40, 8, 'umap-limit');
  const p = alignmentSummary(data, report, 'cnn', {
    projection: 'umap',
    umapMaxPoints: 20,
    umap: { nEpochs: 20 },
  }).projection;
  assert.equal(p.method, 'umap');
  assert.equal(p.points.length, 20);
  assert.match(p.note!, /sample of 10 of 40 pairs/);
  assert.equal(new Set(p.points.map((q) => q.id)).size, 10);

  const tiny = randomPairs(3, 4, 'umap-tiny');
  const t = alignmentSummary(tiny.data, tiny.report, 'cnn', { projection: 'umap' }).projection;
  assert.equal(t.method, 'pca');
  assert.match(t.note!, /too few/);
  assert.equal(t.points.length, 6);
});

test('misalignedPairs: the k lowest cosines of each branch, lowest first, with changedByImage', () => {
  // Branch a: image i turned 10°·i from its sentence; branch b: turned 10°·(5 − i) + 5°.
  const text = Array.from({ length: 6 }, (_, i) => unit(40 * i));
  const { data, report } = build({
    langs: ['en', 'fr', 'en', 'fr', 'en', 'fr'],
    text,
    images: {
      a: text.map((_, i) => unit(40 * i + 10 * i)),
      b: text.map((_, i) => unit(40 * i - 10 * (5 - i) - 5)),
    },
  });
  const list = misalignedPairs(data, report, 2);
  assert.deepEqual(
    list.map((m) => `${m.branch}:${m.sentenceId}`),
    ['b:en-0', 'a:fr-5', 'b:fr-1', 'a:en-4'], // 55°, 50°, 45°, 40°
  );
  for (const m of list) assert.equal(m.changedByImage, undefined);
  close(list[0]!.cosine, Math.cos((55 * Math.PI) / 180));
  assert.equal(list[1]!.lang, 'fr');

  // A text-only run that predicts differently on fr-5 only.
  const textOnly = reportOf(
    report.sentences.map((s) => (s.id === 'fr-5' ? { ...s, pred: ['B-PER', 'O'] } : s)),
  );
  const marked = misalignedPairs(data, report, 2, textOnly);
  assert.deepEqual(
    marked.map((m) => [m.sentenceId, m.changedByImage]),
    [
      ['en-0', false],
      ['fr-5', true],
      ['fr-1', false],
      ['en-4', false],
    ],
  );
  assert.deepEqual(misalignedPairs(data, report, 0), []);
  assert.equal(misalignedPairs(data, report, 100).length, 12);
});

test('attentionView reads one sentence`s token rows and gate through tokenOffsets', () => {
  const { data, report } = build({
    langs: ['en', 'fr', 'de'],
    text: basis(3),
    images: { vit: basis(3), resnet: basis(3) },
    tokens: [2, 3, 1],
    grid: [2, 2],
  });
  // Attention counts 0..23 for vit (6 tokens × 4 regions), 24..47 for resnet; then the gates,
  // 48..53 for vit and 54..59 for resnet. Sentence fr-1 holds tokens 2..4, de-2 token 5.
  const v = attentionView(data, report, 'fr-1', 'vit');
  assert.deepEqual(v, {
    sentenceId: 'fr-1',
    branch: 'vit',
    tokens: ['fr-1.t0', 'fr-1.t1', 'fr-1.t2'],
    grid: [2, 2],
    weights: [
      [8, 9, 10, 11],
      [12, 13, 14, 15],
      [16, 17, 18, 19],
    ],
    gate: [50, 51, 52],
  });
  const r = attentionView(data, report, 'de-2', 'resnet');
  assert.deepEqual(r.weights, [[44, 45, 46, 47]]);
  assert.deepEqual(r.gate, [59]);
});

test('bad inputs are MmnerErrors with a code', () => {
  const fails = (f: () => unknown, code: string, message: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof MmnerError && e.code === code && message.test(e.message));
  const { data, report } = build({ langs: ['en', 'fr'], text: basis(2), images: { cnn: basis(2) } });

  const fewer = reportOf(report.sentences.slice(1));
  fails(() => alignmentSummary(data, fewer, 'cnn'), 'E_ALIGN_IDS', /1 sentence\(s\) .* e\.g\. en-0/);
  fails(() => misalignedPairs(data, fewer, 3), 'E_ALIGN_IDS', /en-0/);
  fails(() => alignmentSummary(data, report, 'vit'), 'E_ALIGN_BRANCH', /'vit'.*\n.*branches: cnn/);
  fails(() => attentionView(data, report, 'nope', 'cnn'), 'E_ALIGN_SENTENCE', /'nope'/);
  const longer = reportOf(report.sentences.map((s) => ({ ...s, tokens: [...s.tokens, 'x'] })));
  fails(() => attentionView(data, longer, 'fr-1', 'cnn'), 'E_ALIGN_TOKENS', /2 tokens .* but 3/);
  // Vectors of another width than `dim` say.
  fails(
    () => alignmentSummaries({ ...data, dim: 3 }, report),
    'E_INSPECT_SHAPE',
    /sentence has 4 values, expected 2×3/,
  );
  fails(
    () => alignmentSummary({ ...data, image: [new Float32Array(6)] }, report, 'cnn'),
    'E_INSPECT_SHAPE',
    /image\.cnn has 6 values/,
  );
  const otherTextOnly = reportOf(report.sentences.slice(0, 1));
  fails(() => misalignedPairs(data, report, 1, otherTextOnly), 'E_COMPARE_SENTENCES', /fr-1/);
  fails(() => pca2(new Float32Array(5), 2, 3), 'E_ALIGN_SHAPE', /5 values, expected 2×3/);
});

test('alignmentSummaries covers every branch in order', () => {
  const { data, report } = build({
    langs: ['en', 'fr', 'en'],
    text: basis(3),
    images: { vit: basis(3), resnet: basis(3) },
  });
  assert.deepEqual(
    alignmentSummaries(data, report).map((s) => s.branch),
    ['vit', 'resnet'],
  );
});
