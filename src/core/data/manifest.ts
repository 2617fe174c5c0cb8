/**
 * The dataset manifest (`dataset.json`): names the languages, splits, files and image folder,
 * so one dataset spans en/fr/de/es. Paths are relative to the manifest's folder.
 */

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
