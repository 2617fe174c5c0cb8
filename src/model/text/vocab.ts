/**
 * The `tiny` text encoder's vocabularies, built from training sentences: words (digits → 0,
 * lower-cased by default), characters (raw, NFC), and a casing class per token. Ids are
 * deterministic (count desc, then code-point order), serialisable with the checkpoint
 * (`toJSON` / `TextVocab.fromJSON`), and `encodeTextBatch` turns a batch into plain id arrays.
 */
import { MmnerError } from '../../core/errors.js';
import type { TextBatch } from '../parts.js';

/** Id 0 of the word and char tables: padding (never a real token). */
export const PAD = '<pad>';
/** Id 1 of the word and char tables: anything not in the table. */
export const UNK = '<unk>';
export const PAD_ID = 0;
export const UNK_ID = 1;

/**
 * Casing classes, one per token; index = id. Checked in this order: `url`, `mention` (@x),
 * `hashtag` (#x), `numeric` (digits and punctuation only: 2017, 3.5, 10:30), `alnum` (letters and
 * digits: A380, G20), then by the case of the letters: `lower`, `upper` (≥ 2 letters, all upper),
 * `title` (first letter upper, the rest lower; also a lone capital: "I", "A"), `mixed` (iPhone,
 * McDonald), `uncased` (letters without case: CJK, Arabic…); tokens without letters or digits are
 * `punct` (only Unicode punctuation) or `other` (emoji, symbols, empty).
 */
export const CASING_CLASSES = Object.freeze([
  PAD,
  'lower',
  'upper',
  'title',
  'mixed',
  'uncased',
  'numeric',
  'alnum',
  'punct',
  'mention',
  'hashtag',
  'url',
  'other',
] as const);
export type CasingClass = (typeof CASING_CLASSES)[number];

const CASING_ID = new Map<string, number>(CASING_CLASSES.map((c, i) => [c, i]));

const URL_LIKE =
  /^(?:https?:\/\/|www\.)\S+$|^[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:com|org|net|ly|co|io)(?:\/\S*)?$/iu;
const HAS_LETTER = /\p{L}/u;
const HAS_DIGIT = /\p{Nd}/u;
const ONLY_PUNCT = /^\p{P}+$/u;

/** The casing class of one token (see `CASING_CLASSES`). */
export function casingOf(token: string): CasingClass {
  if (token.length === 0) return 'other';
  if (URL_LIKE.test(token)) return 'url';
  const rest = token.slice(1);
  if (token[0] === '@' && rest.length > 0 && /^[\p{L}\p{N}_]+$/u.test(rest)) return 'mention';
  if (token[0] === '#' && rest.length > 0 && HAS_LETTER.test(rest)) return 'hashtag';
  const letter = HAS_LETTER.test(token);
  if (HAS_DIGIT.test(token)) return letter ? 'alnum' : 'numeric';
  if (!letter) return ONLY_PUNCT.test(token) ? 'punct' : 'other';
  let upper = 0;
  let lower = 0;
  let firstCase: 'u' | 'l' | '' = '';
  let laterUpper = false;
  for (const ch of token) {
    const u = ch !== ch.toLowerCase();
    const l = ch !== ch.toUpperCase();
    if (u) upper++;
    if (l) lower++;
    if (firstCase === '' && (u || l)) firstCase = u ? 'u' : 'l';
    else if (u) laterUpper = true;
  }
  if (upper === 0 && lower === 0) return 'uncased';
  if (upper === 0) return 'lower';
  if (lower === 0) return upper >= 2 ? 'upper' : 'title';
  return firstCase === 'u' && !laterUpper ? 'title' : 'mixed';
}

/** The casing id of one token (index into `CASING_CLASSES`; never 0, which is padding). */
export function casingId(token: string): number {
  return CASING_ID.get(casingOf(token))!;
}

/** A token as the tables see it: NFC, so composed and decomposed accents are one character. */
function nfc(token: string): string {
  return token.normalize('NFC');
}

/** The word table's key: NFC, every decimal digit → `0` (2017 and 1999 share one entry), optionally lower-cased. */
export function normaliseWord(token: string, lowercase: boolean): string {
  const t = nfc(token).replace(/\p{Nd}/gu, '0');
  return lowercase ? t.toLowerCase() : t;
}

export interface TextVocabOptions {
  /** A word needs this many training occurrences to get its own id (default 1: every train word). */
  minWordCount?: number;
  /** Same for characters (default 1). */
  minCharCount?: number;
  /**
   * Lower-case word keys (default true). Case stays visible through the characters and the casing
   * class; lower-casing pools the statistics of "Apple"/"apple"/"APPLE", which matters with
   * 3–20 k training sentences (the anchor recipe does the same). With `false`, a cased word not
   * in the table falls back to its lower-case form before `<unk>`.
   */
  lowercase?: boolean;
}

/** `TextVocab` as JSON (checkpoint payload); `words[i]` / `chars[i]` have id i. */
export interface TextVocabJSON {
  format: 'mmner.textVocab';
  version: 1;
  lowercase: boolean;
  minWordCount: number;
  minCharCount: number;
  words: string[];
  /** Training occurrences of each word (0 for `<pad>` and `<unk>`); drives word dropout. */
  wordCounts: number[];
  chars: string[];
}

/** Sorts `counts` into a table: `<pad>`, `<unk>`, then count desc, then code-point order. */
function table(counts: Map<string, number>, minCount: number): { items: string[]; counts: number[] } {
  const kept = [...counts].filter(([, n]) => n >= minCount);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { items: [PAD, UNK, ...kept.map(([w]) => w)], counts: [0, 0, ...kept.map(([, n]) => n)] };
}

function positiveInt(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new MmnerError('E_CONFIG', `TextVocab ${what} must be a positive integer, got ${String(n)}`);
  }
  return n;
}

export class TextVocab {
  readonly lowercase: boolean;
  readonly minWordCount: number;
  readonly minCharCount: number;
  /** Id → word key (normalised); 0 `<pad>`, 1 `<unk>`. */
  readonly words: readonly string[];
  /** Id → training count of the word. */
  readonly wordCounts: readonly number[];
  /** Id → character (a code point); 0 `<pad>`, 1 `<unk>`. */
  readonly chars: readonly string[];
  private readonly wordIndex: Map<string, number>;
  private readonly charIndex: Map<string, number>;

  private constructor(json: TextVocabJSON) {
    this.lowercase = json.lowercase;
    this.minWordCount = json.minWordCount;
    this.minCharCount = json.minCharCount;
    this.words = Object.freeze(json.words.slice());
    this.wordCounts = Object.freeze(json.wordCounts.slice());
    this.chars = Object.freeze(json.chars.slice());
    this.wordIndex = new Map(this.words.map((w, i) => [w, i]));
    this.charIndex = new Map(this.chars.map((c, i) => [c, i]));
  }

  /** Builds the tables from training sentences (anything with `tokens`, e.g. `Sentence`). */
  static build(
    sentences: Iterable<{ tokens: readonly string[] }>,
    options: TextVocabOptions = {},
  ): TextVocab {
    const lowercase = options.lowercase ?? true;
    const minWordCount = positiveInt(options.minWordCount ?? 1, 'minWordCount');
    const minCharCount = positiveInt(options.minCharCount ?? 1, 'minCharCount');
    const wordCounts = new Map<string, number>();
    const charCounts = new Map<string, number>();
    for (const s of sentences) {
      for (const token of s.tokens) {
        const w = normaliseWord(token, lowercase);
        wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
        for (const ch of nfc(token)) charCounts.set(ch, (charCounts.get(ch) ?? 0) + 1);
      }
    }
    // A token spelled like a special entry must not take its id.
    for (const special of [PAD, UNK]) {
      wordCounts.delete(special);
    }
    const w = table(wordCounts, minWordCount);
    const c = table(charCounts, minCharCount);
    return new TextVocab({
      format: 'mmner.textVocab',
      version: 1,
      lowercase,
      minWordCount,
      minCharCount,
      words: w.items,
      wordCounts: w.counts,
      chars: c.items,
    });
  }

  /** Restores a vocabulary saved with `toJSON` (ids unchanged). */
  static fromJSON(json: unknown): TextVocab {
    const j = json as Partial<TextVocabJSON> | null;
    const bad = (why: string) =>
      new MmnerError('E_CHECKPOINT', `not a text vocabulary: ${why}`, {
        hint: 'the checkpoint may be damaged or from another model',
      });
    if (typeof j !== 'object' || j === null || j.format !== 'mmner.textVocab') throw bad('wrong format tag');
    if (j.version !== 1) throw bad(`unsupported version ${String(j.version)}`);
    const strings = (a: unknown): a is string[] => Array.isArray(a) && a.every((x) => typeof x === 'string');
    if (!strings(j.words) || !strings(j.chars)) throw bad('words/chars must be string arrays');
    if (!Array.isArray(j.wordCounts) || j.wordCounts.length !== j.words.length) {
      throw bad('wordCounts must have one count per word');
    }
    if (
      j.words[PAD_ID] !== PAD ||
      j.words[UNK_ID] !== UNK ||
      j.chars[PAD_ID] !== PAD ||
      j.chars[UNK_ID] !== UNK
    ) {
      throw bad('ids 0 and 1 must be <pad> and <unk>');
    }
    if (new Set(j.words).size !== j.words.length || new Set(j.chars).size !== j.chars.length) {
      throw bad('duplicate entries');
    }
    return new TextVocab({
      format: 'mmner.textVocab',
      version: 1,
      lowercase: j.lowercase !== false,
      minWordCount: positiveInt(j.minWordCount ?? 1, 'minWordCount'),
      minCharCount: positiveInt(j.minCharCount ?? 1, 'minCharCount'),
      words: j.words,
      wordCounts: j.wordCounts.map(Number),
      chars: j.chars,
    });
  }

  toJSON(): TextVocabJSON {
    return {
      format: 'mmner.textVocab',
      version: 1,
      lowercase: this.lowercase,
      minWordCount: this.minWordCount,
      minCharCount: this.minCharCount,
      words: this.words.slice(),
      wordCounts: this.wordCounts.slice(),
      chars: this.chars.slice(),
    };
  }

  get wordVocabSize(): number {
    return this.words.length;
  }

  get charVocabSize(): number {
    return this.chars.length;
  }

  /** The word id of a raw token: its normalised key, else (cased tables) its lower-case key, else `<unk>`. */
  wordId(token: string): number {
    const key = normaliseWord(token, this.lowercase);
    const id = this.wordIndex.get(key);
    if (id !== undefined && id > UNK_ID) return id;
    if (!this.lowercase) {
      const lower = this.wordIndex.get(key.toLowerCase());
      if (lower !== undefined && lower > UNK_ID) return lower;
    }
    return UNK_ID;
  }

  /** The id of one character (code point); `<unk>` when unseen or rare. */
  charId(ch: string): number {
    const id = this.charIndex.get(ch);
    return id !== undefined && id > UNK_ID ? id : UNK_ID;
  }

  /** Training count of a word id (0 for specials and out-of-range ids). */
  countOf(id: number): number {
    return this.wordCounts[id] ?? 0;
  }
}

export interface EncodeTextOptions {
  /**
   * Longest word in characters (default 20); a longer word keeps its first ⌈m/2⌉ and last ⌊m/2⌋
   * characters, so both prefixes (@, #, http) and suffixes (-son, -ville) survive.
   */
  maxWordLen?: number;
}

/** A batch as plain id arrays, row-major; B batch, T `maxLen`, C `maxChars`. */
export interface EncodedTextBatch {
  batchSize: number;
  maxLen: number;
  /** Characters per word slot: the batch's longest (capped) word, ≥ 1. */
  maxChars: number;
  /** `[B*T]` word ids, `PAD_ID` past each sentence's length. */
  wordIds: Int32Array;
  /** `[B*T*C]` char ids, `PAD_ID` past each word's end (and for padded words). */
  charIds: Int32Array;
  /** `[B*T]` characters per word after capping (≥ 1 for real words, 0 for padding). */
  charLengths: Int32Array;
  /** `[B*T]` casing ids (`CASING_CLASSES`), 0 for padding. */
  casing: Int32Array;
  /** `[B*T]` 1 for real words, 0 for padding. */
  mask: Float32Array;
}

/** The characters of a token as the char CNN sees them: code points, capped, never empty. */
export function wordChars(token: string, maxWordLen: number): string[] {
  const chars = Array.from(nfc(token));
  // An empty token still occupies a slot: one `<unk>` char stands for it.
  if (chars.length === 0) return [UNK];
  if (chars.length <= maxWordLen) return chars;
  const head = Math.ceil(maxWordLen / 2);
  return [...chars.slice(0, head), ...chars.slice(chars.length - (maxWordLen - head))];
}

/** Checks that `batch` is consistent: one token list per length, lengths within `maxLen`. */
export function checkTextBatch(batch: TextBatch): void {
  const { lengths, maxLen, tokens } = batch;
  if (lengths.length !== tokens.length) {
    throw new MmnerError(
      'E_SHAPE',
      `text batch has ${lengths.length} lengths but ${tokens.length} token lists`,
    );
  }
  if (!Number.isInteger(maxLen) || maxLen < 1) {
    throw new MmnerError('E_SHAPE', `text batch maxLen must be a positive integer, got ${maxLen}`);
  }
  lengths.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 1 || n > maxLen || tokens[b]!.length !== n) {
      throw new MmnerError(
        'E_SHAPE',
        `text batch sentence ${b}: length ${n}, ${tokens[b]!.length} tokens, maxLen ${maxLen}`,
        { hint: 'every sentence needs 1..maxLen tokens and its length must equal its token count' },
      );
    }
  });
}

/** Turns a batch of token lists into the id arrays the `tiny` encoder uploads. */
export function encodeTextBatch(
  vocab: TextVocab,
  batch: TextBatch,
  options: EncodeTextOptions = {},
): EncodedTextBatch {
  checkTextBatch(batch);
  const maxWordLen = positiveInt(options.maxWordLen ?? 20, 'maxWordLen');
  const B = batch.lengths.length;
  const T = batch.maxLen;
  const chars: string[][] = [];
  let C = 1;
  for (const sentence of batch.tokens) {
    for (const token of sentence) {
      const cs = wordChars(token, maxWordLen);
      chars.push(cs);
      if (cs.length > C) C = cs.length;
    }
  }
  const wordIds = new Int32Array(B * T);
  const charIds = new Int32Array(B * T * C);
  const charLengths = new Int32Array(B * T);
  const casing = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  let k = 0;
  for (let b = 0; b < B; b++) {
    const sentence = batch.tokens[b]!;
    for (let t = 0; t < sentence.length; t++) {
      const token = sentence[t]!;
      const i = b * T + t;
      wordIds[i] = vocab.wordId(token);
      casing[i] = casingId(token);
      mask[i] = 1;
      const cs = chars[k++]!;
      charLengths[i] = cs.length;
      for (let c = 0; c < cs.length; c++) charIds[i * C + c] = cs[c] === UNK ? UNK_ID : vocab.charId(cs[c]!);
    }
  }
  return { batchSize: B, maxLen: T, maxChars: C, wordIds, charIds, charLengths, casing, mask };
}
