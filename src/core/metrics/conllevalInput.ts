/**
 * Reads conlleval's own input into a counter, straight from the UTF-8 bytes (no decoding of the
 * whole file, no arrays): one row per line, fields split on a one-byte delimiter the way Perl's
 * split(/d/) does (empty fields kept, trailing ones dropped), the last two fields are the gold and
 * predicted tags, and a blank or `-X-` line is a boundary. Errors say file:line. Pure.
 */
import { isMmnerError, MmnerError } from '../errors.js';
import type { TagCounter } from './counter.js';

export interface ConllevalInputOptions {
  /**
   * The column separator, one ASCII character. Default: a tab when the first non-blank line has
   * one (as `conlleval -d '\t'`), else a space (conlleval's default).
   */
  delimiter?: string;
  /** conlleval `-r`: tags carry no B-/I- prefix; every non-outside tag is a one-token chunk. */
  raw?: boolean;
  /** conlleval `-o`: the outside tag of raw input (conlleval ignores it without `-r`). */
  outsideTag?: string;
  /** Named in error messages. */
  file?: string;
}

export interface ConllevalInputInfo {
  delimiter: string;
  /** Lines read (a last line without a newline counts). */
  lines: number;
  /** Fields per non-blank line, or 0 when there was none. */
  columns: number;
  /** Lines that end in a carriage return (conlleval keeps the CR as part of the last tag). */
  crLines: number;
}

/** conlleval's sentence boundary token. */
export const BOUNDARY = '-X-';

const NL = 10;
const CR = 13;
const TAB = 9;
const DASH = 45;
const X = 88;
const LETTER_O = 79;

const isBlankByte = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** The delimiter conlleval would need: a tab if the first non-blank line has one, else a space. */
export function detectDelimiter(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  let blank = true;
  let tab = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === NL) {
      if (!blank) break;
      tab = false;
    } else {
      if (c === TAB) tab = true;
      if (!isBlankByte(c)) blank = false;
    }
  }
  return !blank && tab ? '\t' : ' ';
}

/** Turns tag fields into strings once per distinct byte sequence (FNV-1a hash, then compare). */
class TagStrings {
  private readonly table = new Map<number, { bytes: Uint8Array; text: string }[]>();
  // ignoreBOM keeps a U+FEFF that starts a field, as Perl does.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  get(b: Uint8Array, start: number, end: number): string {
    if (end - start === 1 && b[start] === LETTER_O) return 'O';
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const chain = this.table.get(h);
    if (chain) {
      for (const e of chain) if (sameBytes(e.bytes, b, start, end)) return e.text;
    }
    const bytes = b.slice(start, end);
    const text = this.decoder.decode(bytes);
    if (chain) chain.push({ bytes, text });
    else this.table.set(h, [{ bytes, text }]);
    return text;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

/** Feeds every line of `text` to `counter`, as conlleval.pl reads its standard input. */
export function feedConllevalText(
  text: string,
  counter: TagCounter,
  options: ConllevalInputOptions = {},
): ConllevalInputInfo {
  return feedConllevalBytes(new TextEncoder().encode(text), counter, options);
}

/**
 * Feeds UTF-8 bytes (validated by the caller; tags are decoded leniently) to `counter`. The
 * delimiter and newline are ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte character,
 * so splitting bytes splits characters exactly where Perl splits its byte string.
 */
export function feedConllevalBytes(
  bytes: Uint8Array,
  counter: TagCounter,
  options: ConllevalInputOptions = {},
): ConllevalInputInfo {
  const d = options.delimiter ?? detectDelimiter(bytes);
  if (d.length !== 1 || d.charCodeAt(0) > 0x7f || d === '\n') {
    throw new MmnerError('E_SCORE_DELIMITER', `the delimiter must be one ASCII character, got '${d}'`);
  }
  const dc = d.charCodeAt(0);
  const raw = options.raw === true;
  const outside = options.outsideTag ?? 'O';
  const strings = new TagStrings();
  const n = bytes.length;
  let expected = -1; // fields per line, fixed by the first non-blank line
  let expectedLine = 0;
  let lineNo = 0;
  let crLines = 0;
  let pos = 0;
  try {
    while (pos < n) {
      lineNo++;
      // One pass to the newline: the first delimiter ends field 1, the last two frame the tags.
      let fields = 1;
      let first = -1;
      let prevDelim = -1;
      let lastDelim = -1;
      let i = pos;
      for (; i < n; i++) {
        const c = bytes[i]!;
        if (c === NL) break;
        if (c === dc) {
          if (first < 0) first = i;
          prevDelim = lastDelim;
          lastDelim = i;
          fields++;
        }
      }
      const eol = i;
      let end = eol;
      while (end > pos && bytes[end - 1] === dc) end--;
      if (end !== eol) {
        // Trailing delimiters make trailing empty fields, which Perl's split drops: count again.
        fields = 1;
        first = prevDelim = lastDelim = -1;
        for (let j = pos; j < end; j++) {
          if (bytes[j] === dc) {
            if (first < 0) first = j;
            prevDelim = lastDelim;
            lastDelim = j;
            fields++;
          }
        }
      }
      if (end > pos && bytes[end - 1] === CR) crLines++;
      if (end === pos) {
        counter.boundary();
        pos = eol + 1;
        continue;
      }
      if (expected < 0) {
        expected = fields;
        expectedLine = lineNo;
      } else if (fields !== expected) {
        throw columnsError(options.file, lineNo, fields, expected, expectedLine, d, bytes.subarray(pos, eol));
      }
      const firstEnd = first < 0 ? end : first;
      if (firstEnd - pos === 3 && bytes[pos] === DASH && bytes[pos + 1] === X && bytes[pos + 2] === DASH) {
        counter.boundary();
      } else if (fields < 2) {
        throw columnsError(options.file, lineNo, fields, 2, 0, d, bytes.subarray(pos, eol));
      } else {
        let gold = strings.get(bytes, prevDelim < 0 ? pos : prevDelim + 1, lastDelim);
        let pred = strings.get(bytes, lastDelim + 1, end);
        if (raw) {
          pred = rawTag(pred, outside);
          gold = rawTag(gold, outside);
        }
        counter.token(gold, pred);
      }
      pos = eol + 1;
    }
  } catch (e) {
    // Counters know tags, not lines: put the line on their errors.
    if (isMmnerError(e) && e.line === undefined) {
      throw new MmnerError(e.code, e.detail, { file: options.file, line: lineNo, hint: e.hint, cause: e });
    }
    throw e;
  }
  return { delimiter: d, lines: lineNo, columns: Math.max(expected, 0), crLines };
}

/** conlleval -r: the outside tag becomes O, anything else a one-token chunk `B-<tag>`. */
function rawTag(tag: string, outside: string): string {
  const t = tag === outside ? 'O' : tag;
  return t === 'O' ? t : `B-${t}`;
}

function columnsError(
  file: string | undefined,
  line: number,
  fields: number,
  expected: number,
  expectedLine: number,
  delimiter: string,
  lineBytes: Uint8Array,
): MmnerError {
  const text = new TextDecoder().decode(lineBytes);
  const name = delimiter === '\t' ? 'tab' : delimiter === ' ' ? 'space' : `'${delimiter}'`;
  const detail =
    expectedLine > 0
      ? `${fields} column(s) where line ${expectedLine} has ${expected} ` +
        `(conlleval: "unexpected number of features"; columns are split on each ${name})`
      : `${fields} column(s); conlleval needs at least 2: ... gold-tag predicted-tag`;
  let hint = 'Each non-blank line needs the same columns, the last two being the gold and predicted tags.';
  if (delimiter === ' ' && text.includes('\t')) hint += ' This line has tabs: try --delimiter tab.';
  else if (delimiter === ' ' && text.includes('  ')) hint += ' Two spaces in a row make an empty column.';
  if (text.startsWith('IMGID:')) hint += ' For IMGID-CoNLL files use --gold G --pred P.';
  return new MmnerError('E_SCORE_COLUMNS', detail, { file, line, hint });
}
