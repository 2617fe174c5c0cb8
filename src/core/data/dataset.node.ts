/**
 * Loading a dataset from its manifest: every split's files read (tags renamed by the type map
 * and converted to IOB2), ids unique per split, subsets resolved, images looked up under the
 * missing-image policy and optionally decoded. `throw` mode loads; `collect` mode validates.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { escapesTo, outsideMessage } from '../confine.node.js';
import type { TagScheme } from '../schemes/tags.js';
import type { Sentence } from '../types.js';
import type { ReadStats, SeenIds } from './assemble.js';
import type { ImageCounts } from './images.js';
import {
  checkImages,
  type ImageToCheck,
  indexImageFolder,
  reportMissingFolder,
  resolveImages,
} from './images.node.js';
import { type DatasetFileEntry, type DatasetManifest, MANIFEST_FILE, parseManifest } from './manifest.js';
import { DataCode, type DataProblem, ProblemCollector, type ReportMode } from './problems.js';
import { readData } from './read.js';
import { readBytes } from './readFile.node.js';
import type { ReadResult } from './readOptions.js';
import { decodeText, eachLine } from './text.js';

export interface LoadDatasetOptions {
  /** `throw` (default) stops at the first error; `collect` returns every problem. */
  mode?: ReportMode;
  /** Scheme the sentences are converted to (default IOB2); null keeps the files' scheme. */
  targetScheme?: TagScheme | null;
  /** Look images up in the image folder (default true). */
  images?: boolean;
  /** Decode every found image with sharp to catch corrupt files (default false: slow). */
  checkImages?: boolean;
  /** Read only these splits (default: all). */
  splits?: readonly string[];
  maxLineLength?: number;
}

export interface SplitStats extends ReadStats {
  /** Sentences per language. */
  languages: Record<string, number>;
  images: ImageCounts;
}

/** One file of the dataset as read. */
export interface LoadedFile {
  split: string;
  entry: DatasetFileEntry;
  /** The path as messages show it (manifest folder as given, joined with the entry's file). */
  file: string;
  format: ReadResult['format'];
  notes: string[];
  stats: ReadResult['stats'];
}

export interface LoadedDataset {
  manifest: DatasetManifest;
  manifestPath: string;
  /** The manifest's folder; every path in the manifest is relative to it. */
  root: string;
  splits: Record<string, Sentence[]>;
  /** Subset name → sentence ids. */
  subsets: Record<string, string[]>;
  /** Image id → image file, for the images that were found. */
  imagePaths: Map<string, string>;
  stats: Record<string, SplitStats>;
  files: LoadedFile[];
  /** Every problem in collect mode; the warnings in throw mode. */
  problems: DataProblem[];
}

async function kindOf(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/** A folder names its `dataset.json`; a `.json` file is taken as a manifest; anything else: undefined. */
export async function findManifest(path: string): Promise<string | undefined> {
  const kind = await kindOf(path);
  if (kind === 'dir') {
    const inside = join(path, MANIFEST_FILE);
    return (await kindOf(inside)) === 'file' ? inside : undefined;
  }
  return kind === 'file' && /\.json$/i.test(path) ? path : undefined;
}

/** Reads a manifest and everything it names. */
export async function loadDataset(
  manifestPath: string,
  opts: LoadDatasetOptions = {},
): Promise<LoadedDataset> {
  const problems = new ProblemCollector(opts.mode ?? 'throw');
  const root = dirname(manifestPath);
  const text = decodeText(await readBytes(manifestPath), manifestPath, problems);
  const parsed = parseManifest(text, manifestPath, problems);
  const out: LoadedDataset = {
    manifest: parsed?.manifest ?? ({ version: 1, name: '', splits: {} } as DatasetManifest),
    manifestPath,
    root,
    splits: {},
    subsets: {},
    imagePaths: new Map(),
    stats: {},
    files: [],
    problems: [],
  };
  if (!parsed) {
    out.problems = problems.finish();
    return out;
  }
  const { manifest, lineOf } = parsed;
  const at = (path: string) => ({ file: manifestPath, line: lineOf(path) ?? 1 });
  /** False (and an error) when a manifest path leads outside the manifest folder through a symlink. */
  const inside = async (field: string, path: string): Promise<boolean> => {
    const real = await escapesTo(root, path);
    if (real === undefined) return true;
    const { message, hint } = outsideMessage(root, path, real, { what: field, folder: 'the dataset folder' });
    problems.error(DataCode.pathOutside, message, { ...at(field), hint });
    return false;
  };

  for (const [split, entries] of Object.entries(manifest.splits)) {
    if (opts.splits && !opts.splits.includes(split)) continue;
    const sentences: Sentence[] = [];
    const seenIds: SeenIds = new Map();
    const stats: SplitStats = {
      sentences: 0,
      tokens: 0,
      entities: {},
      languages: {},
      images: { found: 0, blank: 0, none: 0 },
    };
    for (const [i, entry] of entries.entries()) {
      const file = join(root, entry.file);
      if (!(await inside(`splits.${split}[${i}].file`, file))) continue;
      const kind = await kindOf(file);
      if (kind !== 'file') {
        problems.error(
          DataCode.manifestFileMissing,
          `splits.${split}[${i}].file: ${kind === 'dir' ? 'is a folder' : 'no such file'}: ${file}`,
          {
            ...at(`splits.${split}[${i}].file`),
            hint: "paths in the manifest are relative to the manifest's folder",
          },
        );
        continue;
      }
      const result = readData(await readBytes(file), {
        file,
        format: entry.format,
        mode: problems.mode,
        lang: entry.lang,
        seenIds,
        ...(manifest.scheme ? { scheme: manifest.scheme } : {}),
        ...(opts.targetScheme !== null ? { targetScheme: opts.targetScheme ?? 'IOB2' } : {}),
        ...(manifest.typeMap ? { typeMap: manifest.typeMap } : {}),
        ...(manifest.types ? { types: manifest.types } : {}),
        ...(entry.tagColumn !== undefined ? { tagColumn: entry.tagColumn } : {}),
        ...(entry.tokenColumn !== undefined ? { tokenColumn: entry.tokenColumn } : {}),
        ...(opts.maxLineLength !== undefined ? { maxLineLength: opts.maxLineLength } : {}),
      });
      problems.addAll(result.problems);
      out.files.push({ split, entry, file, format: result.format, notes: result.notes, stats: result.stats });
      for (const s of result.sentences) sentences.push(s);
      stats.sentences += result.stats.sentences;
      stats.tokens += result.stats.tokens;
      stats.languages[entry.lang] = (stats.languages[entry.lang] ?? 0) + result.stats.sentences;
      for (const [type, count] of Object.entries(result.stats.entities)) {
        // hasOwn: a type named `constructor` would read Object.prototype's member.
        stats.entities[type] = (Object.hasOwn(stats.entities, type) ? stats.entities[type]! : 0) + count;
      }
    }
    out.splits[split] = sentences;
    out.stats[split] = stats;
  }

  if (manifest.images && opts.images !== false) {
    const imageDir = join(root, manifest.images.dir);
    const dirInside = await inside('images.dir', imageDir);
    // A folder outside is treated as absent (its error is reported above); the links in it are
    // checked one by one, since an image file may itself be a link.
    const index = dirInside
      ? await indexImageFolder(imageDir, problems, { confineTo: root, ...at('images.dir') })
      : { dir: imageDir, byId: new Map<string, string>(), exists: false };
    let withImage = 0;
    for (const sentences of Object.values(out.splits))
      for (const s of sentences) if (s.image !== undefined) withImage++;
    if (dirInside) reportMissingFolder(index, manifest.images.missing, withImage, problems, at('images.dir'));
    const toCheck = new Map<string, ImageToCheck>();
    for (const [split, sentences] of Object.entries(out.splits)) {
      const r = resolveImages(sentences, index, manifest.images.missing, problems);
      out.stats[split]!.images = { found: r.found, blank: r.blank, none: r.none };
      for (const [id, path] of r.paths) out.imagePaths.set(id, path);
      if (opts.checkImages) {
        for (const s of sentences) {
          const path = s.image !== undefined ? r.paths.get(s.image) : undefined;
          if (path && !toCheck.has(path)) toCheck.set(path, { path, ...(s.source ?? {}) });
        }
      }
    }
    if (toCheck.size > 0) await checkImages([...toCheck.values()], problems);
  } else {
    for (const [split, sentences] of Object.entries(out.splits)) {
      out.stats[split]!.images.none = sentences.length;
    }
  }

  await loadSubsets(manifest, root, out, problems, at, inside);
  out.problems = problems.finish();
  return out;
}

async function loadSubsets(
  manifest: DatasetManifest,
  root: string,
  out: LoadedDataset,
  problems: ProblemCollector,
  at: (path: string) => { file: string; line: number },
  inside: (field: string, path: string) => Promise<boolean>,
): Promise<void> {
  const known = new Set<string>();
  for (const sentences of Object.values(out.splits)) for (const s of sentences) known.add(s.id);
  // With only some splits read, an id may live in another split: not checked then.
  const partial = Object.keys(out.splits).length < Object.keys(manifest.splits).length;
  for (const [name, rel] of Object.entries(manifest.subsets ?? {})) {
    const file = join(root, rel);
    if (!(await inside(`subsets.${name}`, file))) continue;
    if ((await kindOf(file)) !== 'file') {
      problems.error(DataCode.manifestFileMissing, `subsets.${name}: no such file: ${file}`, {
        ...at(`subsets.${name}`),
        hint: 'a subset file lists one sentence id per line',
      });
      continue;
    }
    const ids: string[] = [];
    const text = decodeText(await readBytes(file), file, problems);
    eachLine(text, file, problems, (line, no) => {
      if (line === '') return;
      ids.push(line);
      if (!partial && !known.has(line)) {
        problems.error(
          DataCode.subsetUnknownId,
          `subset '${name}' names id '${line}', which no split holds`,
          {
            file,
            line: no,
            hint: 'remove the line or fix the id (ids are IMGIDs, JSONL ids, or <file>:<line> for CoNLL)',
          },
        );
      }
    });
    out.subsets[name] = ids;
  }
}
