/**
 * Input generators shared by the fuzz properties: raw bytes biased toward what breaks text
 * readers (invalid UTF-8, NUL, CR, BOM, very long lines, format keywords), edits of real files,
 * and mutations of JSON documents (wrong types, missing fields, huge or negative numbers).
 */
import fc from 'fast-check';

const utf8 = new TextEncoder();

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte sequences that are not UTF-8, or are UTF-8 that readers must treat with care. */
const RAW_SEQUENCES = [
  [0xff],
  [0x80],
  [0xc0, 0x80], // overlong NUL
  [0xc3], // a lead byte cut short
  [0xe2, 0x82], // a 3-byte sequence cut short
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate in UTF-8
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xef, 0xbb, 0xbf], // BOM
  [0xff, 0xfe], // UTF-16 LE BOM
  [0xfe, 0xff], // UTF-16 BE BOM
  [0x00],
].map((b) => Uint8Array.from(b));

/** Pieces of text that the formats give meaning to. */
const KEYWORDS = [
  '\n',
  '\n\n',
  '\r\n',
  '\r',
  '\t',
  ' ',
  '  ',
  '\u0000',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '\u007f',
  'IMGID:',
  'IMGID:17_06_1\n',
  'imgid :',
  '-DOCSTART-',
  '-DOCSTART- -X- O O\n',
  'O',
  'B-PER',
  'I-LOC',
  'E-ORG',
  'S-MISC',
  'B-',
  'b-per',
  'B_PER',
  '0',
  '1',
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  '\\',
  '\\u0000',
  'null',
  '1e999',
  '-0',
  '{"id":"a","lang":"en","tokens":["x"],"tags":["O"],"image":null}\n',
  '{"type":"step","time":1,"step":1,"epoch":0,"loss":{"total":1},"lr":1,"gradNorm":1,"examplesPerSec":1,"etaSec":1}\n',
  '__proto__',
  'constructor',
  'B-constructor',
  'I-toString',
  'B-__proto__',
];

const keyword = fc.constantFrom(...KEYWORDS).map((s) => utf8.encode(s));

/** One piece of a generated file. */
const piece = fc.oneof(
  { weight: 4, arbitrary: keyword },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map((s) => utf8.encode(s)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }).map((s) => utf8.encode(s)) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_SEQUENCES) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
);

/** A very long line: one unit repeated (spaces, TABs, brackets…), between two pieces. */
export function longLine(maxRepeat: number): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      piece,
      fc.constantFrom(
        ' ',
        '\t',
        'a',
        ' a',
        'a\t',
        '\u00a0',
        '[',
        '{"a":',
        '"',
        '\\',
        'é',
        '0',
        'IMGID:',
        ' \t',
      ),
      fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: maxRepeat >> 1, max: maxRepeat })),
      piece,
    )
    .map(([before, unit, count, after]) => concatBytes([before, utf8.encode(unit.repeat(count)), after]));
}

/**
 * Valid JSON nested thousands deep inside a field: JSON.parse takes it, but recursive code
 * after it (JSON.stringify, structuredClone, a recursive walk) overflows the stack.
 */
export function deepJson(maxDepth = 20_000): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(
        '',
        '{"id":',
        '{"id":"a","tokens":["x"],"tags":',
        '{"type":"step","time":1,"loss":',
        '{"version":1,"name":',
        '{"__metadata__":',
        '{"t":{"dtype":"F32","data_offsets":[0,0],"shape":',
      ),
      fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: maxDepth >> 1, max: maxDepth })),
      fc.constantFrom(['[', ']'], ['{"a":', '}']),
    )
    .map(([prefix, depth, [open, close]]) => {
      const closing = '}'.repeat(
        [...prefix].filter((c) => c === '{').length - [...prefix].filter((c) => c === '}').length,
      );
      return `${prefix}${open.repeat(depth)}0${close.repeat(depth)}${closing}\n`;
    });
}

/** Bytes of any kind, mostly text-like; `maxRepeat` bounds the long lines. */
export function anyBytes(maxRepeat = 50_000): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    { weight: 5, arbitrary: fc.array(piece, { maxLength: 80 }).map(concatBytes) },
    { weight: 1, arbitrary: longLine(maxRepeat) },
    { weight: 1, arbitrary: deepJson().map((s) => utf8.encode(s)) },
  );
}

/** Byte-level damage applied after the text edits: insert, flip, cut. */
export type ByteEdit =
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'cut'; at: number };

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.constantFrom(...RAW_SEQUENCES) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);

export function applyByteEdits(bytes: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let b = bytes;
  for (const e of edits) {
    if (b.length === 0 && e.kind !== 'insert') continue;
    const at = e.at % (b.length + (e.kind === 'insert' ? 1 : 0));
    if (e.kind === 'insert') b = concatBytes([b.subarray(0, at), e.bytes, b.subarray(at)]);
    else if (e.kind === 'flip') {
      b = b.slice();
      b[at]! ^= e.mask;
    } else b = b.slice(0, at);
  }
  return b;
}

/** Line-level edits of a real file. Positions are taken modulo the line count. */
export type LineEdit =
  | { kind: 'delete' | 'duplicate' | 'crlf' | 'bom' | 'tabsToSpaces' | 'spacesToTabs' | 'blank'; at: number }
  | { kind: 'swap'; at: number; other: number }
  | { kind: 'truncate'; at: number; column: number }
  | { kind: 'tag' | 'imgid' | 'junk' | 'insertLine' | 'trailing'; at: number; text: string; column: number };

const junk = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(...KEYWORDS),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

export const lineEdit: fc.Arbitrary<LineEdit> = fc.oneof(
  fc.record({
    kind: fc.constantFrom(
      'delete' as const,
      'duplicate' as const,
      'crlf' as const,
      'bom' as const,
      'tabsToSpaces' as const,
      'spacesToTabs' as const,
      'blank' as const,
    ),
    at: fc.nat(),
  }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), column: fc.nat() }),
  fc.record({
    kind: fc.constantFrom(
      'tag' as const,
      'imgid' as const,
      'junk' as const,
      'insertLine' as const,
      'trailing' as const,
    ),
    at: fc.nat(),
    text: junk,
    column: fc.nat(),
  }),
);

/** Applies line edits; returns the edited lines (a truncation drops what follows it). */
export function applyLineEdits(lines: readonly string[], edits: readonly LineEdit[]): string[] {
  const out = [...lines];
  for (const e of edits) {
    if (out.length === 0) out.push('');
    const i = e.at % out.length;
    const line = out[i]!;
    switch (e.kind) {
      case 'delete':
        out.splice(i, 1);
        break;
      case 'duplicate':
        out.splice(i, 0, line);
        break;
      case 'crlf':
        out[i] = `${line}\r`;
        break;
      case 'bom':
        out[i] = `\ufeff${line}`;
        break;
      case 'tabsToSpaces':
        out[i] = line.replaceAll('\t', ' ');
        break;
      case 'spacesToTabs':
        out[i] = line.replaceAll(' ', '\t');
        break;
      case 'blank':
        out.splice(i, 0, '');
        break;
      case 'swap': {
        const j = e.other % out.length;
        out[i] = out[j]!;
        out[j] = line;
        break;
      }
      case 'truncate':
        out.splice(i, out.length - i, line.slice(0, e.column % (line.length + 1)));
        break;
      case 'tag': {
        // The last field is the tag in every column format.
        const cut = Math.max(line.lastIndexOf('\t'), line.lastIndexOf(' '));
        out[i] = cut < 0 ? `${line}\t${e.text}` : `${line.slice(0, cut + 1)}${e.text}`;
        break;
      }
      case 'imgid':
        out.splice(i, 0, `IMGID:${e.text}`);
        break;
      case 'junk': {
        const c = e.column % (line.length + 1);
        out[i] = `${line.slice(0, c)}${e.text}${line.slice(c)}`;
        break;
      }
      case 'insertLine':
        out.splice(i, 0, e.text);
        break;
      case 'trailing':
        out[i] = `${line}${' \t'.repeat((e.column % 3) + 1)}`;
        break;
    }
  }
  return out;
}

// ---- JSON ----------------------------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Keys that name Object.prototype members: a parser that assigns them naively breaks. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** Values that break checks written for the happy path. */
const SPECIAL_VALUES: Json[] = [
  null,
  true,
  false,
  0,
  -1,
  -0,
  0.5,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 32,
  2 ** 40,
  2 ** 53,
  2 ** 64,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  '..',
  '../x',
  'a/../..',
  '/etc/passwd',
  'C:\\x',
  '\\\\server\\share',
  'a\u0000b',
  'x'.repeat(5000),
  '1',
  'F32',
  'B-PER',
  [],
  [0],
  [-1, 2],
  [2 ** 40, 2 ** 40],
  {},
  { __proto__: null, a: 1 } as Json,
];

const key = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
);

/** Any JSON value, keys sometimes named after Object.prototype members. */
export const jsonValue: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'binary', maxLength: 10 }),
    fc.constantFrom(...SPECIAL_VALUES),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map(objectOf),
  ),
})).value;

/** An object with these own properties, `__proto__` included as an own key (as JSON.parse does). */
export function objectOf(entries: readonly (readonly [string, Json])[]): { [key: string]: Json } {
  const o: { [key: string]: Json } = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/** One change to a JSON document at one of its paths (picked modulo the path count). */
export type JsonEdit =
  | { kind: 'replace'; at: number; value: Json }
  | { kind: 'delete'; at: number }
  | { kind: 'addKey'; at: number; key: string; value: Json }
  | { kind: 'wrap'; at: number };

export const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: jsonValue }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('addKey' as const), at: fc.nat(), key, value: jsonValue }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }) },
);

type Slot = { parent: Json[] | { [key: string]: Json } | undefined; key: string | number; value: Json };

function slotsOf(root: Json): Slot[] {
  const out: Slot[] = [{ parent: undefined, key: '', value: root }];
  const walk = (v: Json) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push({ parent: v, key: i, value: x });
        walk(x);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        out.push({ parent: v, key: k, value: v[k]! });
        walk(v[k]!);
      }
    }
  };
  walk(root);
  return out;
}

function setAt(slot: Slot, value: Json): void {
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  else if (slot.parent) objectSet(slot.parent, slot.key as string, value);
}

function objectSet(o: { [key: string]: Json }, k: string, v: Json): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Applies edits to a deep copy of `doc` (inserted values are copied too: no shared, no circular parts). */
export function applyJsonEdits(doc: Json, edits: readonly JsonEdit[]): Json {
  let root: Json = structuredClone(doc);
  for (const edit of edits) {
    const e = 'value' in edit ? { ...edit, value: structuredClone(edit.value) } : edit;
    const slots = slotsOf(root);
    const slot = slots[e.at % slots.length]!;
    const isRoot = slot.parent === undefined;
    switch (e.kind) {
      case 'replace':
        if (isRoot) root = e.value;
        else setAt(slot, e.value);
        break;
      case 'delete':
        if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
        else if (slot.parent) delete slot.parent[slot.key as string];
        break;
      case 'addKey':
        if (slot.value !== null && typeof slot.value === 'object' && !Array.isArray(slot.value))
          objectSet(slot.value, e.key, e.value);
        break;
      case 'wrap':
        if (isRoot) root = [root];
        else setAt(slot, [slot.value]);
        break;
    }
  }
  return root;
}

/** JSON text of a document: compact or indented, as writers and people write it. */
export const jsonStyle = fc.constantFrom(undefined, 2, '\t');

export function toJsonText(doc: Json, indent: number | string | undefined): string {
  return JSON.stringify(doc, null, indent);
}
