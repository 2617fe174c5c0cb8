/**
 * The embedded sample dataset, in memory: sentences per language and split, the scene each
 * image shows, and the two subsets that make the image's value measurable (ambiguous: only the
 * image tells the type; unrelated-image: the image does not show the key entity). Pure and
 * browser-safe; `write.node.ts` renders and writes it.
 */

import { Rng } from '../random.js';
import { type EntityType, LANGUAGES, type Language, type Sentence } from '../types.js';
import { type ComposeContext, compose, NamePool, type SplitName } from './compose.js';
import { LEXICONS } from './lexicon/index.js';
import type { ParsedName } from './lexicon.js';
import {
  ALL_SCENE_KINDS,
  SCENE_KINDS,
  type SceneKind,
  sceneSvg,
  sceneType,
  UNRELATED_KINDS,
} from './scenes.js';

export type { SplitName } from './compose.js';

/** Bumped whenever the same seed and size would give different files. */
export const SAMPLE_GENERATOR_VERSION = 1;

export const SPLITS: readonly SplitName[] = ['train', 'dev', 'test'];

/** Sentences per language and split. `tiny` is for tests; `medium` is 5× `small`. */
export const SAMPLE_SIZES = {
  tiny: { train: 30, dev: 10, test: 16 },
  small: { train: 300, dev: 60, test: 100 },
  medium: { train: 1500, dev: 300, test: 500 },
} as const satisfies Record<string, Record<SplitName, number>>;
export type SampleSize = keyof typeof SAMPLE_SIZES;
export const SAMPLE_SIZE_NAMES = Object.keys(SAMPLE_SIZES) as SampleSize[];

export interface SampleOptions {
  seed: number;
  size: SampleSize;
  /** Share of sentences with an entity whose image shows something else (default 0.15). */
  unrelatedShare?: number;
  /** Share of sentences in the ambiguous subset (default 0.22). */
  ambiguousShare?: number;
}

/** Share of sentences written with a neutral template around an unambiguous name. */
const NEUTRAL_SHARE = 0.1;
/** Share of sentences without any entity. */
const PLAIN_SHARE = 0.08;

export interface SampleItem {
  /** `id` and `image` are equal, e.g. `en-train-000042`. */
  sentence: Sentence & { image: string };
  split: SplitName;
  /** Type of the entity the image is about (the first, or the ambiguous one); null: no entity. */
  keyType: EntityType | null;
  /** Text of that entity. */
  keySurface: string | null;
  /** In the ambiguous subset: the key surface is ambiguous and the context neutral. */
  ambiguous: boolean;
  /** In the unrelated-image subset: the image shows something else than the key entity. */
  unrelated: boolean;
  scene: SceneKind;
}

export interface SampleDataset {
  name: string;
  seed: number;
  size: SampleSize;
  unrelatedShare: number;
  ambiguousShare: number;
  items: SampleItem[];
}

/**
 * Ambiguous (surface, reading) pairs for one language and split: whole rounds of each surface's
 * readings, so that every surface used has each of its readings equally often and the text
 * alone cannot do better than chance on it.
 */
function ambiguousTickets(pool: NamePool, target: number, rng: Rng): ParsedName[] {
  const tickets: ParsedName[] = [];
  let deck: (typeof pool.ambiguous)[number][] = [];
  while (tickets.length < target) {
    if (deck.length === 0) deck = rng.shuffle(pool.ambiguous);
    const surface = deck.pop()!;
    tickets.push(...surface.readings);
  }
  return tickets;
}

/** The scene for an entity: its hint, else one depicting its type (events lean to trophies and balls). */
function sceneFor(name: ParsedName, rng: Rng): SceneKind {
  if (name.scene) return name.scene;
  if (name.sub === 'event' && rng.chance(0.7)) return rng.pick(['trophy', 'ball'] as const);
  return rng.pick(SCENE_KINDS[name.type]);
}

/** An unrelated scene: abstract or food half of the time, else a scene of another type. */
function unrelatedScene(keyType: EntityType, rng: Rng): SceneKind {
  if (rng.chance(0.5)) return rng.pick(UNRELATED_KINDS);
  return rng.pick(ALL_SCENE_KINDS.filter((k) => sceneType(k) !== null && sceneType(k) !== keyType));
}

type Plan =
  | { kind: 'ambiguous'; name: ParsedName }
  | { kind: 'neutral' }
  | { kind: 'plain' }
  | { kind: 'context' };

function generateSplit(
  lang: Language,
  split: SplitName,
  count: number,
  options: Required<SampleOptions>,
  pool: NamePool,
  rng: Rng,
): SampleItem[] {
  const lex = pool.lexicon;
  const tickets = ambiguousTickets(pool, Math.round(count * options.ambiguousShare), rng.derive('ambiguous'));
  const plain = Math.round(count * PLAIN_SHARE);
  const neutral = Math.round(count * NEUTRAL_SHARE);
  const plans: Plan[] = [
    ...tickets.map((name): Plan => ({ kind: 'ambiguous', name })),
    ...Array.from({ length: neutral }, (): Plan => ({ kind: 'neutral' })),
    ...Array.from({ length: plain }, (): Plan => ({ kind: 'plain' })),
  ];
  while (plans.length < count) plans.push({ kind: 'context' });
  const order = rng.derive('order').shuffle(plans.slice(0, count));

  const compRng = rng.derive('compose');
  const sceneRng = rng.derive('scene');
  const items = order.map((plan, i): SampleItem => {
    const id = `${lang}-${split}-${String(i).padStart(6, '0')}`;
    const ctx: ComposeContext = { pool, split, rng: compRng };
    let template: string;
    if (plan.kind === 'ambiguous') {
      template = compRng.pick(lex.neutral);
      ctx.key = plan.name;
    } else if (plan.kind === 'neutral') {
      template = compRng.pick(lex.neutral);
      const type = compRng.pick(['PER', 'LOC', 'ORG', 'MISC'] as const);
      ctx.key = pool.pick(type, undefined, split, compRng);
    } else if (plan.kind === 'plain') {
      template = compRng.pick(lex.plain);
    } else {
      template = compRng.pick(lex.templates);
    }
    const { tokens, tags, entities } = compose(template, ctx);
    const key = entities[0];
    return {
      sentence: { id, lang, tokens, tags, image: id },
      split,
      keyType: key?.type ?? null,
      keySurface: key ? tokens.slice(key.start, key.end).join(' ') : null,
      ambiguous: plan.kind === 'ambiguous',
      unrelated: false,
      scene: key ? sceneFor(key.name, sceneRng) : sceneRng.pick(ALL_SCENE_KINDS),
    };
  });

  // Exactly round(share · n) of the sentences with an entity get an unrelated image.
  const withEntity = items.filter((it) => it.keyType !== null);
  const unrelatedRng = rng.derive('unrelated');
  for (const it of unrelatedRng
    .shuffle(withEntity)
    .slice(0, Math.round(withEntity.length * options.unrelatedShare))) {
    it.unrelated = true;
    it.scene = unrelatedScene(it.keyType!, unrelatedRng);
  }
  return items;
}

/** Generates the whole dataset; the same options always give the same dataset. */
export function generateSample(options: SampleOptions): SampleDataset {
  const full: Required<SampleOptions> = { unrelatedShare: 0.15, ambiguousShare: 0.22, ...options };
  if (!Number.isInteger(full.seed)) throw new Error(`seed must be an integer, got ${full.seed}`);
  const root = new Rng(`mmner-sample/v${SAMPLE_GENERATOR_VERSION}/${full.seed}`);
  const sizes = SAMPLE_SIZES[full.size];
  const items: SampleItem[] = [];
  for (const lang of LANGUAGES) {
    const pool = new NamePool(LEXICONS[lang], root.derive(lang, 'names'));
    for (const split of SPLITS)
      items.push(...generateSplit(lang, split, sizes[split], full, pool, root.derive(lang, split)));
  }
  return {
    name: `mmner-sample-${full.size}`,
    seed: full.seed,
    size: full.size,
    unrelatedShare: full.unrelatedShare,
    ambiguousShare: full.ambiguousShare,
    items,
  };
}

/** The SVG of an item's image: drawn from its own stream, so images can be rendered in any order. */
export function itemSceneSvg(dataset: Pick<SampleDataset, 'seed'>, item: SampleItem): string {
  return sceneSvg(
    item.scene,
    new Rng(`mmner-sample/v${SAMPLE_GENERATOR_VERSION}/${dataset.seed}/image/${item.sentence.id}`),
  );
}
