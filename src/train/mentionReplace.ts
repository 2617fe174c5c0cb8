/**
 * Mention replacement (Dai & Adel 2020), a training-time augmentation: each entity mention of a
 * training sentence is swapped, with probability p, for another training mention of the same
 * type drawn at random (by occurrence, so frequent names come up as often as they do in the
 * data). Context, language and image stay; the names change. The model then sees each context
 * with names it has not memorised there, the situation of a test set's unseen names.
 *
 * The draws come from a stream keyed by the seed and the batch's sentence indices, not by how
 * many numbers were drawn before: a resumed run rebuilds the same batches bit for bit.
 */
import { MmnerError } from '../core/errors.js';
import { Rng } from '../core/random.js';
import { spansToTags, tagsToSpans } from '../core/schemes/index.js';
import type { Sentence, Span } from '../core/types.js';

/** The training mentions of each entity type, one entry per occurrence. */
export class MentionPool {
  private readonly byType = new Map<string, string[][]>();

  constructor(sentences: readonly Sentence[]) {
    for (const s of sentences) {
      for (const span of tagsToSpans(s.tags)) {
        const list = this.byType.get(span.type) ?? [];
        list.push(s.tokens.slice(span.start, span.end));
        this.byType.set(span.type, list);
      }
    }
  }

  /** Occurrences of `type` in the pool (0 when the type never occurs). */
  count(type: string): number {
    return this.byType.get(type)?.length ?? 0;
  }

  /** A mention of `type` drawn by occurrence; undefined when there is none. */
  draw(type: string, rng: Rng): readonly string[] | undefined {
    const list = this.byType.get(type);
    return list && list.length > 0 ? list[rng.int(list.length)] : undefined;
  }
}

/**
 * `sentence` with each mention replaced with probability `p` by one from `pool` (tags in IOB2,
 * as the data layer normalises them). Returns the sentence itself when nothing was replaced.
 */
export function replaceMentions(sentence: Sentence, pool: MentionPool, p: number, rng: Rng): Sentence {
  const spans = tagsToSpans(sentence.tags);
  if (spans.length === 0) return sentence;
  const tokens: string[] = [];
  const out: Span[] = [];
  let at = 0;
  let changed = false;
  for (const span of spans) {
    tokens.push(...sentence.tokens.slice(at, span.start));
    const words = rng.chance(p) ? pool.draw(span.type, rng) : undefined;
    const name = words ?? sentence.tokens.slice(span.start, span.end);
    if (words) changed = true;
    out.push({ type: span.type, start: tokens.length, end: tokens.length + name.length });
    tokens.push(...name);
    at = span.end;
  }
  if (!changed) return sentence;
  tokens.push(...sentence.tokens.slice(at));
  return { ...sentence, tokens, tags: spansToTags(out, tokens.length, 'IOB2') };
}

/**
 * The batch transform a trainer applies to the sentences `indices` selected from `train`: the
 * same indices and seed always give the same sentences. p = 0 returns the originals.
 */
export function mentionReplacer(
  train: readonly Sentence[],
  p: number,
  seed: number | string,
): (indices: readonly number[]) => Sentence[] {
  if (!(p >= 0 && p <= 1)) {
    throw new MmnerError('E_CONFIG', `train.mentionReplace must be a probability in [0, 1], got ${p}`, {
      hint: 'use 0 (off) or e.g. 0.3 (--set train.mentionReplace=0.3)',
    });
  }
  const pick = (indices: readonly number[]) => indices.map((i) => train[i]!);
  if (p === 0) return pick;
  const pool = new MentionPool(train);
  const root = new Rng(seed).derive('mention-replace');
  return (indices) => {
    const rng = root.derive(indices.join(','));
    return pick(indices).map((s) => replaceMentions(s, pool, p, rng));
  };
}
