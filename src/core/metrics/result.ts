/**
 * The score of a tagging, as every scorer returns it and every consumer (report, JSON, eval,
 * renderer) reads it. Rates are percentages computed as conlleval computes them (100·a/b), so
 * the JSON holds exactly the numbers the report rounds. Pure, browser-safe.
 */
import { compareBytes } from './perlFormat.js';

/** `conlleval`: conlleval.pl's lenient chunks; `strict`: seqeval mode='strict' entities. */
export type ScoreMode = 'conlleval' | 'strict';
/** Tag schemes strict mode reads (seqeval's IOB2 and IOBES). */
export type StrictScheme = 'IOB2' | 'BIOES';
export const STRICT_SCHEMES: readonly StrictScheme[] = ['IOB2', 'BIOES'];

export interface ScoreCounts {
  /** Token lines (boundaries excluded). */
  tokens: number;
  /** Tokens whose predicted tag equals the gold tag. */
  correctTags: number;
  /** Entities (phrases) in the gold tags. */
  foundGold: number;
  /** Entities in the predicted tags. */
  foundPred: number;
  /** Predicted entities with the gold entity's type, start and end. */
  correct: number;
}

/** Precision, recall and F1, in percent (0–100); 0 where the denominator is 0. */
export interface PRF {
  precision: number;
  recall: number;
  f1: number;
}

export interface TypeScore extends PRF {
  type: string;
  foundGold: number;
  foundPred: number;
  correct: number;
}

export interface ScoreResult {
  mode: ScoreMode;
  /** Strict mode only. */
  scheme?: StrictScheme;
  counts: ScoreCounts;
  /** Token accuracy in percent: 100·correctTags/tokens (0 without tokens). */
  accuracy: number;
  /** Micro average over all entities: conlleval's overall line. */
  overall: PRF;
  /** Unweighted mean of the per-type precision, recall and F1 (as seqeval's "macro avg"). */
  macro: PRF;
  /** Every type found in gold or predictions, in conlleval's order (byte order). */
  types: TypeScore[];
}

/** Per-type tallies while counting. */
export interface TypeTally {
  gold: number;
  pred: number;
  correct: number;
}

/** P/R/F1 with conlleval's arithmetic, operation for operation (the report rounds these). */
export function prf(correct: number, foundGold: number, foundPred: number): PRF {
  const precision = foundPred > 0 ? (100 * correct) / foundPred : 0;
  const recall = foundGold > 0 ? (100 * correct) / foundGold : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** Assembles a result from final tallies; types with no entity on either side are left out. */
export function buildResult(
  mode: ScoreMode,
  scheme: StrictScheme | undefined,
  counts: ScoreCounts,
  tallies: ReadonlyMap<string, TypeTally>,
): ScoreResult {
  const types: TypeScore[] = [];
  for (const [type, t] of tallies) {
    if (t.gold === 0 && t.pred === 0) continue;
    types.push({
      type,
      foundGold: t.gold,
      foundPred: t.pred,
      correct: t.correct,
      ...prf(t.correct, t.gold, t.pred),
    });
  }
  types.sort((a, b) => compareBytes(a.type, b.type));
  const result: ScoreResult = {
    mode,
    counts,
    accuracy: counts.tokens > 0 ? (100 * counts.correctTags) / counts.tokens : 0,
    overall: prf(counts.correct, counts.foundGold, counts.foundPred),
    macro: macroAverage(types),
    types,
  };
  if (scheme) result.scheme = scheme;
  return result;
}

/** Mean of each rate over the given rows; zeros when there are none. */
export function macroAverage(rows: readonly PRF[]): PRF {
  if (rows.length === 0) return { precision: 0, recall: 0, f1: 0 };
  let p = 0;
  let r = 0;
  let f = 0;
  for (const row of rows) {
    p += row.precision;
    r += row.recall;
    f += row.f1;
  }
  return { precision: p / rows.length, recall: r / rows.length, f1: f / rows.length };
}
