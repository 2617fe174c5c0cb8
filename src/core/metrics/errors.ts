/**
 * Entity-level error analysis of an eval report: every gold or predicted entity that is not an
 * exact match gets one error class (missed, spurious, wrong type, wrong boundary, both), counted
 * per language, plus a gold-type × predicted-type confusion matrix. Spans are read as conlleval
 * reads them (`tagsToSpans`), so the counts add up to conlleval's. Pure, browser-safe.
 *
 * Matching, per sentence:
 * 1. same boundaries: same type → correct, other type → `wrong-type`;
 * 2. among the rest, overlapping gold/prediction pairs are paired one-to-one, largest overlap
 *    first (ties: same type first, then earlier gold start, then earlier prediction start) →
 *    `wrong-boundary` (same type) or `wrong-type-boundary`;
 * 3. a gold span left over is `missed` when no prediction overlaps it; otherwise every prediction
 *    over it is already paired, and it becomes a second `wrong-boundary` / `wrong-type-boundary`
 *    against the one of largest overlap, marked `reused: 'pred'`. Leftover predictions likewise:
 *    `spurious`, or an error against the gold span of largest overlap, `reused: 'gold'`.
 * So each entity that is not correct appears in exactly one error as a non-reused side, and
 * errors with a non-reused gold side number foundGold − correct (with a prediction side:
 * foundPred − correct). Step 3 keeps the class names true to their definitions: a prediction
 * that cuts a gold entity in two is a boundary error, not a spurious one.
 */

import { MmnerError } from '../errors.js';
import type { ConfusionMatrix, EntityError, ErrorClass, ErrorCounts, Span } from '../run/analysis.js';
import { ERROR_CLASSES } from '../run/analysis.js';
import type { EvalReport, EvalSentence } from '../run/evalFile.js';
import { tagsToSpans } from '../schemes/spans.js';
import { ENTITY_TYPES } from '../types.js';
import { compareBytes } from './perlFormat.js';

/** One sentence's outcome: its spans, how many match exactly, and the errors by position. */
export interface SentenceOutcome {
  gold: Span[];
  pred: Span[];
  correct: number;
  errors: EntityError[];
}

function overlap(a: Span, b: Span): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}

const classOf = (gold: Span, pred: Span): ErrorClass =>
  gold.type === pred.type ? 'wrong-boundary' : 'wrong-type-boundary';

/** The overlapping span of `others` with the largest overlap (same type, then earlier, on ties). */
function bestOverlap(span: Span, others: readonly Span[]): Span | undefined {
  let best: Span | undefined;
  let bestOverlapSize = 0;
  for (const o of others) {
    const size = overlap(span, o);
    if (size === 0) continue;
    const better =
      size > bestOverlapSize ||
      (size === bestOverlapSize && o.type === span.type && best!.type !== span.type);
    if (better) {
      best = o;
      bestOverlapSize = size;
    }
  }
  return best;
}

function spansOf(s: EvalSentence): { gold: Span[]; pred: Span[] } {
  if (s.gold.length !== s.pred.length) {
    throw new MmnerError(
      'E_SCORE_LENGTH',
      `sentence ${s.id}: ${s.gold.length} gold tags but ${s.pred.length} predicted tags`,
      { hint: 'the eval file is damaged; run `mmner eval` again' },
    );
  }
  return { gold: tagsToSpans(s.gold), pred: tagsToSpans(s.pred) };
}

/** Classifies the entities of one sentence (see the file comment for the matching rule). */
export function sentenceOutcome(s: EvalSentence): SentenceOutcome {
  const { gold, pred } = spansOf(s);
  const errors: EntityError[] = [];
  const base = { sentenceId: s.id, lang: s.lang };
  const goldPaired = new Array<boolean>(gold.length).fill(false);
  const predPaired = new Array<boolean>(pred.length).fill(false);
  let correct = 0;

  // 1. Same boundaries. Spans of one side never overlap, so such a pair is unique.
  const predAt = new Map(pred.map((p, j) => [`${p.start}:${p.end}`, j]));
  gold.forEach((g, i) => {
    const j = predAt.get(`${g.start}:${g.end}`);
    if (j === undefined) return;
    goldPaired[i] = predPaired[j] = true;
    if (g.type === pred[j]!.type) correct++;
    else errors.push({ ...base, class: 'wrong-type', gold: g, pred: pred[j]! });
  });

  // 2. One-to-one pairs among overlapping leftovers, largest overlap first.
  const candidates: { i: number; j: number; size: number; same: boolean }[] = [];
  gold.forEach((g, i) => {
    if (goldPaired[i]) return;
    pred.forEach((p, j) => {
      const size = predPaired[j] ? 0 : overlap(g, p);
      if (size > 0) candidates.push({ i, j, size, same: g.type === p.type });
    });
  });
  candidates.sort(
    (a, b) =>
      b.size - a.size ||
      Number(b.same) - Number(a.same) ||
      gold[a.i]!.start - gold[b.i]!.start ||
      pred[a.j]!.start - pred[b.j]!.start,
  );
  for (const { i, j } of candidates) {
    if (goldPaired[i] || predPaired[j]) continue;
    goldPaired[i] = predPaired[j] = true;
    errors.push({ ...base, class: classOf(gold[i]!, pred[j]!), gold: gold[i]!, pred: pred[j]! });
  }

  // 3. Leftovers: alone → missed / spurious; over a paired span → a second error against it.
  gold.forEach((g, i) => {
    if (goldPaired[i]) return;
    const p = bestOverlap(g, pred);
    errors.push(
      p
        ? { ...base, class: classOf(g, p), gold: g, pred: p, reused: 'pred' }
        : { ...base, class: 'missed', gold: g },
    );
  });
  pred.forEach((p, j) => {
    if (predPaired[j]) return;
    const g = bestOverlap(p, gold);
    errors.push(
      g
        ? { ...base, class: classOf(g, p), gold: g, pred: p, reused: 'gold' }
        : { ...base, class: 'spurious', pred: p },
    );
  });

  // In order of the gold span's start (a spurious one's: the prediction's), then the prediction's.
  const goldStart = (e: EntityError) => e.gold?.start ?? e.pred!.start;
  const predStart = (e: EntityError) => e.pred?.start ?? e.gold!.start;
  errors.sort((a, b) => goldStart(a) - goldStart(b) || predStart(a) - predStart(b));
  return { gold, pred, correct, errors };
}

/** Every entity error of the report, sentence by sentence, in order of position. */
export function entityErrors(report: EvalReport): EntityError[] {
  return report.sentences.flatMap((s) => sentenceOutcome(s).errors);
}

const zeroCounts = (): Record<ErrorClass, number> =>
  Object.fromEntries(ERROR_CLASSES.map((c) => [c, 0])) as Record<ErrorClass, number>;

/**
 * Errors per language and class, then `all`. Languages appear in order of first error;
 * `languages` lists ones to include (with zeros) even without errors, first.
 */
export function errorCounts(errors: readonly EntityError[], languages: readonly string[] = []): ErrorCounts {
  const byLang = new Map<string, Record<ErrorClass, number>>();
  for (const lang of languages) byLang.set(lang, zeroCounts());
  const all = zeroCounts();
  for (const e of errors) {
    let row = byLang.get(e.lang);
    if (!row) {
      row = zeroCounts();
      byLang.set(e.lang, row);
    }
    row[e.class]++;
    all[e.class]++;
  }
  // fromEntries defines own properties, so a language named `__proto__` stays data.
  return Object.fromEntries([...byLang, ['all', all]]);
}

/** The task's types in their usual order, then any others in byte order. */
function typeOrder(types: ReadonlySet<string>): string[] {
  const known: string[] = ENTITY_TYPES.filter((t) => types.has(t));
  const others = [...types].filter((t) => !known.includes(t)).sort(compareBytes);
  return [...known, ...others];
}

/**
 * Gold type → predicted type over exact spans: a gold entity predicted with the same boundaries
 * counts at [gold type][predicted type] (correct ones on the diagonal); one whose boundaries no
 * prediction has counts at [gold type][O]; a prediction with no gold entity at its boundaries at
 * [O][predicted type]. So row sums are the gold entities of each type, column sums the predicted
 * ones, and the diagonal is conlleval's per-type `correct`. Boundary errors show as both a
 * [type][O] and an [O][type] count; `entityErrors` tells them apart.
 */
export function confusionMatrix(report: EvalReport): ConfusionMatrix {
  const pairs: [string, string][] = [];
  const types = new Set<string>();
  for (const s of report.sentences) {
    const { gold, pred } = spansOf(s);
    const predAt = new Map(pred.map((p) => [`${p.start}:${p.end}`, p]));
    const goldAt = new Set(gold.map((g) => `${g.start}:${g.end}`));
    for (const g of gold) pairs.push([g.type, predAt.get(`${g.start}:${g.end}`)?.type ?? 'O']);
    for (const p of pred) if (!goldAt.has(`${p.start}:${p.end}`)) pairs.push(['O', p.type]);
    for (const sp of [...gold, ...pred]) types.add(sp.type);
  }
  const labels = [...typeOrder(types), 'O'];
  const index = new Map(labels.map((l, i) => [l, i]));
  const counts = labels.map(() => new Array<number>(labels.length).fill(0));
  for (const [g, p] of pairs) counts[index.get(g)!]![index.get(p)!]!++;
  return { labels, counts };
}
