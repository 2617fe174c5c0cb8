/**
 * The file side of scoring (Node only): read a file as strict UTF-8 with a file:line error where
 * it is not, then score a conlleval input file or a gold/prediction pair of tag files.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { MmnerError } from '../errors.js';
import { firstInvalidUtf8 } from '../utf8.js';
import { type ConllevalInputInfo, type ConllevalInputOptions, feedConllevalBytes } from './conllevalInput.js';
import type { ScoreResult } from './result.js';
import { createCounter, type ScoreOptions } from './score.js';
import { feedTagTexts } from './tagFiles.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Throws E_SCORE_ENCODING, naming the line of the first byte that is not UTF-8. */
export function assertUtf8(bytes: Uint8Array, file: string): void {
  if (isUtf8(bytes)) return;
  const bad = firstInvalidUtf8(bytes);
  let line = 1;
  for (let i = 0; i < bad; i++) if (bytes[i] === 10) line++;
  throw new MmnerError(
    'E_SCORE_ENCODING',
    `not UTF-8 (byte 0x${(bytes[bad] ?? 0).toString(16)} at offset ${bad})`,
    {
      file,
      line,
      hint: 'Convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8.',
    },
  );
}

/** Decodes UTF-8 strictly (a BOM is kept, as conlleval keeps it); names the first bad line. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  assertUtf8(bytes, file);
  return utf8.decode(bytes);
}

/** A file's bytes (standard input for `-`), checked to be UTF-8. */
export function readUtf8Bytes(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path === '-' ? 0 : path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what = path === '-' ? 'standard input' : path;
    throw new MmnerError('E_SCORE_FILE', `cannot read ${what} (${code ?? e})`, {
      hint: code === 'ENOENT' ? 'Check the path.' : undefined,
    });
  }
  assertUtf8(bytes, path === '-' ? '<stdin>' : path);
  return bytes;
}

/** Reads a file (or standard input for `-`) as UTF-8 text. */
export function readUtf8File(path: string): string {
  return utf8.decode(readUtf8Bytes(path));
}

export interface FileScore {
  result: ScoreResult;
  input: ConllevalInputInfo;
}

/** Scores a conlleval input file: `... gold pred` columns, blank or -X- lines between sentences. */
export function scoreConllevalFile(
  path: string,
  options: ScoreOptions & Omit<ConllevalInputOptions, 'file'> = {},
): FileScore {
  const file = path === '-' ? '<stdin>' : path;
  // Bytes, not text: the parser never needs the whole file decoded.
  const bytes = readUtf8Bytes(path);
  const counter = createCounter(options);
  const input = feedConllevalBytes(bytes, counter, { ...options, file });
  return { result: counter.result(), input };
}

/** Scores a predicted tag file against a gold one (CoNLL or IMGID-CoNLL layouts). */
export function scoreTagFiles(goldPath: string, predPath: string, options: ScoreOptions = {}): ScoreResult {
  const counter = createCounter(options);
  feedTagTexts(
    { file: goldPath, text: readUtf8File(goldPath) },
    { file: predPath, text: readUtf8File(predPath) },
    counter,
  );
  return counter.result();
}
