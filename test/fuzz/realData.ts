/**
 * Slices of the real data files (../shared/data) to mutate: the first lines of each, loaded
 * once. Without the shared data the real-file properties are skipped (NO_SHARED_DATA).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { readImgidConll } from '../../src/core/data/imgidConll.js';
import { formatJsonl } from '../../src/core/data/jsonl.js';
import type { DatasetFormat } from '../../src/core/data/manifest.js';
import { HAVE_SHARED_DATA, shared } from '../core/data/helpers.js';

export { NO_SHARED_DATA } from '../core/data/helpers.js';

/** Lines of each file kept for slicing: enough for variety, little enough to load fast. */
const KEPT_LINES = 6000;

const FILES: Record<Exclude<DatasetFormat, 'jsonl'>, string[]> = {
  'imgid-conll': ['twitter2017/train.txt', 'twitter2015/train.txt', 'mmnerd-en/train.txt'],
  conll: [
    'wikineural/en.test.first2000.conllu',
    'wikineural/de.test.first2000.conllu',
    'wikineural/fr.test.first2000.conllu',
    'wikineural/es.test.first500.conllu',
    'conll2002-es/esp.testb',
  ],
};

export interface RealFile {
  name: string;
  format: DatasetFormat;
  lines: string[];
}

let cache: RealFile[] | undefined;

function headLines(path: string): string[] {
  const text = readFileSync(shared(path), 'utf8');
  const lines: string[] = [];
  let pos = 0;
  while (lines.length < KEPT_LINES && pos < text.length) {
    const nl = text.indexOf('\n', pos);
    lines.push(text.slice(pos, nl < 0 ? text.length : nl));
    if (nl < 0) break;
    pos = nl + 1;
  }
  return lines;
}

/** The real files, and a JSONL file made from the first Twitter-2017 sentences (no real JSONL exists). */
export function realFiles(): RealFile[] {
  if (cache) return cache;
  const files: RealFile[] = [];
  cache = files;
  if (!HAVE_SHARED_DATA) return files;
  for (const [format, names] of Object.entries(FILES) as [DatasetFormat, string[]][])
    for (const name of names) files.push({ name, format, lines: headLines(name) });
  const t17 = files[0]!;
  const sentences = readImgidConll(`${t17.lines.slice(0, 3000).join('\n')}\n`, {
    file: t17.name,
    lang: 'en',
    mode: 'collect',
  }).sentences;
  files.push({ name: 'twitter2017-as-jsonl', format: 'jsonl', lines: formatJsonl(sentences).split('\n') });
  return files;
}

export interface RealSlice {
  file: RealFile;
  lines: string[];
  /** Whether the text ends with a line end. */
  finalNewline: boolean;
}

/** Up to `maxLines` consecutive lines of one real file of `format` (any format when undefined). */
export function realSlice(format?: DatasetFormat, maxLines = 200): fc.Arbitrary<RealSlice> {
  const files = realFiles().filter((f) => format === undefined || f.format === format);
  if (files.length === 0)
    return fc.constant({ file: { name: 'none', format: 'conll', lines: [] }, lines: [], finalNewline: true });
  return fc
    .tuple(
      fc.constantFrom(...files),
      fc.nat(),
      fc.integer({ min: 1, max: maxLines }),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([file, start, count, atSentence, finalNewline]) => {
      let from = start % file.lines.length;
      // Most slices start at a sentence, as a file does; some start mid-sentence.
      if (atSentence) {
        while (from > 0 && file.lines[from - 1] !== '') from--;
      }
      return { file, lines: file.lines.slice(from, from + count), finalNewline };
    });
}
