/**
 * The streaming interface every scorer implements: feed token rows and sentence boundaries one at
 * a time, read the result at the end. Nothing is kept per token, so a million rows cost only
 * the tallies. Pure, browser-safe.
 */
import type { ScoreResult } from './result.js';

export interface TagCounter {
  /** One token row: its gold tag and predicted tag. */
  token(gold: string, pred: string): void;
  /** A sentence boundary (a blank line or a `-X-` line): out of every entity, not a token. */
  boundary(): void;
  /** The score so far, as if the input ended here; the counter can go on being fed. */
  result(): ScoreResult;
}
