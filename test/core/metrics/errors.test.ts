/**
 * Entity error classes, the overlap rule, per-language counts and the confusion matrix, on
 * hand-built sentences; then on real data, against conlleval's counts for the same tags.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDataFile } from '../../../src/core/data/readFile.node.js';
import { MmnerError } from '../../../src/core/errors.js';
import {
  confusionMatrix,
  entityErrors,
  errorCounts,
  sentenceOutcome,
} from '../../../src/core/metrics/errors.js';
import { scoreSentences } from '../../../src/core/metrics/index.js';
import { Rng } from '../../../src/core/random.js';
import type { EntityError, ErrorClass } from '../../../src/core/run/analysis.js';
import type { EvalReport, EvalSentence } from '../../../src/core/run/evalFile.js';
import { spansToTags, tagsToSpans } from '../../../src/core/schemes/spans.js';
import type { Span } from '../../../src/core/types.js';
import { NO_SHARED_DATA, shared } from '../data/helpers.js';

/** A sentence from space-separated gold and predicted tags. */
function sentence(id: string, gold: string, pred: string, lang = 'en'): EvalSentence {
  const g = gold.split(' ');
  return { id, lang, tokens: g.map((_, i) => `w${i}`), gold: g, pred: pred.split(' ') };
}

/** The errors functions read only `sentences`; the scores are left empty. */
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

/** `class gold→pred` with spans as `TYPE[start,end)`, and `*` marking the reused side. */
function show(e: EntityError): string {
  const span = (s: Span | undefined, side: 'gold' | 'pred') =>
    s ? `${s.type}[${s.start},${s.end})${e.reused === side ? '*' : ''}` : '-';
  return `${e.class} ${span(e.gold, 'gold')}→${span(e.pred, 'pred')}`;
}

const outcome = (gold: string, pred: string) => sentenceOutcome(sentence('s', gold, pred));

test('each error class from its definition, and exact matches are no error', () => {
  const cases: [string, string, string[], number][] = [
    ['B-PER I-PER O', 'B-PER I-PER O', [], 1],
    ['O B-LOC O', 'O O O', ['missed LOC[1,2)→-'], 0],
    ['O O O', 'O B-ORG O', ['spurious -→ORG[1,2)'], 0],
    ['B-PER I-PER O', 'B-ORG I-ORG O', ['wrong-type PER[0,2)→ORG[0,2)'], 0],
    ['B-ORG I-ORG I-ORG', 'B-ORG I-ORG O', ['wrong-boundary ORG[0,3)→ORG[0,2)'], 0],
    ['B-ORG I-ORG O', 'O B-LOC I-LOC', ['wrong-type-boundary ORG[0,2)→LOC[1,3)'], 0],
    // Unrelated spans in one sentence: one missed, one spurious, one correct.
    ['B-PER O O B-LOC', 'O O B-MISC B-LOC', ['missed PER[0,1)→-', 'spurious -→MISC[2,3)'], 1],
  ];
  for (const [gold, pred, want, correct] of cases) {
    const o = outcome(gold, pred);
    assert.deepEqual(o.errors.map(show), want, `${gold} / ${pred}`);
    assert.equal(o.correct, correct, `${gold} / ${pred}`);
  }
});

test('a prediction that splits a gold entity: one pair, and the rest is a boundary error against it', () => {
  // "New York Yankees" (ORG) predicted as "New York" (LOC) + "Yankees" (ORG).
  const o = outcome('B-ORG I-ORG I-ORG', 'B-LOC I-LOC B-ORG');
  assert.deepEqual(o.errors.map(show), [
    'wrong-type-boundary ORG[0,3)→LOC[0,2)',
    'wrong-boundary ORG[0,3)*→ORG[2,3)',
  ]);
});

test('a prediction that merges two gold entities: the smaller overlap is a second error against it', () => {
  const o = outcome('B-LOC I-LOC B-ORG', 'B-ORG I-ORG I-ORG');
  assert.deepEqual(o.errors.map(show), [
    'wrong-type-boundary LOC[0,2)→ORG[0,3)',
    'wrong-boundary ORG[2,3)→ORG[0,3)*',
  ]);
});

test('pairs go by largest overlap over the whole sentence, not in gold order', () => {
  // Gold A = PER[0,2), B = PER[2,5); prediction PER[1,4) overlaps A by 1 and B by 2.
  const o = outcome('B-PER I-PER B-PER I-PER I-PER', 'O B-PER I-PER I-PER O');
  assert.deepEqual(o.errors.map(show), [
    'wrong-boundary PER[0,2)→PER[1,4)*',
    'wrong-boundary PER[2,5)→PER[1,4)',
  ]);
});

test('equal overlaps: the same-type partner is paired first', () => {
  // Prediction LOC[0,2) overlaps gold PER[0,1) and LOC[1,2) by one token each.
  const o = outcome('B-PER B-LOC', 'B-LOC I-LOC');
  assert.deepEqual(o.errors.map(show), [
    'wrong-type-boundary PER[0,1)→LOC[0,2)*',
    'wrong-boundary LOC[1,2)→LOC[0,2)',
  ]);
});

test('errors keep the report order and carry sentence id and language', () => {
  const report = reportOf([
    sentence('a', 'B-PER O', 'O O', 'fr'),
    sentence('b', 'O O', 'O B-LOC', 'de'),
    sentence('c', 'B-ORG O', 'B-ORG O', 'fr'),
  ]);
  const errors = entityErrors(report);
  assert.deepEqual(
    errors.map((e) => [e.sentenceId, e.lang, e.class]),
    [
      ['a', 'fr', 'missed'],
      ['b', 'de', 'spurious'],
    ],
  );
});

test('errorCounts: per language in order of first error, then all; listed languages kept at zero', () => {
  const report = reportOf([
    sentence('a', 'B-PER O B-LOC', 'O O B-ORG', 'fr'),
    sentence('b', 'O O', 'O B-LOC', 'de'),
    sentence('c', 'B-ORG I-ORG', 'B-ORG O', 'fr'),
  ]);
  const counts = errorCounts(entityErrors(report), ['es']);
  assert.deepEqual(Object.keys(counts), ['es', 'fr', 'de', 'all']);
  const zero = { missed: 0, spurious: 0, 'wrong-type': 0, 'wrong-boundary': 0, 'wrong-type-boundary': 0 };
  assert.deepEqual(counts.es, zero);
  assert.deepEqual(counts.fr, { ...zero, missed: 1, 'wrong-type': 1, 'wrong-boundary': 1 });
  assert.deepEqual(counts.de, { ...zero, spurious: 1 });
  assert.deepEqual(counts.all, { ...zero, missed: 1, spurious: 1, 'wrong-type': 1, 'wrong-boundary': 1 });
});

test('confusionMatrix over exact spans, counted by hand', () => {
  const report = reportOf([
    // PER correct; LOC predicted as ORG (same span); MISC missed.
    sentence('a', 'B-PER O B-LOC O B-MISC', 'B-PER O B-ORG O O'),
    // ORG with wrong boundary → ORG→O and O→ORG; a spurious LOC.
    sentence('b', 'B-ORG I-ORG O O', 'B-ORG O O B-LOC'),
    // Two PER correct, one ORG correct.
    sentence('c', 'B-PER B-PER O B-ORG', 'B-PER B-PER O B-ORG'),
  ]);
  const m = confusionMatrix(report);
  assert.deepEqual(m.labels, ['PER', 'LOC', 'ORG', 'MISC', 'O']);
  assert.deepEqual(m.counts, [
    // PER LOC ORG MISC O   (predicted)
    [3, 0, 0, 0, 0], // PER
    [0, 0, 1, 0, 0], // LOC
    [0, 0, 1, 0, 1], // ORG
    [0, 0, 0, 0, 1], // MISC
    [0, 1, 1, 0, 0], // O
  ]);
});

test('types outside the task follow the usual four in byte order', () => {
  const m = confusionMatrix(reportOf([sentence('a', 'B-ZZZ B-PER B-AAA', 'B-ZZZ B-PER O')]));
  assert.deepEqual(m.labels, ['PER', 'AAA', 'ZZZ', 'O']);
});

test('gold and prediction of different lengths are an MmnerError naming the sentence', () => {
  const bad = { ...sentence('x7', 'O B-PER', 'O B-PER'), pred: ['O'] };
  for (const f of [() => entityErrors(reportOf([bad])), () => confusionMatrix(reportOf([bad]))]) {
    assert.throws(
      f,
      (e: unknown) => e instanceof MmnerError && e.code === 'E_SCORE_LENGTH' && /x7/.test(e.message),
    );
  }
});

// ---------------------------------------------------------------------------------------------
// Real data: Twitter-2017 test gold against a seeded perturbation of itself.

const TYPES = ['PER', 'LOC', 'ORG', 'MISC'];

/** Gold spans with seeded mistakes: dropped, retyped, shifted, split, merged, and some invented. */
function perturb(tags: readonly string[], rng: Rng): string[] {
  const gold = tagsToSpans(tags);
  const n = tags.length;
  const other = (t: string) => rng.pick(TYPES.filter((x) => x !== t));
  const candidates: Span[] = [];
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i]!;
    const r = rng.next();
    if (r < 0.1) continue;
    if (r < 0.2) candidates.push({ ...g, type: other(g.type) });
    else if (r < 0.28) {
      const start = Math.min(Math.max(0, g.start + rng.pick([-1, 1])), g.end - 1);
      const end = Math.max(Math.min(n, g.end + rng.pick([-1, 1])), start + 1);
      candidates.push({ type: rng.chance(0.5) ? g.type : other(g.type), start, end });
    } else if (r < 0.33 && g.end - g.start >= 2) {
      const mid = g.start + 1 + rng.int(g.end - g.start - 1);
      candidates.push({ ...g, end: mid }, { type: rng.pick(TYPES), start: mid, end: g.end });
    } else if (r < 0.38 && i + 1 < gold.length) {
      candidates.push({ type: rng.pick([g.type, gold[i + 1]!.type]), start: g.start, end: gold[i + 1]!.end });
      i++;
    } else candidates.push(g);
  }
  for (let t = 0; t < n; t++)
    if (rng.chance(0.02)) candidates.push({ type: rng.pick(TYPES), start: t, end: t + 1 });
  // Keep what does not overlap what was kept before (in start order).
  candidates.sort((a, b) => a.start - b.start || a.end - b.end);
  const kept: Span[] = [];
  for (const c of candidates) if (!kept.length || c.start >= kept[kept.length - 1]!.end) kept.push(c);
  return spansToTags(kept, n, 'IOB2');
}

test('real data: error counts add up to conlleval counts on Twitter-2017 test', {
  skip: NO_SHARED_DATA,
}, async () => {
  const { sentences } = await readDataFile(shared('twitter2017/test.txt'));
  const rng = new Rng('errors-real-data');
  const report = reportOf(
    sentences.map((s) => ({
      id: s.id,
      lang: s.lang,
      tokens: s.tokens,
      gold: s.tags,
      pred: perturb(s.tags, rng.derive(s.id)),
    })),
  );
  const conll = scoreSentences(
    report.sentences.map((s) => s.gold),
    report.sentences.map((s) => s.pred),
  );
  const { foundGold, foundPred, correct } = conll.counts;
  const errors = entityErrors(report);
  const counts = errorCounts(errors);
  const all = counts.all!;
  for (const c of Object.keys(all) as ErrorClass[])
    assert.ok(all[c] > 50, `too few ${c} errors to test: ${all[c]}`);
  const reusedGold = errors.filter((e) => e.reused === 'gold').length;
  const reusedPred = errors.filter((e) => e.reused === 'pred').length;
  assert.ok(reusedGold > 0 && reusedPred > 0, 'the perturbation should split and merge entities');

  // Each entity that is not correct is the non-reused side of exactly one error, so:
  //   missed + wrong-* − (errors whose gold is reused) = foundGold − correct
  //   spurious + wrong-* − (errors whose prediction is reused) = foundPred − correct
  const wrong = all['wrong-type'] + all['wrong-boundary'] + all['wrong-type-boundary'];
  assert.equal(all.missed + wrong - reusedGold, foundGold - correct);
  assert.equal(all.spurious + wrong - reusedPred, foundPred - correct);
  // The same without the flags: distinct spans named by the errors.
  const distinct = (side: 'gold' | 'pred') =>
    new Set(errors.flatMap((e) => (e[side] ? [`${e.sentenceId}|${e[side].start}|${e[side].end}`] : []))).size;
  assert.equal(distinct('gold'), foundGold - correct);
  assert.equal(distinct('pred'), foundPred - correct);
  // Per language rows add up to `all`.
  const total = (row: Record<ErrorClass, number>) => Object.values(row).reduce((a, b) => a + b, 0);
  assert.equal(total(all), errors.length);
  assert.equal(
    Object.entries(counts)
      .filter(([k]) => k !== 'all')
      .reduce((a, [, row]) => a + total(row), 0),
    errors.length,
  );

  // Confusion matrix: rows are conlleval's gold counts per type, columns its predicted counts,
  // the diagonal its correct counts.
  const m = confusionMatrix(report);
  const perType = new Map(conll.types.map((t) => [t.type, t]));
  m.labels.forEach((label, r) => {
    if (label === 'O') return;
    const t = perType.get(label)!;
    assert.equal(
      m.counts[r]!.reduce((a, b) => a + b, 0),
      t.foundGold,
      `row ${label}`,
    );
    assert.equal(
      m.counts.reduce((a, row) => a + row[r]!, 0),
      t.foundPred,
      `column ${label}`,
    );
    assert.equal(m.counts[r]![r], t.correct, `diagonal ${label}`);
  });
  assert.equal(m.labels.length - 1, conll.types.length);
});
