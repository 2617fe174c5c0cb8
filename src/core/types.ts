/**
 * The nouns every layer shares. Browser-safe: plain data only.
 */

/** Languages of the 2M-NER task; other ISO 639-1 codes are accepted by the readers. */
export const Language = { en: 'en', fr: 'fr', de: 'de', es: 'es' } as const;
export type Language = keyof typeof Language;
export const LANGUAGES: readonly Language[] = ['en', 'fr', 'de', 'es'];
export function isLanguage(s: string): s is Language {
  return Object.hasOwn(Language, s);
}

/** Entity types of the task (the canonical names; readers map others such as OTHER → MISC). */
export const EntityType = { PER: 'PER', LOC: 'LOC', ORG: 'ORG', MISC: 'MISC' } as const;
export type EntityType = keyof typeof EntityType;
export const ENTITY_TYPES: readonly EntityType[] = ['PER', 'LOC', 'ORG', 'MISC'];

/** Where a sentence came from, for messages that point back into the file. */
export interface SourceRef {
  file: string;
  /** 1-based line of the sentence's first line (its IMGID line or first token). */
  line: number;
}

/** One annotated sentence, the unit every reader produces and every consumer takes. */
export interface Sentence {
  /** Unique within its dataset split (IMGID for IMGID-CoNLL, generated otherwise). */
  id: string;
  /** ISO 639-1 code, e.g. `en`. */
  lang: string;
  tokens: string[];
  /** One tag per token, in the dataset's scheme (IOB2 after normalisation). */
  tags: string[];
  /** Image id (file name without extension), when the sentence has an image. */
  image?: string;
  source?: SourceRef;
}

/** A labelled span over token indices, `end` exclusive. */
export interface Span {
  type: string;
  start: number;
  end: number;
}
