/**
 * Turns one template into one tagged sentence: draws names for its slots (keeping a share of
 * each list for dev/test only, so test has unseen names as real test sets do), writes hashtags
 * and mentions as single tokens, elides French `de`/`que`/… before vowels, and tags in IOB2.
 */

import type { Rng } from '../random.js';
import type { EntityType } from '../types.js';
import {
  joinName,
  type Lexicon,
  type ParsedName,
  parseName,
  parseReading,
  parseTemplate,
} from './lexicon.js';

export type SplitName = 'train' | 'dev' | 'test';

/** Share of every name list held out of train (used in dev and test only). */
const HOLDOUT_SHARE = 0.2;
/** Chance that a dev/test slot takes a held-out name. */
const HOLDOUT_PICK = 0.35;
/** Chance that a slot of a context template takes an ambiguous surface in one of its readings. */
const AMBIGUOUS_IN_CONTEXT = 0.04;

interface Split<T> {
  seen: T[];
  heldOut: T[];
}

function holdOut<T>(items: readonly T[], rng: Rng): Split<T> {
  const shuffled = rng.shuffle(items);
  const k = Math.max(1, Math.round(items.length * HOLDOUT_SHARE));
  return { seen: shuffled.slice(k), heldOut: shuffled.slice(0, k) };
}

/** The names of one language, split into train-visible and held-out parts. */
export class NamePool {
  private readonly first: Split<string>;
  private readonly last: Split<string>;
  private readonly lists = new Map<string, Split<ParsedName>>();
  readonly ambiguous: { surface: string; readings: ParsedName[] }[];

  constructor(
    readonly lexicon: Lexicon,
    rng: Rng,
  ) {
    this.first = holdOut(lexicon.firstNames, rng);
    this.last = holdOut(lexicon.lastNames, rng);
    for (const type of ['LOC', 'ORG', 'MISC'] as const) {
      for (const [sub, names] of Object.entries(lexicon.names[type])) {
        this.lists.set(
          `${type}.${sub}`,
          holdOut(
            names.map((e) => parseName(e, type, sub)),
            rng,
          ),
        );
      }
    }
    this.ambiguous = lexicon.ambiguous.map((a) => ({
      surface: a.surface,
      readings: a.readings.map((r) => parseReading(a.surface, r)),
    }));
  }

  private part<T>(split: Split<T>, splitName: SplitName, rng: Rng): T[] {
    return splitName !== 'train' && rng.chance(HOLDOUT_PICK) ? split.heldOut : split.seen;
  }

  /** A person name: first and last (60 %), first alone (25 %) or last alone. */
  private person(splitName: SplitName, rng: Rng, full: boolean): ParsedName {
    const first = rng.pick(this.part(this.first, splitName, rng));
    const last = rng.pick(this.part(this.last, splitName, rng));
    const r = full ? 0 : rng.next();
    const tokens = r < 0.6 ? [first, last] : r < 0.85 ? [first] : [last];
    return { tokens, type: 'PER', sub: undefined, scene: undefined };
  }

  /** A name of the given type (and subtype, if any); `full` asks for a first + last person name. */
  pick(type: EntityType, sub: string | undefined, splitName: SplitName, rng: Rng, full = false): ParsedName {
    if (type === 'PER') return this.person(splitName, rng, full);
    const keys = [...this.lists.keys()].filter((k) =>
      sub ? k === `${type}.${sub}` : k.startsWith(`${type}.`),
    );
    if (keys.length === 0) throw new Error(`no ${type}${sub ? `.${sub}` : ''} names in ${this.lexicon.lang}`);
    return rng.pick(this.part(this.lists.get(rng.pick(keys))!, splitName, rng));
  }

  /** Ambiguous surfaces in a reading that fits a slot of this type and subtype. */
  readingsFitting(type: EntityType, sub: string | undefined): ParsedName[] {
    return this.ambiguous.flatMap((a) =>
      a.readings.filter((r) => r.type === type && (!sub || !r.sub || r.sub === sub)),
    );
  }
}

/** An entity of a composed sentence: token span `[start, end)` and the name it came from. */
export interface ComposedEntity {
  type: EntityType;
  start: number;
  end: number;
  name: ParsedName;
}

export interface Composed {
  tokens: string[];
  tags: string[];
  entities: ComposedEntity[];
}

export interface ComposeContext {
  pool: NamePool;
  split: SplitName;
  rng: Rng;
  /** The name for the `{X}` slot of a neutral template. */
  key?: ParsedName;
}

const FRENCH_ELISION: Record<string, string> = {
  de: "d'",
  que: "qu'",
  le: "l'",
  la: "l'",
  je: "j'",
  me: "m'",
  ne: "n'",
  jusque: "jusqu'",
};

/** French `de Orange` → `d' Orange` (the elided word stays its own token, as in French corpora). */
function elide(tokens: string[], next: string): void {
  const prev = tokens[tokens.length - 1];
  if (prev === undefined || !/^[aeiouyhàâäéèêëîïôöùûü]/i.test(next)) return;
  const elided = FRENCH_ELISION[prev.toLowerCase()];
  if (elided)
    tokens[tokens.length - 1] =
      prev[0] === prev[0]!.toUpperCase() ? elided[0]!.toUpperCase() + elided.slice(1) : elided;
}

/** Fills a template; names are drawn so that no surface repeats within the sentence. */
export function compose(template: string, ctx: ComposeContext): Composed {
  const { pool, split, rng } = ctx;
  const tokens: string[] = [];
  const tags: string[] = [];
  const entities: ComposedEntity[] = [];
  const used = new Set<string>();

  const push = (name: ParsedName, form: 'plain' | 'hashtag' | 'mention') => {
    const words = form === 'plain' ? name.tokens : [(form === 'hashtag' ? '#' : '@') + joinName(name.tokens)];
    if (pool.lexicon.lang === 'fr' && form === 'plain') elide(tokens, words[0]!);
    const start = tokens.length;
    words.forEach((w, i) => {
      tokens.push(w);
      tags.push(`${i === 0 ? 'B' : 'I'}-${name.type}`);
    });
    entities.push({ type: name.type, start, end: tokens.length, name });
    used.add(name.tokens.join(' '));
  };

  const draw = (type: EntityType, sub: string | undefined, form: 'plain' | 'hashtag' | 'mention') => {
    if (form === 'plain' && rng.chance(AMBIGUOUS_IN_CONTEXT)) {
      const fitting = pool.readingsFitting(type, sub).filter((r) => !used.has(r.tokens.join(' ')));
      if (fitting.length > 0) return rng.pick(fitting);
    }
    let name = pool.pick(type, sub, split, rng, form !== 'plain');
    for (let tries = 0; tries < 8 && used.has(name.tokens.join(' ')); tries++) {
      name = pool.pick(type, sub, split, rng, form !== 'plain');
    }
    return name;
  };

  for (const part of parseTemplate(template)) {
    if (part.kind === 'word') {
      tokens.push(part.text);
      tags.push('O');
    } else if (part.kind === 'key') {
      if (!ctx.key) throw new Error(`template needs a key name: ${template}`);
      push(ctx.key, 'plain');
    } else if (part.kind === 'repeat-hashtag') {
      const prev = entities[entities.length - 1];
      if (!prev) throw new Error(`{#^} without a previous slot: ${template}`);
      push(prev.name, 'hashtag');
    } else {
      push(draw(part.type, part.sub, part.form), part.form);
    }
  }
  return { tokens, tags, entities };
}
