/**
 * Scoring from tags in memory: pick a counter by mode, feed sentences (a boundary between each,
 * as a blank line in a conlleval file), and break the score down by language for eval. Pure.
 */
import { MmnerError } from '../errors.js';
import { ConllevalCounter } from './conlleval.js';
import type { TagCounter } from './counter.js';
import { macroAverage, type PRF, type ScoreMode, type ScoreResult, type StrictScheme } from './result.js';
import { StrictCounter } from './strict.js';

export interface ScoreOptions {
  /** `conlleval` (default): conlleval.pl's chunks; `strict`: seqeval mode='strict'. */
  mode?: ScoreMode;
  /** Strict mode's scheme (default IOB2); ignored by conlleval mode, which reads any scheme. */
  scheme?: StrictScheme;
}

export function createCounter(options: ScoreOptions = {}): TagCounter {
  return options.mode === 'strict' ? new StrictCounter(options.scheme ?? 'IOB2') : new ConllevalCounter();
}

type TagRows = readonly (readonly string[])[];

/** Feeds sentence pairs to `counter`; a sentence's gold and predicted tags must be as long. */
export function feedSentences(counter: TagCounter, gold: TagRows, pred: TagRows, offset = 0): void {
  if (gold.length !== pred.length) {
    throw new MmnerError('E_SCORE_LENGTH', `${gold.length} gold sentences but ${pred.length} predicted ones`);
  }
  for (let s = 0; s < gold.length; s++) {
    const g = gold[s]!;
    const p = pred[s]!;
    if (g.length !== p.length) {
      throw new MmnerError(
        'E_SCORE_LENGTH',
        `sentence ${s + offset}: ${g.length} gold tags but ${p.length} predicted tags`,
      );
    }
    if (s > 0) counter.boundary();
    for (let i = 0; i < g.length; i++) counter.token(g[i]!, p[i]!);
  }
}

/**
 * Scores predicted tags against gold tags, sentence by sentence. Same numbers as conlleval.pl on
 * a file of `token gold pred` lines with one blank line between sentences.
 */
export function scoreSentences(gold: TagRows, pred: TagRows, options: ScoreOptions = {}): ScoreResult {
  const counter = createCounter(options);
  feedSentences(counter, gold, pred);
  return counter.result();
}

/** A gold sentence as readers produce it: its language and tags. */
export interface LanguageTagged {
  lang: string;
  tags: readonly string[];
}

export interface LanguageScores {
  /** All sentences together (micro over languages). */
  overall: ScoreResult;
  /** One result per language, keys in order of first appearance. */
  byLanguage: Record<string, ScoreResult>;
  /** Unweighted mean over languages of their overall precision, recall and F1. */
  languageMacro: PRF;
}

/**
 * Scores per language and overall. `pred[i]` is sentence i's predicted tags, or a sentence
 * object carrying them.
 */
export function scoreByLanguage(
  gold: readonly LanguageTagged[],
  pred: readonly (readonly string[] | { tags: readonly string[] })[],
  options: ScoreOptions = {},
): LanguageScores {
  if (gold.length !== pred.length) {
    throw new MmnerError('E_SCORE_LENGTH', `${gold.length} gold sentences but ${pred.length} predicted ones`);
  }
  const tagsOf = (p: readonly string[] | { tags: readonly string[] }) => ('tags' in p ? p.tags : p);
  const overall = createCounter(options);
  const counters = new Map<string, { counter: TagCounter; any: boolean }>();
  for (let s = 0; s < gold.length; s++) {
    const g = gold[s]!;
    const p = tagsOf(pred[s]!);
    let entry = counters.get(g.lang);
    if (!entry) {
      entry = { counter: createCounter(options), any: false };
      counters.set(g.lang, entry);
    }
    // Validate lengths once, then feed the same rows to both counters.
    if (g.tags.length !== p.length) {
      throw new MmnerError(
        'E_SCORE_LENGTH',
        `sentence ${s} (${g.lang}): ${g.tags.length} gold tags but ${p.length} predicted tags`,
      );
    }
    if (s > 0) overall.boundary();
    if (entry.any) entry.counter.boundary();
    entry.any = true;
    for (let i = 0; i < p.length; i++) {
      overall.token(g.tags[i]!, p[i]!);
      entry.counter.token(g.tags[i]!, p[i]!);
    }
  }
  // fromEntries defines own properties, so even a language named `__proto__` stays data.
  const byLanguage: Record<string, ScoreResult> = Object.fromEntries(
    [...counters].map(([lang, { counter }]) => [lang, counter.result()]),
  );
  return {
    overall: overall.result(),
    byLanguage,
    languageMacro: macroAverage(Object.values(byLanguage).map((r) => r.overall)),
  };
}
