/** The four language packs of the sample dataset, in the order of LANGUAGES. */
import type { Language } from '../../types.js';
import type { Lexicon } from '../lexicon.js';
import { de } from './de.js';
import { en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';

export const LEXICONS: Record<Language, Lexicon> = { en, fr, de, es };
