/**
 * One entry for all formats: decode, detect the format when it is not given (an `IMGID:` line
 * near the top → imgid-conll, a first line starting with `{` → jsonl, else conll), and parse.
 */
import { parseConll } from './conll.js';
import { IMGID_PREFIX, parseImgidConll } from './imgidConll.js';
import { parseJsonl } from './jsonl.js';
import type { DatasetFormat } from './manifest.js';
import { ProblemCollector } from './problems.js';
import { type FormatParser, parseDecoded } from './reader.js';
import type { ReadOptions, ReadResult } from './readOptions.js';
import { decodeText } from './text.js';

export const PARSERS: Readonly<Record<DatasetFormat, FormatParser>> = {
  'imgid-conll': parseImgidConll,
  conll: parseConll,
  jsonl: parseJsonl,
};

/** How many non-blank lines format detection looks at. */
const DETECT_LINES = 200;

/** Guesses the format from decoded text, with the reason. */
export function detectFormat(text: string): { format: DatasetFormat; reason: string } {
  let pos = 0;
  let seen = 0;
  let lineNo = 0;
  let firstLine: string | undefined;
  while (pos < text.length && seen < DETECT_LINES) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    lineNo++;
    const line = text.slice(pos, Math.min(end, pos + 64)).trim();
    if (line !== '') {
      seen++;
      firstLine ??= line;
      if (line.startsWith(IMGID_PREFIX)) {
        return { format: 'imgid-conll', reason: `line ${lineNo} starts with ${IMGID_PREFIX}` };
      }
    }
    if (nl < 0) break;
    pos = nl + 1;
  }
  if (firstLine?.startsWith('{')) return { format: 'jsonl', reason: 'the first line starts with {' };
  return { format: 'conll', reason: `no ${IMGID_PREFIX} line and no JSON object at the top` };
}

/** Reads a data file in any format (auto-detected unless `opts.format` is set). */
export function readData(input: Uint8Array | string, opts: ReadOptions): ReadResult {
  const problems = new ProblemCollector(opts.mode ?? 'throw');
  const text = decodeText(input, opts.file, problems);
  const notes: string[] = [];
  let format = opts.format;
  if (!format) {
    const detected = detectFormat(text);
    format = detected.format;
    notes.push(`format ${format} (detected: ${detected.reason})`);
  }
  return parseDecoded(text, problems, opts, format, PARSERS[format], notes);
}
