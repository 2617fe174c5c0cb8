/**
 * BERT's tokenizer, so a pretrained BERT sees exactly the ids it was trained on: the basic
 * tokenizer (clean the text, split around CJK ideographs, optional lower-casing and accent
 * stripping, split on whitespace and punctuation) followed by WordPiece (greedy longest match
 * first, `##` continuations, over-long or unmatched words → [UNK]). The vocabulary comes from a
 * model folder's vocab.txt or tokenizer.json. Pure and browser-safe; file reading is the caller's.
 *
 * Words arrive already split (NER data is word-tokenized), so `wordIds` tokenizes one word at a
 * time, as Hugging Face does with `is_split_into_words`; every word yields at least one id
 * ([UNK] when nothing is left of it), so every word has a first subword to carry its label.
 */
import { MmnerError } from '../errors.js';

export interface WordPieceOptions {
  /** Lower-case the text: true for `-uncased` models, false for `-cased` ones (default false). */
  lowercase: boolean;
  /** Drop accents (NFD, then remove combining marks); BERT ties it to `lowercase` (the default). */
  stripAccents: boolean;
  /** Make every CJK ideograph a word of its own (default true, as BERT). */
  splitCjk: boolean;
  /** The unknown token (default `[UNK]`). */
  unkToken: string;
  /** Marks a piece that continues a word (default `##`). */
  continuationPrefix: string;
  /** Longer words (in code points) become [UNK] without trying pieces (default 100). */
  maxCharsPerWord: number;
}

export const DEFAULT_WORDPIECE_OPTIONS: Readonly<WordPieceOptions> = Object.freeze({
  lowercase: false,
  stripAccents: false,
  splitCjk: true,
  unkToken: '[UNK]',
  continuationPrefix: '##',
  maxCharsPerWord: 100,
});

/** Pre-split words as ids, without [CLS]/[SEP]. */
export interface EncodedWords {
  ids: number[];
  /** For each word, the index in `ids` of its first subword. */
  firstSubword: number[];
}

export const TOKENIZER_CODE = 'E_TOKENIZER';

const CONTROL = /\p{C}/u;
const SPACE_SEPARATOR = /\p{Zs}/u;
const PUNCTUATION = /\p{P}/u;
const COMBINING_MARK = /\p{Mn}/gu;
const WHITESPACE_RUN = /\s+/u;

/** BERT's whitespace: space, tab, newline, carriage return and the Zs category. */
function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || SPACE_SEPARATOR.test(ch);
}

/** BERT's control characters: every C* category except the tab/newline/return it treats as space. */
function isControl(ch: string): boolean {
  return ch !== '\t' && ch !== '\n' && ch !== '\r' && CONTROL.test(ch);
}

/** BERT's punctuation: all non-alphanumeric ASCII symbols (so `$`, `^`, `` ` `` too) and Unicode P*. */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if (
    (cp >= 33 && cp <= 47) ||
    (cp >= 58 && cp <= 64) ||
    (cp >= 91 && cp <= 96) ||
    (cp >= 123 && cp <= 126)
  ) {
    return true;
  }
  return PUNCTUATION.test(ch);
}

/** The CJK Unified Ideographs blocks (not Hangul, kana: those are written with spaces). */
export function isCjkIdeograph(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Drops NUL, U+FFFD and control characters; every BERT whitespace becomes a plain space. */
export function cleanText(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch === '\u0000' || ch === '\ufffd' || isControl(ch)) continue;
    out += isWhitespace(ch) ? ' ' : ch;
  }
  return out;
}

/** NFD, then without combining marks: "Montréal" → "Montreal". */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(COMBINING_MARK, '');
}

/** "York's!" → ["York", "'", "s", "!"]. */
function splitPunctuation(token: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const ch of token) {
    if (isPunctuation(ch)) {
      if (current) out.push(current);
      out.push(ch);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) out.push(current);
  return out;
}

/** Words from `tokenizeWord` are cached up to this many; the cache restarts when full. */
const CACHE_LIMIT = 100_000;

export class WordPieceTokenizer {
  readonly options: Readonly<WordPieceOptions>;
  /** Id → token; ids without a token (gaps in a tokenizer.json) are ''. */
  readonly tokens: readonly string[];
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  private readonly index: Map<string, number>;
  private readonly cache = new Map<string, number[]>();

  /**
   * `vocab` is a list (id = position) or a token → id map. The vocabulary must hold the unknown
   * token, [CLS], [SEP] and [PAD]. `source` names the file in errors.
   */
  constructor(
    vocab: readonly string[] | ReadonlyMap<string, number>,
    options: Partial<WordPieceOptions> = {},
    source?: string,
  ) {
    const lowercase = options.lowercase ?? DEFAULT_WORDPIECE_OPTIONS.lowercase;
    this.options = Object.freeze({
      ...DEFAULT_WORDPIECE_OPTIONS,
      ...definedOnly(options),
      stripAccents: options.stripAccents ?? lowercase,
    });
    if (!Number.isInteger(this.options.maxCharsPerWord) || this.options.maxCharsPerWord < 1) {
      throw new MmnerError(
        TOKENIZER_CODE,
        `maxCharsPerWord must be a positive integer, got ${this.options.maxCharsPerWord}`,
      );
    }
    if (Array.isArray(vocab)) {
      this.tokens = [...vocab];
      // Like Hugging Face's load_vocab: a repeated token keeps its last id.
      this.index = new Map(vocab.map((t, i) => [t, i]));
    } else {
      this.index = new Map(vocab as ReadonlyMap<string, number>);
      const tokens: string[] = [];
      for (const [t, id] of this.index) {
        if (!Number.isInteger(id) || id < 0) {
          throw new MmnerError(TOKENIZER_CODE, `token ${JSON.stringify(t)} has the invalid id ${id}`, {
            ...(source ? { file: source } : {}),
            hint: 'token ids must be non-negative integers',
          });
        }
        tokens[id] = t;
      }
      this.tokens = Array.from(tokens, (t) => t ?? '');
    }
    const need = (token: string) => {
      const id = this.index.get(token);
      if (id === undefined) {
        throw new MmnerError(
          TOKENIZER_CODE,
          `the vocabulary (${this.tokens.length} entries) has no ${token} token`,
          {
            ...(source ? { file: source } : {}),
            hint: "mmner's BERT needs a BERT WordPiece vocabulary with [CLS], [SEP], [PAD] and [UNK]",
          },
        );
      }
      return id;
    };
    this.unkId = need(this.options.unkToken);
    this.clsId = need('[CLS]');
    this.sepId = need('[SEP]');
    this.padId = need('[PAD]');
  }

  /** Vocab.txt text: one token per line, the line number (from 0) is its id. */
  static fromVocabText(
    text: string,
    options: Partial<WordPieceOptions> = {},
    source?: string,
  ): WordPieceTokenizer {
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    const vocab = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    if (vocab.length === 0) {
      throw new MmnerError(TOKENIZER_CODE, 'the vocabulary file is empty', {
        ...(source ? { file: source } : {}),
        hint: 'vocab.txt has one WordPiece token per line; re-download it from the model page',
      });
    }
    return new WordPieceTokenizer(vocab, options, source);
  }

  /**
   * A Hugging Face tokenizer.json of a WordPiece model: `model.vocab` (plus any `added_tokens`) and
   * the BertNormalizer's flags. `overrides` win over the file (e.g. for tests).
   */
  static fromTokenizerJson(
    json: string | object,
    overrides: Partial<WordPieceOptions> = {},
    source?: string,
  ): WordPieceTokenizer {
    const bad = (detail: string, hint: string) =>
      new MmnerError(TOKENIZER_CODE, detail, { ...(source ? { file: source } : {}), hint });
    let parsed: unknown = json;
    if (typeof json === 'string') {
      try {
        parsed = JSON.parse(json);
      } catch (e) {
        throw bad(
          `tokenizer.json is not valid JSON (${(e as Error).message})`,
          're-download it, or delete it so that vocab.txt is used',
        );
      }
    }
    const root = (parsed ?? {}) as {
      model?: Record<string, unknown>;
      normalizer?: unknown;
      added_tokens?: unknown;
    };
    const model = root.model;
    if (typeof model !== 'object' || model === null) {
      throw bad('tokenizer.json has no "model" object', 'is this a Hugging Face tokenizers file?');
    }
    if (model.type !== undefined && model.type !== 'WordPiece') {
      throw bad(
        `tokenizer.json holds a ${String(model.type)} tokenizer, not WordPiece`,
        "mmner's BERT encoder reads BERT (WordPiece) tokenizers only",
      );
    }
    const vocabObj = model.vocab;
    if (typeof vocabObj !== 'object' || vocabObj === null || Array.isArray(vocabObj)) {
      throw bad('tokenizer.json has no "model.vocab" object', 're-download the tokenizer, or use vocab.txt');
    }
    const vocab = new Map<string, number>(Object.entries(vocabObj as Record<string, number>));
    if (Array.isArray(root.added_tokens)) {
      for (const t of root.added_tokens as { id?: unknown; content?: unknown }[]) {
        if (typeof t?.content === 'string' && typeof t.id === 'number' && !vocab.has(t.content)) {
          vocab.set(t.content, t.id);
        }
      }
    }
    const options: Partial<WordPieceOptions> = { ...normalizerOptions(root.normalizer, bad) };
    if (typeof model.unk_token === 'string') options.unkToken = model.unk_token;
    if (typeof model.continuing_subword_prefix === 'string') {
      options.continuationPrefix = model.continuing_subword_prefix;
    }
    if (typeof model.max_input_chars_per_word === 'number') {
      options.maxCharsPerWord = model.max_input_chars_per_word;
    }
    return new WordPieceTokenizer(vocab, { ...options, ...definedOnly(overrides) }, source);
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  idOf(token: string): number | undefined {
    return this.index.get(token);
  }

  /** The basic tokenizer: clean, NFC, CJK split, whitespace split, case/accents, punctuation split. */
  basicTokenize(text: string): string[] {
    const { lowercase, stripAccents: strip, splitCjk } = this.options;
    let s = cleanText(text).normalize('NFC');
    if (splitCjk) {
      let spaced = '';
      for (const ch of s) spaced += isCjkIdeograph(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
      s = spaced;
    }
    const out: string[] = [];
    for (let token of s.split(WHITESPACE_RUN)) {
      if (!token) continue;
      if (lowercase) token = token.toLowerCase();
      if (strip) token = stripAccents(token);
      out.push(...splitPunctuation(token));
    }
    return out;
  }

  /** WordPiece on one basic token: the longest vocabulary prefix, then `##` pieces; [UNK] if stuck. */
  wordPiece(token: string): string[] {
    const { unkToken, continuationPrefix, maxCharsPerWord } = this.options;
    const chars = [...token];
    if (chars.length > maxCharsPerWord) return [unkToken];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | undefined;
      while (start < end) {
        const sub = chars.slice(start, end).join('');
        const piece = start > 0 ? continuationPrefix + sub : sub;
        if (this.index.has(piece)) {
          found = piece;
          break;
        }
        end--;
      }
      if (found === undefined) return [unkToken];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }

  /** Running text → WordPiece tokens (no [CLS]/[SEP]). */
  tokenize(text: string): string[] {
    return this.basicTokenize(text).flatMap((t) => this.wordPiece(t));
  }

  /** One pre-split word → its subword ids; never empty ([UNK] for a word with nothing left). */
  wordIds(word: string): readonly number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const ids = this.tokenize(word).map((p) => this.index.get(p)!);
    if (ids.length === 0) ids.push(this.unkId);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }

  /** Pre-split words → subword ids and each word's first-subword index (no [CLS]/[SEP]). */
  encodeWords(words: readonly string[]): EncodedWords {
    const ids: number[] = [];
    const firstSubword: number[] = [];
    for (const w of words) {
      firstSubword.push(ids.length);
      ids.push(...this.wordIds(w));
    }
    return { ids, firstSubword };
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

type Bad = (detail: string, hint: string) => MmnerError;

/** Options from a tokenizer.json `normalizer`: BertNormalizer, or a Sequence of simple steps. */
function normalizerOptions(normalizer: unknown, bad: Bad): Partial<WordPieceOptions> {
  if (normalizer === null || normalizer === undefined) return {};
  const n = normalizer as { type?: unknown; normalizers?: unknown; [k: string]: unknown };
  switch (n.type) {
    case 'BertNormalizer': {
      const lowercase = n.lowercase !== false;
      const out: Partial<WordPieceOptions> = { lowercase };
      // strip_accents null = follow lowercase.
      out.stripAccents = typeof n.strip_accents === 'boolean' ? n.strip_accents : lowercase;
      if (typeof n.handle_chinese_chars === 'boolean') out.splitCjk = n.handle_chinese_chars;
      return out;
    }
    case 'Sequence': {
      const out: Partial<WordPieceOptions> = {};
      for (const step of Array.isArray(n.normalizers) ? n.normalizers : []) {
        Object.assign(out, normalizerOptions(step, bad));
      }
      return out;
    }
    case 'Lowercase':
      return { lowercase: true };
    case 'StripAccents':
      return { stripAccents: true };
    // Composition forms: the basic tokenizer applies NFC itself, and stripping decomposes.
    case 'NFC':
    case 'NFD':
      return {};
    default:
      throw bad(
        `tokenizer.json has a normalizer of type ${JSON.stringify(n.type)}, which mmner does not implement`,
        'BERT tokenizers use BertNormalizer; delete tokenizer.json to fall back to vocab.txt and tokenizer_config.json',
      );
  }
}
