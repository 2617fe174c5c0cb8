/**
 * The dataset manifest (`dataset.json`): names the languages, splits, files and image folder,
 * so one dataset spans en/fr/de/es. Paths are relative to the manifest's folder. The parser
 * checks every field and names the line of each problem; loading the files is dataset.node.ts.
 */
import { SAFE_NAME } from '../run/names.js';
import { splitTag, TAG_SCHEMES } from '../schemes/tags.js';
import { JsonSyntaxError, parseJsonLocated } from './json.js';
import { DataCode, type ProblemCollector } from './problems.js';

/** On-disk formats the readers understand. */
export const DatasetFormat = { imgidConll: 'imgid-conll', conll: 'conll', jsonl: 'jsonl' } as const;
export type DatasetFormat = (typeof DatasetFormat)[keyof typeof DatasetFormat];

/** What to do when a sentence's image file is missing: fail, or use a blank image and count it. */
export type MissingImagePolicy = 'error' | 'blank';

export interface DatasetFileEntry {
  /** ISO 639-1 language of every sentence in the file. */
  lang: string;
  /** Path relative to the manifest folder. */
  file: string;
  format: DatasetFormat;
  /** CoNLL only: 0-based column of the tag (default: the last column). */
  tagColumn?: number;
  /** CoNLL only: 0-based column of the token (default 0). */
  tokenColumn?: number;
}

export interface DatasetManifest {
  /** Format version of the manifest itself. */
  version: 1;
  name: string;
  description?: string;
  /** Tag scheme of the files (`IOB2` unless stated). */
  scheme?: 'IOB1' | 'IOB2' | 'BIOES';
  /** Renames entity types on reading, e.g. `{ "OTHER": "MISC" }` for Twitter-2015. */
  typeMap?: Record<string, string>;
  /** Known entity types (after typeMap); a tag of another type is an error. Default: any. */
  types?: string[];
  images?: {
    /** Folder holding `<image id>.<ext>`, relative to the manifest folder. */
    dir: string;
    missing: MissingImagePolicy;
  };
  /** Split name (`train`, `dev`, `test`, …) → files. */
  splits: Record<string, DatasetFileEntry[]>;
  /** Named subsets of sentence ids (e.g. `ambiguous`): name → file with one id per line. */
  subsets?: Record<string, string>;
}

export const MANIFEST_FILE = 'dataset.json';

const FORMATS: readonly string[] = Object.values(DatasetFormat);
const POLICIES: readonly MissingImagePolicy[] = ['error', 'blank'];
const TOP_FIELDS = [
  'version',
  'name',
  'description',
  'scheme',
  'typeMap',
  'types',
  'images',
  'splits',
  'subsets',
];
const IMAGE_FIELDS = ['dir', 'missing'];
const ENTRY_FIELDS = ['lang', 'file', 'format', 'tagColumn', 'tokenColumn'];

/**
 * Why a manifest path is unsafe, or undefined: paths are relative and stay inside the manifest
 * folder, so a dataset can be moved or shared as one folder.
 */
export function unsafePathReason(path: string): string | undefined {
  if (path === '') return 'the path is empty';
  if (path.includes('\u0000')) return 'the path contains a NUL character';
  if (/^([\\/]|[A-Za-z]:)/.test(path)) return 'absolute paths are not allowed';
  let depth = 0;
  for (const part of path.split(/[\\/]/)) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return "the path leaves the manifest's folder (..)";
  }
  if (depth === 0) return "the path names the manifest's folder itself";
  return undefined;
}

/**
 * Split and subset names become keys of plain objects and file names (`eval/<split>.json`):
 * `__proto__` would be lost as a key, `a/b` could not be a file.
 */
function isPlainName(name: string): boolean {
  return SAFE_NAME.test(name) && !name.includes('..');
}
const NAME_RULE = 'the name must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit';

/** Reads `typeMap` from `A=B` pairs (`OTHER=MISC`, comma- or repeat-separated). */
export function parseTypeMap(specs: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of specs.flatMap((s) => s.split(','))) {
    const m = /^\s*([^=\s]+)\s*=\s*([^=\s]+)\s*$/.exec(pair);
    if (!m) throw new Error(`'${pair}' is not FROM=TO (e.g. OTHER=MISC)`);
    map[m[1]!] = m[2]!;
  }
  return map;
}

/** The line of a manifest field, for messages from the loader (`splits.train[0].file`). */
export type ManifestLines = (path: string) => number | undefined;

export interface ParsedManifest {
  manifest: DatasetManifest;
  lineOf: ManifestLines;
}

/**
 * Parses and checks `dataset.json` text; problems go to `problems` with the line of each field.
 * Returns undefined when there was an error (in collect mode).
 */
export function parseManifest(
  text: string,
  file: string,
  problems: ProblemCollector,
): ParsedManifest | undefined {
  let json: ReturnType<typeof parseJsonLocated>;
  try {
    json = parseJsonLocated(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    problems.error(DataCode.manifestSyntax, `invalid JSON: ${e.detail} (column ${e.column})`, {
      file,
      line: e.line,
      hint: 'the manifest is one JSON object; check commas and quotes near that position',
    });
    return undefined;
  }
  const at = (path: string) => ({ file, line: json.lineOf(path) ?? 1 });
  const bad = (path: string, message: string, hint = 'see the manifest example in docs/data.md') =>
    problems.error(DataCode.manifestField, `${path}: ${message}`, { ...at(path), hint });
  const unknown = (obj: Record<string, unknown>, known: readonly string[], prefix: string) => {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) {
        const path = prefix ? `${prefix}.${key}` : key;
        problems.warning(DataCode.manifestUnknownField, `unknown field ${path} (ignored)`, {
          ...at(path),
          hint: `the fields here are ${known.join(', ')}`,
        });
      }
    }
  };
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const path = (p: string, value: unknown): value is string => {
    if (typeof value !== 'string') {
      bad(p, 'must be a path (a string) relative to the manifest folder', 'e.g. "train.en.txt"');
      return false;
    }
    const why = unsafePathReason(value);
    if (why) {
      problems.error(DataCode.manifestPath, `${p}: '${value}': ${why}`, {
        ...at(p),
        hint: 'write a path relative to the manifest\'s folder that stays inside it, e.g. "images" or "en/train.txt"',
      });
      return false;
    }
    return true;
  };

  const m = json.value;
  if (!isObject(m)) {
    problems.error(DataCode.manifestField, 'the manifest must be a JSON object', {
      file,
      line: 1,
      hint: 'see docs/data.md for an example dataset.json',
    });
    return undefined;
  }
  unknown(m, TOP_FIELDS, '');
  const before = problems.errorCount;
  if (m.version !== 1)
    bad('version', `must be 1, found ${JSON.stringify(m.version) ?? 'nothing'}`, 'add "version": 1');
  if (typeof m.name !== 'string' || m.name === '')
    bad('name', 'must be a non-empty string', 'e.g. "name": "twitter2015"');
  if (m.description !== undefined && typeof m.description !== 'string')
    bad('description', 'must be a string');
  if (m.scheme !== undefined && !(TAG_SCHEMES as readonly unknown[]).includes(m.scheme)) {
    bad('scheme', `must be one of ${TAG_SCHEMES.join(', ')}`, 'leave it out for IOB2');
  }
  // A renamed type goes into every tag (`B-<type>`), so it must be a type name.
  if (
    m.typeMap !== undefined &&
    (!isObject(m.typeMap) ||
      Object.values(m.typeMap).some((v) => typeof v !== 'string' || splitTag(`B-${v}`) === undefined))
  ) {
    bad('typeMap', 'must map type names to type names', 'e.g. "typeMap": { "OTHER": "MISC" }');
  }
  if (m.types !== undefined && (!Array.isArray(m.types) || m.types.some((t) => typeof t !== 'string'))) {
    bad('types', 'must be a list of entity type names', 'e.g. "types": ["PER", "LOC", "ORG", "MISC"]');
  }
  if (m.images !== undefined) {
    if (!isObject(m.images))
      bad('images', 'must be an object', 'e.g. "images": { "dir": "images", "missing": "blank" }');
    else {
      unknown(m.images, IMAGE_FIELDS, 'images');
      path('images.dir', m.images.dir);
      if (!POLICIES.includes(m.images.missing as MissingImagePolicy)) {
        bad(
          'images.missing',
          `must be "error" or "blank", found ${JSON.stringify(m.images.missing) ?? 'nothing'}`,
          '"blank" uses a blank image for a missing file and counts it',
        );
      }
    }
  }
  if (!isObject(m.splits) || Object.keys(m.splits).length === 0) {
    bad(
      'splits',
      'must name at least one split',
      'e.g. "splits": { "train": [{ "lang": "en", "file": "train.txt", "format": "imgid-conll" }] }',
    );
  } else {
    for (const [split, entries] of Object.entries(m.splits)) {
      const sp = `splits.${split}`;
      if (!isPlainName(split)) {
        bad(sp, NAME_RULE, 'e.g. "train", "dev", "test"');
        continue;
      }
      if (!Array.isArray(entries) || entries.length === 0) {
        bad(
          sp,
          'must be a non-empty list of files',
          'e.g. [{ "lang": "en", "file": "train.txt", "format": "imgid-conll" }]',
        );
        continue;
      }
      for (const [i, e] of entries.entries()) {
        const ep = `${sp}[${i}]`;
        if (!isObject(e)) {
          bad(ep, 'must be an object { lang, file, format }');
          continue;
        }
        unknown(e, ENTRY_FIELDS, ep);
        if (typeof e.lang !== 'string' || !/^[a-z]{2,3}$/.test(e.lang)) {
          bad(`${ep}.lang`, 'must be an ISO 639-1 code such as "en"');
        }
        path(`${ep}.file`, e.file);
        if (!FORMATS.includes(e.format as string))
          bad(`${ep}.format`, `must be one of ${FORMATS.join(', ')}`);
        for (const k of ['tagColumn', 'tokenColumn'] as const) {
          const v = e[k];
          if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0))
            bad(`${ep}.${k}`, 'must be a column number counted from 0');
        }
      }
    }
  }
  if (m.subsets !== undefined) {
    if (!isObject(m.subsets))
      bad('subsets', 'must map subset names to id files', 'e.g. "subsets": { "ambiguous": "ambiguous.ids" }');
    else {
      for (const [name, f] of Object.entries(m.subsets)) {
        if (!isPlainName(name)) bad(`subsets.${name}`, NAME_RULE, 'e.g. "ambiguous"');
        else path(`subsets.${name}`, f);
      }
    }
  }
  if (problems.errorCount !== before) return undefined;
  return { manifest: m as unknown as DatasetManifest, lineOf: json.lineOf };
}
