/**
 * Bytes → lines, the part every text format shares: strict UTF-8 with the first bad byte's
 * line and column, BOM and CRLF accepted (folded warnings), trailing blanks trimmed, over-long
 * lines and control characters reported. Line numbers are 1-based in the original file.
 */
import { utf8SequenceLength } from '../utf8.js';
import { atLines, DataCode, n, type ProblemCollector } from './problems.js';

/** Lines longer than this (in UTF-16 code units) are errors; a 10 MB line is not a sentence. */
export const DEFAULT_MAX_LINE_LENGTH = 1 << 20;

const ICONV_HINT = (file: string) =>
  `convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8 '${file}' > fixed.txt (use the real source encoding)`;

/** Decodes a data file; a wrong encoding is reported and the text decoded leniently to go on. */
export function decodeText(input: Uint8Array | string, file: string, problems: ProblemCollector): string {
  if (typeof input === 'string') {
    if (input.charCodeAt(0) !== 0xfeff) return input;
    bomWarning(file, problems);
    return input.slice(1);
  }
  if ((input[0] === 0xff && input[1] === 0xfe) || (input[0] === 0xfe && input[1] === 0xff)) {
    const le = input[0] === 0xff;
    problems.error(DataCode.notUtf8, `the file is UTF-16 (${le ? 'little' : 'big'}-endian), not UTF-8`, {
      file,
      line: 1,
      hint: `convert it: iconv -f utf-16 -t utf-8 '${file}' > fixed.txt`,
    });
    return new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(input.subarray(2));
  }
  let bytes = input;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    bomWarning(file, problems);
    bytes = bytes.subarray(3);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    reportInvalidUtf8(bytes, bytes === input ? 0 : 3, file, problems);
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  }
}

function bomWarning(file: string, problems: ProblemCollector): void {
  problems.warning(DataCode.bom, 'the file starts with a UTF-8 byte order mark (BOM); it is ignored', {
    file,
    line: 1,
    hint: 'tools that do not expect a BOM read it as part of the first line; remove it to be safe',
  });
}

/** One error at the first invalid byte, with the total and the first lines holding others. */
function reportInvalidUtf8(
  bytes: Uint8Array,
  offset: number,
  file: string,
  problems: ProblemCollector,
): void {
  let line = 1;
  let lineStart = -offset;
  let first: { line: number; column: number; byte: number } | undefined;
  let count = 0;
  let lineCount = 0;
  let lastBadLine = 0;
  const lines: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const c = bytes[i]!;
    if (c === 0x0a) {
      line++;
      lineStart = i + 1;
      i++;
      continue;
    }
    const len = utf8SequenceLength(bytes, i);
    if (len > 0) {
      i += len;
      continue;
    }
    count++;
    first ??= { line, column: i - lineStart + 1, byte: c };
    if (lastBadLine !== line) {
      lastBadLine = line;
      lineCount++;
      if (lines.length < 5) lines.push(line);
    }
    i++;
  }
  if (!first) return;
  const others =
    count > 1
      ? `; ${n(count)} invalid bytes on ${n(lineCount)} lines in all (${atLines(lines, lineCount)})`
      : '';
  problems.error(
    DataCode.notUtf8,
    `byte 0x${first.byte.toString(16).toUpperCase().padStart(2, '0')} at byte column ${first.column} is not valid UTF-8${others}`,
    { file, line: first.line, hint: ICONV_HINT(file) },
  );
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/**
 * Calls `onLine(text, lineNo)` for each line, without its line end or trailing spaces/TABs.
 * A final line end does not make an extra empty line. Over-long lines are reported and skipped.
 */
export function eachLine(
  text: string,
  file: string,
  problems: ProblemCollector,
  onLine: (line: string, lineNo: number) => void,
  maxLineLength = DEFAULT_MAX_LINE_LENGTH,
): number {
  const mayHaveCR = text.includes('\r');
  const mayHaveControl = CONTROL.test(text);
  let pos = 0;
  let no = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    let end = nl < 0 ? text.length : nl;
    no++;
    if (mayHaveCR && end > pos && text.charCodeAt(end - 1) === 13) {
      end--;
      problems.fold(
        DataCode.crlf,
        { file, line: no, hint: 'accepted as is; convert with dos2unix to silence this' },
        (c) => `Windows line ends (CRLF) on ${n(c)} lines`,
      );
    }
    if (end - pos > maxLineLength) {
      problems.error(
        DataCode.lineTooLong,
        `line is ${n(end - pos)} characters long (limit ${n(maxLineLength)})`,
        {
          file,
          line: no,
          hint: 'a data line holds one token (or one JSON sentence); is this a binary file, or are line ends missing? (raise the limit with --max-line-length)',
        },
      );
    } else {
      let stop = end;
      while (stop > pos && (text.charCodeAt(stop - 1) === 32 || text.charCodeAt(stop - 1) === 9)) stop--;
      if (stop < end) {
        problems.fold(
          DataCode.trailingWhitespace,
          { file, line: no, hint: 'trimmed on reading' },
          (c, lines) => `trailing spaces or TABs on ${n(c)} lines (${atLines(lines, c)})`,
        );
      }
      const line = text.slice(pos, stop);
      if (mayHaveControl) {
        const m = CONTROL.exec(line);
        if (m) {
          const code = m[0].charCodeAt(0);
          problems.error(
            DataCode.controlChar,
            `control character U+${code.toString(16).toUpperCase().padStart(4, '0')} at column ${m.index + 1}`,
            {
              file,
              line: no,
              hint:
                code === 13
                  ? 'a carriage return inside a line: the file may use old Mac line ends (CR); convert them to LF'
                  : code === 0
                    ? 'NUL bytes: is this a binary or UTF-16 file? Data files must be UTF-8 text'
                    : 'remove the character; data files hold printable text, TABs and line ends only',
            },
          );
        }
      }
      onLine(line, no);
    }
    if (nl < 0) break;
    pos = nl + 1;
  }
  return no;
}
