/**
 * What `runs/<name>/eval/<split>.json` holds: per-sentence tokens, gold and predicted tags, and
 * the scores overall, per language and per subset. Declared in core so every reader (CLI tables,
 * report, notebook renderer) shares one definition; `eval/` writes it.
 */
import type { ScoreResult } from '../metrics/result.js';

export interface EvalSentence {
  id: string;
  lang: string;
  tokens: string[];
  gold: string[];
  pred: string[];
  image?: string;
  /** Names of the subsets the sentence belongs to. */
  subsets?: string[];
}

export interface SubsetScore {
  sentences: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface EvalReport {
  version: 1;
  split: string;
  /** conlleval mode (the default report) and strict IOB2, overall and per language. */
  metrics: {
    conlleval: { overall: ScoreResult; byLanguage: Record<string, ScoreResult> };
    strict: { overall: ScoreResult; byLanguage: Record<string, ScoreResult> };
    /** conlleval F1 etc. per subset (all languages), e.g. `ambiguous`. */
    subsets: Record<string, SubsetScore>;
  };
  sentences: EvalSentence[];
}
