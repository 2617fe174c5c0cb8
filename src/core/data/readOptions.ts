/**
 * The options and result shared by the three readers, and the context a format parser gets:
 * lines already decoded, a problem collector in `collect` or `throw` mode, and an assembler.
 */
import type { TagScheme } from '../schemes/tags.js';
import type { Sentence } from '../types.js';
import type { ReadStats, SeenIds, SentenceAssembler } from './assemble.js';
import type { DatasetFormat } from './manifest.js';
import type { DataProblem, ProblemCollector, ReportMode } from './problems.js';

export interface ReadOptions {
  /** The file's name as messages and generated ids show it. */
  file: string;
  /** Auto-detected from the first line when absent (`IMGID:` → imgid-conll, `{` → jsonl). */
  format?: DatasetFormat;
  /** `throw` (default): the first error is thrown as MmnerError. `collect`: every problem is returned. */
  mode?: ReportMode;
  /** Language of the sentences (JSONL lines may set their own); default `und` (undetermined). */
  lang?: string;
  /** The file's tag scheme; default IOB2. */
  scheme?: TagScheme;
  /** Convert tags to this scheme after reading (default: keep the file's scheme). */
  targetScheme?: TagScheme;
  /** Renames entity types on reading, e.g. `{ OTHER: 'MISC' }`. */
  typeMap?: Readonly<Record<string, string>>;
  /** Known entity types (after the type map); others are errors. Default: any type. */
  types?: readonly string[];
  /** CoNLL: 0-based token column (default 0, or 1 when column 0 is a per-sentence index). */
  tokenColumn?: number;
  /** CoNLL: 0-based tag column (default the last). */
  tagColumn?: number;
  /** Lines longer than this many characters are errors (default 1 Mi). */
  maxLineLength?: number;
  /** Ids seen in other files of the same split, to report duplicates across files. */
  seenIds?: SeenIds;
}

export interface ReadResult {
  format: DatasetFormat;
  sentences: Sentence[];
  /** Every problem in collect mode; the warnings in throw mode. */
  problems: DataProblem[];
  /** What the reader detected (format, separator, columns), for `validate` to print. */
  notes: string[];
  stats: ReadStats & { lines: number };
}

/** What a format parser works with. */
export interface ParseContext {
  text: string;
  file: string;
  opts: ReadOptions;
  problems: ProblemCollector;
  assembler: SentenceAssembler;
  notes: string[];
  /** Iterates the lines (see eachLine); returns the number of lines. */
  eachLine(onLine: (line: string, lineNo: number) => void): number;
}
