/**
 * Hand-built inputs for the view tests: two eval reports (multimodal and text-only), training
 * events and every analysis type, with hostile dataset text (markup, quotes, ampersands, RTL and
 * combining characters, emoji) in tokens, ids, types and names.
 */
import { buildResult, type ScoreResult, type TypeTally } from '../../src/core/metrics/result.js';
import type {
  AlignmentSummary,
  AttentionView,
  ConfusionMatrix,
  EntityError,
  ErrorCounts,
  ImageEffect,
  MisalignedPair,
} from '../../src/core/run/analysis.js';
import type { EvalReport, EvalSentence } from '../../src/core/run/evalFile.js';
import type { TrainEvent } from '../../src/core/run/events.js';
import type { ReportModel } from '../../src/viz/report/model.js';

/** Markup that runs script if it ever reaches the page unescaped. */
export const HOSTILE = '<img src=x onerror=alert(1)>';
/** Breaks out of a double- or single-quoted attribute. */
export const QUOTES = `"'><script>alert(2)</script>`;
export const AMP = 'Procter&Gamble &amp; &lt;';
export const RTL = 'مرحبا\u202Eabc';
export const COMBINING = 'Zoe\u0308 a\u0301\u0301';
export const EMOJI = '👩🏽‍🚀🇫🇷';

/** A score with the given per-type (correct, gold, pred) tallies. */
export function score(
  tallies: Record<string, [number, number, number]>,
  mode: 'conlleval' | 'strict' = 'conlleval',
): ScoreResult {
  const map = new Map<string, TypeTally>();
  let correct = 0;
  let gold = 0;
  let pred = 0;
  for (const [type, [c, g, p]] of Object.entries(tallies)) {
    map.set(type, { correct: c, gold: g, pred: p });
    correct += c;
    gold += g;
    pred += p;
  }
  const counts = { tokens: 10 * gold, correctTags: 9 * gold, foundGold: gold, foundPred: pred, correct };
  return buildResult(mode, mode === 'strict' ? 'IOB2' : undefined, counts, map);
}

export const SENTENCES: EvalSentence[] = [
  {
    id: 's1',
    lang: 'en',
    tokens: ['Jordan', 'visited', HOSTILE, 'in', 'Paris', '.'],
    gold: ['B-PER', 'O', 'B-ORG', 'O', 'B-LOC', 'O'],
    pred: ['B-LOC', 'O', 'B-ORG', 'O', 'B-LOC', 'O'],
    image: 'img1',
    subsets: ['ambiguous'],
  },
  {
    id: `s2${QUOTES}`,
    lang: 'fr',
    tokens: [AMP, 'à', 'Lyon', EMOJI],
    gold: ['B-ORG', 'O', 'B-LOC', 'O'],
    pred: ['B-ORG', 'O', 'O', 'B-MISC'],
    image: 'img2',
  },
  {
    id: 's3',
    lang: 'de',
    tokens: ['Angela', 'Merkel', 'in', 'Berlin', COMBINING],
    gold: ['B-PER', 'I-PER', 'O', 'B-LOC', 'O'],
    pred: ['B-PER', 'O', 'O', 'B-LOC', 'O'],
  },
  {
    id: 's4',
    lang: 'es',
    tokens: [RTL, 'en', 'Madrid'],
    gold: ['B-PER', 'O', 'B-LOC'],
    pred: ['B-PER', 'O', `B-${HOSTILE}`],
    image: 'img4',
    subsets: ['ambiguous'],
  },
  {
    id: 's5',
    lang: 'pt',
    tokens: ['Lisboa', 'é', 'linda'],
    gold: ['B-LOC', 'O', 'O'],
    pred: ['B-LOC', 'O', 'O'],
  },
];

function report(f1Shift: number): EvalReport {
  const byLanguage = (mode: 'conlleval' | 'strict') => ({
    en: score({ PER: [8 + f1Shift, 12, 11], LOC: [20, 22, 23], ORG: [5, 9, 7], MISC: [3, 6, 5] }, mode),
    fr: score({ PER: [6, 8, 9], LOC: [8 + f1Shift, 12, 12], ORG: [4, 6, 6] }, mode),
    de: score({ PER: [7, 9, 8], LOC: [5, 7, 8], ORG: [2, 5, 3], MISC: [1, 2, 2] }, mode),
    es: score({ PER: [10, 11, 12], LOC: [6, 9, 8], [HOSTILE]: [0, 0, 1] }, mode),
    pt: score({ LOC: [2, 3, 2] }, mode),
  });
  return {
    version: 1,
    split: 'test',
    metrics: {
      conlleval: {
        overall: score({
          PER: [31 + f1Shift, 40, 40],
          LOC: [42 + f1Shift, 53, 52],
          ORG: [11, 20, 16],
          MISC: [4, 8, 7],
        }),
        byLanguage: byLanguage('conlleval'),
      },
      strict: {
        overall: score(
          { PER: [30 + f1Shift, 40, 40], LOC: [41, 53, 52], ORG: [10, 20, 16], MISC: [4, 8, 7] },
          'strict',
        ),
        byLanguage: byLanguage('strict'),
      },
      subsets: {
        ambiguous: {
          sentences: 40,
          precision: 60 + 3 * f1Shift,
          recall: 55 + 3 * f1Shift,
          f1: 57.4 + 3 * f1Shift,
        },
        [HOSTILE]: { sentences: 3, precision: 10, recall: 10, f1: 10 },
      },
    },
    sentences: SENTENCES,
  };
}

export const MULTI_REPORT: EvalReport = report(3);
export const TEXT_REPORT: EvalReport = report(0);

export function trainEvents(steps = 120): TrainEvent[] {
  const events: TrainEvent[] = [
    { type: 'runStart', time: 0, startStep: 0, totalSteps: steps, batchesPerEpoch: 40 },
  ];
  for (let step = 1; step <= steps; step++) {
    const crf = 20 * Math.exp(-step / 40) + 2;
    const clVit = 1.5 * Math.exp(-step / 80) + 0.6;
    events.push({
      type: 'step',
      time: step * 100,
      step,
      epoch: Math.floor((step - 1) / 40),
      loss: { crf, clVit, total: 2 * (0.8 * crf + 0.2 * clVit) },
      lr: 5e-5 * (1 - step / steps),
      gradNorm: 1,
      examplesPerSec: 30,
      etaSec: steps - step,
    });
    if (step % 40 === 0) {
      const f1 = 40 + step / 4;
      events.push({
        type: 'eval',
        time: step * 100 + 1,
        step,
        epoch: step / 40 - 1,
        split: 'dev',
        f1,
        perLanguage: { en: f1 + 2, fr: f1 - 3, de: f1 - 1, es: f1 + 1 },
        best: true,
      });
    }
  }
  return events;
}

export const ERRORS: EntityError[] = [
  {
    sentenceId: 's1',
    lang: 'en',
    class: 'wrong-type',
    gold: { start: 0, end: 1, type: 'PER' },
    pred: { start: 0, end: 1, type: 'LOC' },
  },
  { sentenceId: `s2${QUOTES}`, lang: 'fr', class: 'missed', gold: { start: 2, end: 3, type: 'LOC' } },
  { sentenceId: `s2${QUOTES}`, lang: 'fr', class: 'spurious', pred: { start: 3, end: 4, type: 'MISC' } },
  {
    sentenceId: 's3',
    lang: 'de',
    class: 'wrong-boundary',
    gold: { start: 0, end: 2, type: 'PER' },
    pred: { start: 0, end: 1, type: 'PER' },
  },
  {
    sentenceId: 's4',
    lang: 'es',
    class: 'wrong-type',
    gold: { start: 2, end: 3, type: 'LOC' },
    pred: { start: 2, end: 3, type: HOSTILE },
  },
];

export const ERROR_COUNTS: ErrorCounts = {
  en: { missed: 4, spurious: 3, 'wrong-type': 5, 'wrong-boundary': 2, 'wrong-type-boundary': 1 },
  fr: { missed: 2, spurious: 4, 'wrong-type': 1, 'wrong-boundary': 1, 'wrong-type-boundary': 0 },
  de: { missed: 3, spurious: 1, 'wrong-type': 2, 'wrong-boundary': 3, 'wrong-type-boundary': 1 },
  es: { missed: 1, spurious: 2, 'wrong-type': 2, 'wrong-boundary': 0, 'wrong-type-boundary': 1 },
  all: { missed: 10, spurious: 10, 'wrong-type': 10, 'wrong-boundary': 6, 'wrong-type-boundary': 3 },
};

export const CONFUSION: ConfusionMatrix = {
  labels: ['LOC', 'MISC', 'ORG', 'PER', 'O'],
  counts: [
    [42, 1, 3, 2, 5],
    [0, 4, 1, 0, 3],
    [2, 1, 11, 1, 5],
    [3, 0, 1, 31, 5],
    [4, 2, 0, 3, 0],
  ],
};

export const IMAGE_EFFECTS: ImageEffect[] = [
  {
    sentenceId: 's1',
    lang: 'en',
    correctText: 1,
    correctMulti: 2,
    errorsText: 2,
    errorsMulti: 1,
    effect: 'helped',
  },
  {
    sentenceId: 's4',
    lang: 'es',
    correctText: 2,
    correctMulti: 1,
    errorsText: 0,
    errorsMulti: 1,
    effect: 'hurt',
  },
];

/** A projection with `pairs` sentence–image pairs; image points lie near their sentences for most. */
export function alignment(pairs = 60, branch = 'cnn'): AlignmentSummary {
  const langs = ['en', 'fr', 'de', 'es'];
  const points: AlignmentSummary['projection']['points'] = [];
  for (let i = 0; i < pairs; i++) {
    const lang = langs[i % 4]!;
    const a = (i * 2.399) % (2 * Math.PI);
    const x = Math.cos(a) * (1 + (i % 7) / 3);
    const y = Math.sin(a) * (1 + (i % 5) / 3);
    const far = i % 9 === 0; // a loosely related image
    points.push({ id: i === 0 ? HOSTILE : `p${i}`, lang, kind: 'text', x, y });
    points.push({
      id: i === 0 ? HOSTILE : `p${i}`,
      lang,
      kind: 'image',
      x: far ? -x : x + 0.3,
      y: far ? -y : y + 0.2,
    });
  }
  const matched = Array.from({ length: pairs }, (_, i) => 0.2 + (0.6 * ((i * 37) % 100)) / 100);
  const shuffled = Array.from({ length: pairs }, (_, i) => -0.3 + (0.6 * ((i * 53) % 100)) / 100);
  const r = (r1: number) => ({ r1, r5: Math.min(100, r1 * 2.2), r10: Math.min(100, r1 * 3) });
  return {
    branch,
    retrieval: {
      en: { textToImage: r(21), imageToText: r(18), pairs: 15 },
      fr: { textToImage: r(14), imageToText: r(16), pairs: 15 },
      de: { textToImage: r(11), imageToText: r(12), pairs: 15 },
      es: { textToImage: r(19), imageToText: r(13), pairs: 15 },
      all: { textToImage: r(8), imageToText: r(7), pairs: 60 },
    },
    cosine: { matched, shuffled },
    projection: { method: 'pca', points },
  };
}

export const MISALIGNED: MisalignedPair[] = [
  { sentenceId: 's4', lang: 'es', branch: 'cnn', cosine: -0.12, changedByImage: true },
  { sentenceId: `s2${QUOTES}`, lang: 'fr', branch: 'cnn', cosine: 0.03, changedByImage: false },
  { sentenceId: 's1', lang: 'en', branch: 'cnn', cosine: 0.08 },
];

/** Attention of sentence s1 over a 2×3 grid: each token looks mostly at one region. */
export const ATTENTION: AttentionView = {
  sentenceId: 's1',
  branch: 'cnn',
  tokens: SENTENCES[0]!.tokens,
  grid: [2, 3],
  weights: SENTENCES[0]!.tokens.map((_, t) =>
    Array.from({ length: 6 }, (_, r) => (r === t % 6 ? 0.75 : 0.05)),
  ),
  gate: [0.9, 0.1, 0.5, 0.2, 0.8, 0.05],
};

/** A 1×1 PNG as a data URI (its bytes are not decoded by the pure builders). */
export const TINY_PNG = 'data:image/png;base64,iVBORw0KGgo=';

/**
 * A report model with every input, hostile names everywhere, two image branches, and images
 * given as file paths (one hostile file name) and as a data URI.
 */
export function fullModel(
  images: Record<string, string> = {
    s1: `pictures/${HOSTILE}.jpg`,
    [`s2${QUOTES}`]: TINY_PNG,
    s4: `pictures/${HOSTILE}.jpg`,
  },
): ReportModel {
  return {
    runName: `run ${HOSTILE} ${QUOTES}`,
    eval: MULTI_REPORT,
    compare: { name: `text ${AMP}`, eval: TEXT_REPORT },
    events: trainEvents(),
    analyses: {
      errors: ERRORS,
      errorCounts: ERROR_COUNTS,
      confusion: CONFUSION,
      imageEffects: IMAGE_EFFECTS,
      alignment: [alignment(40, 'cnn'), alignment(20, HOSTILE)],
      misaligned: MISALIGNED,
      attention: [ATTENTION],
    },
    images,
  };
}
