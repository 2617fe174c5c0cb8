/**
 * The inspection views `mmner eval` saves beside the scores of a multimodal run, in the shared
 * contrastive space: sentence and token vectors, per image branch the global and region vectors,
 * the collaboration module's attention (mean over heads) and its gate. Stored as
 * `eval/<split>.inspect.bin`: a small JSON header then Float32 blocks, so 20,000 vectors load in
 * a browser without parsing megabytes of JSON. Pure, browser-safe.
 *
 * Layout: magic "MMNI" · u32 header byte length (little endian) · UTF-8 JSON header · zero padding
 * to a multiple of 4 · the blocks, each Float32 little endian at the offset the header gives.
 */
import { MmnerError } from '../errors.js';

export interface InspectData {
  split: string;
  /** Width of the shared space. */
  dim: number;
  /** Image branch names, e.g. `['cnn']` or `['vit', 'resnet']`. */
  branches: string[];
  /** Per branch: the region grid `[rows, cols]` (rows·cols = R), for drawing attention over the image. */
  regionGrid: [number, number][];
  /** Sentence ids, in the order of the eval file's sentences. */
  ids: string[];
  /** Start of each sentence's tokens in the token-indexed blocks; length N + 1. */
  tokenOffsets: Int32Array;
  /** `[N, dim]` projected sentence vectors. */
  sentence: Float32Array;
  /** Per branch `[N, dim]` projected global image vectors. */
  image: Float32Array[];
  /** `[ΣT, dim]` projected token vectors. */
  tokens: Float32Array;
  /** Per branch `[N, R, dim]` projected region vectors; empty when too large to keep (see eval/inspect.ts). */
  regions: Float32Array[];
  /** Per branch `[ΣT, R]` attention from each token over the regions, averaged over heads. */
  attention: Float32Array[];
  /** Per branch `[ΣT]` gate value of each token (1 when the module has no gate). */
  gate: Float32Array[];
}

const MAGIC = 'MMNI';
const BRANCH_BLOCKS = ['image', 'regions', 'attention', 'gate'] as const;

interface Header {
  version: 1;
  split: string;
  dim: number;
  branches: string[];
  regionGrid: [number, number][];
  ids: string[];
  tokenOffsets: number[];
  blocks: { name: string; offset: number; length: number }[];
}

/** The blocks of a file, in file order: sentence, tokens, then per kind each branch's. */
export function blocksOf(d: InspectData): [string, Float32Array][] {
  const out: [string, Float32Array][] = [
    ['sentence', d.sentence],
    ['tokens', d.tokens],
  ];
  for (const kind of BRANCH_BLOCKS) {
    for (const [i, a] of d[kind].entries()) out.push([`${kind}.${d.branches[i]}`, a]);
  }
  return out;
}

function isCount(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

/** What is wrong with a header's fields, checked before any is used; undefined when nothing is. */
function headerProblem(h: unknown): string | undefined {
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return 'unknown header layout';
  const x = h as Record<string, unknown>;
  if (x.version !== 1) return 'unknown header layout';
  if (typeof x.split !== 'string') return 'header field "split" is not a string';
  if (!isCount(x.dim)) return 'header field "dim" is not a count';
  if (!isStrings(x.branches) || !isStrings(x.ids))
    return 'header fields "branches" and "ids" are not lists of strings';
  if (!Array.isArray(x.regionGrid) || !x.regionGrid.every((g) => Array.isArray(g) && g.length === 2))
    return 'header field "regionGrid" is not a list of [rows, cols]';
  if (!Array.isArray(x.tokenOffsets) || !x.tokenOffsets.every((o) => isCount(o) && o <= 0x7fffffff))
    return 'header field "tokenOffsets" is not a list of offsets';
  const isBlock = (b: unknown) => {
    const y = b as Record<string, unknown> | null;
    return (
      typeof y === 'object' &&
      y !== null &&
      typeof y.name === 'string' &&
      isCount(y.offset) &&
      isCount(y.length)
    );
  };
  if (!Array.isArray(x.blocks) || !x.blocks.every(isBlock))
    return 'header field "blocks" is not a list of { name, offset, length }';
  return undefined;
}

/** Checks the shapes agree with each other, so a bad writer fails where it writes. */
export function checkInspect(d: InspectData): void {
  const n = d.ids.length;
  const totalTokens = d.tokenOffsets[n] ?? 0;
  const bad = (what: string) => new MmnerError('E_INSPECT_SHAPE', `inspection data: ${what}`);
  if (!isCount(d.dim)) throw bad(`dim is ${d.dim}, not a count`);
  if (d.tokenOffsets.length !== n + 1)
    throw bad(`tokenOffsets has ${d.tokenOffsets.length} entries for ${n} sentences`);
  // Views slice tokens by these offsets: they start at 0 and never decrease.
  if (d.tokenOffsets.some((o, i) => (i === 0 ? o !== 0 : o < d.tokenOffsets[i - 1]!)))
    throw bad(`tokenOffsets [${d.tokenOffsets.slice(0, 8).join(', ')}…] do not rise from 0`);
  if (
    d.regionGrid.length !== d.branches.length ||
    !d.regionGrid.every((g) => g.length === 2 && g.every(isCount))
  )
    throw bad(`regionGrid is not one [rows, cols] per branch (${d.branches.length} branches)`);
  if (d.sentence.length !== n * d.dim)
    throw bad(`sentence has ${d.sentence.length} values, expected ${n}×${d.dim}`);
  if (d.tokens.length !== totalTokens * d.dim)
    throw bad(`tokens has ${d.tokens.length} values, expected ${totalTokens}×${d.dim}`);
  for (const kind of BRANCH_BLOCKS) {
    if (d[kind].length !== d.branches.length)
      throw bad(`${kind} has ${d[kind].length} branches, expected ${d.branches.length}`);
  }
  d.branches.forEach((b, i) => {
    const [rows, cols] = d.regionGrid[i]!;
    const r = rows * cols;
    const want: Record<(typeof BRANCH_BLOCKS)[number], number> = {
      image: n * d.dim,
      regions: n * r * d.dim,
      attention: totalTokens * r,
      gate: totalTokens,
    };
    for (const kind of BRANCH_BLOCKS) {
      if (kind === 'regions' && d.regions[i]!.length === 0) continue;
      if (d[kind][i]!.length !== want[kind])
        throw bad(`${kind}.${b} has ${d[kind][i]!.length} values, expected ${want[kind]}`);
    }
  });
}

/**
 * The bytes before the blocks: magic, header length, header, zero padding to a multiple of 4.
 * `blocks` gives each block's name and length in values, in file order; they follow back to back.
 */
export function inspectPrefix(
  d: Pick<InspectData, 'split' | 'dim' | 'branches' | 'regionGrid' | 'ids' | 'tokenOffsets'>,
  blocks: readonly (readonly [string, number])[],
): Uint8Array {
  let offset = 0;
  const header: Header = {
    version: 1,
    split: d.split,
    dim: d.dim,
    branches: d.branches,
    regionGrid: d.regionGrid,
    ids: d.ids,
    tokenOffsets: [...d.tokenOffsets],
    blocks: blocks.map(([name, length]) => {
      const b = { name, offset, length };
      offset += length * 4;
      return b;
    }),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(Math.ceil((8 + json.length) / 4) * 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  return out;
}

export function encodeInspect(d: InspectData): Uint8Array {
  checkInspect(d);
  const blocks = blocksOf(d);
  const prefix = inspectPrefix(
    d,
    blocks.map(([name, a]) => [name, a.length] as const),
  );
  const out = new Uint8Array(prefix.length + blocks.reduce((n, [, a]) => n + a.byteLength, 0));
  out.set(prefix, 0);
  let at = prefix.length;
  for (const [, a] of blocks) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

/** Reads what `encodeInspect` wrote; `file` names the source in errors. */
export function decodeInspect(bytes: Uint8Array, file = 'inspect.bin'): InspectData {
  const fail = (what: string) =>
    new MmnerError('E_INSPECT_FORMAT', what, {
      file,
      hint: 'run `mmner eval` again to rewrite it',
    });
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC)
    throw fail('not an mmner inspection file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = view.getUint32(4, true);
  if (8 + len > bytes.length) throw fail('truncated header');
  let header: Header;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + len)),
    ) as Header;
  } catch (e) {
    throw fail(`unreadable header (${(e as Error).message})`);
  }
  const wrong = headerProblem(header);
  if (wrong) throw fail(wrong);
  const start = Math.ceil((8 + len) / 4) * 4;
  const block = (name: string): Float32Array => {
    const b = header.blocks.find((x) => x.name === name);
    if (!b) throw fail(`block '${name}' is missing`);
    const from = start + b.offset;
    if (b.offset % 4 !== 0 || from + b.length * 4 > bytes.length) {
      throw fail(`block '${name}' lies outside the file (truncated?)`);
    }
    // Copy: the input may not be 4-byte aligned, and callers may keep the data past the buffer.
    // (Uint8Array's slice: a Node Buffer's own slice is a view into a shared pool.)
    return new Float32Array(Uint8Array.prototype.slice.call(bytes, from, from + b.length * 4).buffer);
  };
  const d: InspectData = {
    split: header.split,
    dim: header.dim,
    branches: header.branches,
    regionGrid: header.regionGrid,
    ids: header.ids,
    tokenOffsets: Int32Array.from(header.tokenOffsets),
    sentence: block('sentence'),
    tokens: block('tokens'),
    image: header.branches.map((b) => block(`image.${b}`)),
    regions: header.branches.map((b) => block(`regions.${b}`)),
    attention: header.branches.map((b) => block(`attention.${b}`)),
    gate: header.branches.map((b) => block(`gate.${b}`)),
  };
  try {
    checkInspect(d);
  } catch (e) {
    throw fail((e as Error).message);
  }
  return d;
}
