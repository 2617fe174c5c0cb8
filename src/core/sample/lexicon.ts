/**
 * What a language contributes to the sample dataset: name lists per entity type and subtype,
 * sentence templates, and the ambiguous surfaces with the types they can take in that language.
 * The data lives in `lexicon/<lang>.ts`; this module holds the shapes and their mini-syntax.
 */
import type { EntityType, Language } from '../types.js';
import type { SceneKind } from './scenes.js';

/**
 * A slot type: an entity type with an optional subtype (`LOC.city`, `MISC.product`). A template
 * slot without subtype takes a name of any subtype of its type.
 */
export type SlotType = EntityType | `${EntityType}.${string}`;

/**
 * Names of one subtype. An entry is the name's tokens separated by spaces, optionally followed
 * by `|kind` naming the scene kind that depicts it (`iPhone|phone`, `World Cup|trophy`).
 */
export type NameList = readonly string[];

export interface Lexicon {
  lang: Language;
  /** Person names are composed from these (first + last, or one alone). */
  firstNames: NameList;
  lastNames: NameList;
  /** Names of places, organisations and miscellaneous entities, by subtype. */
  names: {
    LOC: Record<string, NameList>;
    ORG: Record<string, NameList>;
    MISC: Record<string, NameList>;
  };
  /**
   * Templates whose context tells the type of every slot. Tokens are separated by spaces
   * (punctuation is its own token). Slots: `{TYPE}` or `{TYPE.sub}`; `{#TYPE…}` is a hashtag and
   * `{@TYPE…}` a mention of a new name (one token); `{#^}` is a hashtag of the previous slot's name.
   * The first slot is the key entity: the one the image depicts.
   */
  templates: readonly string[];
  /**
   * Templates whose context fits a person, a place, an organisation and a product alike; `{X}`
   * is the key slot. The ambiguous subset is written with these only.
   */
  neutral: readonly string[];
  /** Sentences without entities. */
  plain: readonly string[];
  /** Surfaces whose type only the image tells, with the readings (slot types) they have here. */
  ambiguous: readonly AmbiguousSurface[];
}

export interface AmbiguousSurface {
  surface: string;
  /** Two or more readings with distinct entity types, each `TYPE[.sub][|kind]`. */
  readings: readonly string[];
}

/** A name or reading split into tokens, slot type and scene hint. */
export interface ParsedName {
  tokens: string[];
  type: EntityType;
  sub: string | undefined;
  /** The scene kind that depicts this name, when a generic one of its type would not fit. */
  scene: SceneKind | undefined;
}

export function parseName(entry: string, type: EntityType, sub?: string): ParsedName {
  const [text, scene] = entry.split('|') as [string, string | undefined];
  return { tokens: text.split(' '), type, sub, scene: scene as SceneKind | undefined };
}

/** `ORG.club|logo` → type ORG, subtype club, scene logo. */
export function parseReading(surface: string, reading: string): ParsedName {
  const [slot, scene] = reading.split('|') as [string, string | undefined];
  const [type, sub] = slot.split('.') as [EntityType, string | undefined];
  return { tokens: surface.split(' '), type, sub, scene: scene as SceneKind | undefined };
}

export type TemplatePart =
  | { kind: 'word'; text: string }
  | { kind: 'slot'; type: EntityType; sub: string | undefined; form: 'plain' | 'hashtag' | 'mention' }
  | { kind: 'key' }
  | { kind: 'repeat-hashtag' };

const SLOT = /^\{([#@]?)(PER|LOC|ORG|MISC)(?:\.([a-z]+))?\}$/;

/** Splits a template into words and slots; throws on a malformed slot (a bug in a lexicon). */
export function parseTemplate(template: string): TemplatePart[] {
  return template.split(' ').map((token): TemplatePart => {
    if (!token.startsWith('{')) return { kind: 'word', text: token };
    if (token === '{X}') return { kind: 'key' };
    if (token === '{#^}') return { kind: 'repeat-hashtag' };
    const m = SLOT.exec(token);
    if (!m) throw new Error(`bad template slot '${token}' in: ${template}`);
    const form = m[1] === '#' ? 'hashtag' : m[1] === '@' ? 'mention' : 'plain';
    return { kind: 'slot', type: m[2] as EntityType, sub: m[3], form };
  });
}

/** One token for a hashtag or mention: `Deutsche Bahn` → `DeutscheBahn`, `Roland-Garros` → `RolandGarros`. */
export function joinName(tokens: readonly string[]): string {
  return tokens
    .map((t) => t.replace(/[^\p{L}\p{N}]/gu, ''))
    .map((t) => (t ? t[0]!.toUpperCase() + t.slice(1) : t))
    .join('');
}
