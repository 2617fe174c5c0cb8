/**
 * The classic CoNLL text-only baseline: each word gets the tag it carried most often in the
 * training data (ties → the tag seen first), unseen words get O, and the output is repaired to
 * valid IOB2. A floor that any learned model must beat, and a probe of how much the text alone
 * tells: on the sample data's ambiguous subset it cannot beat chance.
 */
import type { Sentence } from '../core/types.js';

export class MostFrequentTagBaseline {
  private readonly best = new Map<string, string>();

  constructor(train: readonly Sentence[]) {
    const counts = new Map<string, Map<string, number>>();
    for (const s of train) {
      s.tokens.forEach((token, i) => {
        const byTag = counts.get(token) ?? new Map<string, number>();
        const tag = s.tags[i]!;
        byTag.set(tag, (byTag.get(tag) ?? 0) + 1);
        counts.set(token, byTag);
      });
    }
    for (const [token, byTag] of counts) {
      let bestTag = 'O';
      let bestCount = 0;
      for (const [tag, n] of byTag) {
        if (n > bestCount) {
          bestTag = tag;
          bestCount = n;
        }
      }
      this.best.set(token, bestTag);
    }
  }

  /** Tags for one sentence's tokens, valid IOB2. */
  predict(tokens: readonly string[]): string[] {
    const raw = tokens.map((t) => this.best.get(t) ?? 'O');
    return raw.map((tag, i) => {
      if (!tag.startsWith('I-')) return tag;
      const prev = i > 0 ? raw[i - 1]! : 'O';
      // An I- that does not continue a chunk of its type begins one.
      return prev !== 'O' && prev.slice(2) === tag.slice(2) ? tag : `B-${tag.slice(2)}`;
    });
  }
}
