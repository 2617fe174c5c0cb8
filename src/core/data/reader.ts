/**
 * The frame around every format parser: decode the bytes, set up the collector and assembler,
 * run the parser over the lines, and return sentences, problems, notes and counts. One
 * implementation serves loading (`throw`) and validation (`collect`).
 */
import { SentenceAssembler } from './assemble.js';
import type { DatasetFormat } from './manifest.js';
import { ProblemCollector } from './problems.js';
import type { ParseContext, ReadOptions, ReadResult } from './readOptions.js';
import { DEFAULT_MAX_LINE_LENGTH, decodeText, eachLine } from './text.js';

export type FormatParser = (ctx: ParseContext) => void;

/** Reads `input` with one format's parser. */
export function runParser(
  input: Uint8Array | string,
  opts: ReadOptions,
  format: DatasetFormat,
  parse: FormatParser,
  notes: string[] = [],
): ReadResult {
  const problems = new ProblemCollector(opts.mode ?? 'throw');
  const text = decodeText(input, opts.file, problems);
  return parseDecoded(text, problems, opts, format, parse, notes);
}

/** Like runParser, for text already decoded into `problems`' care. */
export function parseDecoded(
  text: string,
  problems: ProblemCollector,
  opts: ReadOptions,
  format: DatasetFormat,
  parse: FormatParser,
  notes: string[] = [],
): ReadResult {
  const assembler = new SentenceAssembler(
    {
      file: opts.file,
      lang: opts.lang ?? 'und',
      scheme: opts.scheme ?? 'IOB2',
      ...(opts.targetScheme ? { targetScheme: opts.targetScheme } : {}),
      ...(opts.typeMap ? { typeMap: opts.typeMap } : {}),
      ...(opts.types ? { types: opts.types } : {}),
      ...(opts.seenIds ? { seenIds: opts.seenIds } : {}),
    },
    problems,
  );
  let lines = 0;
  const ctx: ParseContext = {
    text,
    file: opts.file,
    opts,
    problems,
    assembler,
    notes,
    eachLine: (onLine) => {
      lines = eachLine(text, opts.file, problems, onLine, opts.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
      return lines;
    },
  };
  parse(ctx);
  return {
    format,
    sentences: assembler.sentences,
    problems: problems.finish(),
    notes,
    stats: { ...assembler.stats, lines },
  };
}
