/**
 * JSONL: one sentence per line, `{"id","lang","tokens","tags","image"}` (`image` may be null or
 * absent, `lang` falls back to the reader's language). Syntax errors give line and column;
 * wrong types and token/tag length mismatches are errors; unknown fields are warnings.
 */
import type { Sentence } from '../types.js';
import { JsonSyntaxError, parseJsonLocated } from './json.js';
import { DataCode, n } from './problems.js';
import { runParser } from './reader.js';
import type { ParseContext, ReadOptions, ReadResult } from './readOptions.js';

export const JSONL_FIELDS = ['id', 'lang', 'tokens', 'tags', 'image'] as const;
const KNOWN = new Set<string>(JSONL_FIELDS);

function syntaxError(line: string): string {
  try {
    parseJsonLocated(line);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return `invalid JSON at column ${e.column}: ${e.detail}`;
  }
  return 'invalid JSON';
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

export function parseJsonl(ctx: ParseContext): void {
  const { file, problems, assembler } = ctx;
  let sawContent = false;
  ctx.eachLine((line, no) => {
    if (line === '') {
      problems.fold(
        DataCode.extraBlankLines,
        { file, line: no, hint: 'accepted; JSONL has one JSON object per line' },
        (c, lines) => `${n(c)} blank lines (lines ${lines.join(', ')}${c > lines.length ? ', …' : ''})`,
      );
      return;
    }
    sawContent = true;
    const where = { file, line: no };
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      problems.error(DataCode.jsonSyntax, syntaxError(line), {
        ...where,
        hint: 'each line is one complete JSON object; objects may not span lines',
      });
      return;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      problems.error(
        DataCode.jsonField,
        `the line is ${Array.isArray(obj) ? 'an array' : `a ${typeof obj}`}, not an object`,
        {
          ...where,
          hint: 'write {"id": …, "lang": …, "tokens": […], "tags": […], "image": …}',
        },
      );
      return;
    }
    const o = obj as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!KNOWN.has(key)) {
        problems.fold(
          DataCode.unknownField,
          { ...where, hint: `ignored; the fields are ${JSONL_FIELDS.join(', ')}` },
          (c, lines) =>
            `unknown field '${key}' on ${n(c)} lines (lines ${lines.join(', ')}${c > lines.length ? ', …' : ''})`,
          `field:${key}`,
        );
      }
    }
    const bad = (message: string, hint: string) =>
      problems.error(DataCode.jsonField, message, { ...where, hint });
    let ok = true;
    let id = o.id;
    if (typeof id === 'number' && Number.isInteger(id)) id = String(id);
    if (typeof id !== 'string' || id === '') {
      bad(`"id" must be a non-empty string, found ${show(o.id)}`, 'every sentence needs a unique id');
      ok = false;
    }
    if (o.lang !== undefined && (typeof o.lang !== 'string' || o.lang === '')) {
      bad(
        `"lang" must be a language code such as "en", found ${show(o.lang)}`,
        'or leave it out to use the default language',
      );
      ok = false;
    }
    if (o.image !== undefined && o.image !== null && (typeof o.image !== 'string' || o.image === '')) {
      bad(
        `"image" must be an image id (a string) or null, found ${show(o.image)}`,
        'the image file is <image>.<ext> in the image folder',
      );
      ok = false;
    }
    if (!isStringArray(o.tokens) || o.tokens.length === 0 || o.tokens.some((t) => t === '')) {
      bad(
        `"tokens" must be a non-empty array of non-empty strings, found ${show(o.tokens)}`,
        'e.g. "tokens": ["Obama", "visits", "Paris"]',
      );
      ok = false;
    }
    if (!isStringArray(o.tags)) {
      bad(
        `"tags" must be an array of strings, found ${show(o.tags)}`,
        'e.g. "tags": ["B-PER", "O", "B-LOC"]',
      );
      ok = false;
    } else if (isStringArray(o.tokens) && o.tags.length !== o.tokens.length) {
      problems.error(DataCode.lengthMismatch, `${o.tokens.length} tokens but ${o.tags.length} tags`, {
        ...where,
        hint: 'give exactly one tag per token',
      });
      ok = false;
    }
    const tags = isStringArray(o.tags) ? o.tags.map((t) => assembler.tag(t, no) ?? 'O') : [];
    if (!ok) return;
    assembler.add({
      id: id as string,
      line: no,
      tokens: o.tokens as string[],
      tags,
      tagLines: no,
      ...(typeof o.image === 'string' ? { image: o.image } : {}),
      ...(typeof o.lang === 'string' ? { lang: o.lang } : {}),
    });
  });
  if (!sawContent) {
    problems.error(
      DataCode.emptyFile,
      ctx.text === '' ? 'the file is empty' : 'the file has only blank lines',
      {
        file,
        hint: 'a JSONL file holds one {"id", "lang", "tokens", "tags", "image"} object per line',
      },
    );
  }
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    // JSON.parse takes a value nested thousands deep; JSON.stringify overflows the stack on it.
    s = Array.isArray(v) ? '[…] (nested too deep to show)' : '{…} (nested too deep to show)';
  }
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

/** Options for the JSONL reader (the format is fixed). */
export type JsonlReadOptions = Omit<ReadOptions, 'format' | 'tokenColumn' | 'tagColumn'>;

/** Reads JSONL bytes or text. */
export function readJsonl(input: Uint8Array | string, opts: JsonlReadOptions): ReadResult {
  return runParser(input, opts, 'jsonl', parseJsonl);
}

/**
 * Writes one JSON object per sentence and line, fields in a fixed order, `image` null if absent.
 * U+007F is escaped: JSON.stringify leaves it raw, and the reader refuses control characters.
 */
export function formatJsonl(sentences: readonly Sentence[]): string {
  return sentences
    .map((s) => {
      const json = JSON.stringify({
        id: s.id,
        lang: s.lang,
        tokens: s.tokens,
        tags: s.tags,
        image: s.image ?? null,
      });
      return `${json.replaceAll('\u007f', '\\u007f')}\n`;
    })
    .join('');
}
