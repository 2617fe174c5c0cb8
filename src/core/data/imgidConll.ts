/**
 * IMGID-CoNLL, the Twitter-2015/2017 and MMNERD layout: an `IMGID:<id>` line, one
 * `token<TAB>tag` line per token, one blank line between sentences. Ids may hold any character
 * but a line end; the sentence's image is its IMGID.
 */
import type { Sentence } from '../types.js';
import type { RawSentence } from './assemble.js';
import { DataCode, n } from './problems.js';
import { runParser } from './reader.js';
import type { ParseContext, ReadOptions, ReadResult } from './readOptions.js';

export const IMGID_PREFIX = 'IMGID:';

/** Writes sentences in IMGID-CoNLL (LF line ends, one blank line between sentences). */
export function formatImgidConll(sentences: readonly Sentence[]): string {
  return sentences
    .map((s) => `IMGID:${s.image ?? s.id}\n${s.tokens.map((t, i) => `${t}\t${s.tags[i]}\n`).join('')}`)
    .join('\n');
}

interface Open extends RawSentence {
  tagLines: number[];
  /** False for token lines before any IMGID: checked, then dropped. */
  hasId: boolean;
  /** Token lines seen, good or bad (a sentence whose lines were all bad is not also "empty"). */
  lineCount: number;
}

/** Parses IMGID-CoNLL text already split into lines by the context. */
export function parseImgidConll(ctx: ParseContext): void {
  const { file, problems, assembler } = ctx;
  // A file with no TAB at all is read as space-separated; otherwise TAB is the separator.
  const tabs = ctx.text.includes('\t');
  if (!tabs && /\S /.test(ctx.text)) ctx.notes.push('fields are separated by spaces (the file has no TAB)');
  let open: Open | undefined;
  let lastBlank = true;
  let sawContent = false;

  const close = () => {
    if (!open) return;
    if (open.hasId && open.lineCount === 0) {
      problems.error(DataCode.emptySentence, `IMGID:${open.id} has no token lines`, {
        file,
        line: open.line,
        hint: 'each IMGID line is followed by one `token<TAB>tag` line per token; remove the IMGID line or add its tokens',
      });
    } else if (open.hasId && open.tokens.length > 0) {
      assembler.add(open);
    }
    open = undefined;
  };

  ctx.eachLine((line, no) => {
    if (line === '') {
      if (open) close();
      else if (lastBlank) {
        problems.fold(
          DataCode.extraBlankLines,
          { file, line: no, hint: 'accepted; sentences are separated by exactly one blank line' },
          (c, lines) => `${n(c)} extra blank lines (${lines.join(', ')}${c > lines.length ? ', …' : ''})`,
        );
      }
      lastBlank = true;
      return;
    }
    sawContent = true;
    if (line.startsWith(IMGID_PREFIX)) {
      if (open) {
        if (open.hasId) {
          problems.fold(
            DataCode.noBlankLine,
            {
              file,
              line: no,
              hint: 'accepted: an IMGID line starts a new sentence; put one blank line before it',
            },
            (c, lines) =>
              `${n(c)} IMGID lines directly follow a token line, with no blank line between (lines ${lines.join(', ')}${c > lines.length ? ', …' : ''})`,
          );
        }
        close();
      }
      const id = line.slice(IMGID_PREFIX.length);
      if (id === '') {
        problems.error(DataCode.emptyImgid, 'IMGID line with an empty id', {
          file,
          line: no,
          hint: 'write the image id after the colon, e.g. IMGID:1015799 for image 1015799.jpg',
        });
      }
      open = { id, line: no, tokens: [], tags: [], tagLines: [], image: id, hasId: id !== '', lineCount: 0 };
      lastBlank = false;
      return;
    }
    lastBlank = false;
    if (!open) {
      const looksLikeId = /^imgid\s*:/i.test(line);
      problems.error(DataCode.noImgid, 'sentence without IMGID: a token line starts a sentence', {
        file,
        line: no,
        hint: looksLikeId
          ? `write the id line exactly as '${IMGID_PREFIX}<id>' (upper case, no space before the colon)`
          : `each sentence starts with an '${IMGID_PREFIX}<id>' line; add it, or use --format conll for a file without ids`,
      });
      open = { id: '', line: no, tokens: [], tags: [], tagLines: [], hasId: false, lineCount: 0 };
    }
    open.lineCount++;
    const fields = tabs ? line.split('\t') : line.split(/ +/);
    if (fields.length !== 2) {
      reportFields(ctx, line, fields, tabs, no);
      return;
    }
    const [token, rawTag] = fields as [string, string];
    if (token === '') {
      problems.error(DataCode.emptyToken, 'empty token', {
        file,
        line: no,
        hint: 'a token line is token<TAB>tag; remove the leading TAB or the line',
      });
    }
    const tag = ctx.assembler.tag(rawTag, no);
    open.tokens.push(token);
    open.tags.push(tag ?? 'O');
    open.tagLines.push(no);
  });
  close();
  if (!sawContent) {
    problems.error(
      DataCode.emptyFile,
      ctx.text === '' ? 'the file is empty' : 'the file has only blank lines',
      {
        file,
        hint: 'an IMGID-CoNLL file holds IMGID:<id> lines, each followed by token<TAB>tag lines',
      },
    );
  }
}

function reportFields(ctx: ParseContext, line: string, fields: string[], tabs: boolean, no: number): void {
  const { file, problems } = ctx;
  if (tabs && fields.length === 1) {
    const bySpace = line.split(/ +/);
    if (bySpace.length >= 2) {
      problems.error(
        DataCode.separator,
        `fields are separated by spaces, but this file separates token and tag with a TAB (found ${bySpace.length} space-separated fields)`,
        { file, line: no, hint: 'replace the space(s) between token and tag with one TAB' },
      );
      return;
    }
  }
  const sep = tabs ? 'TAB' : 'space';
  let hint = `a token line is token${tabs ? '<TAB>' : '<SPACE>'}tag`;
  if (fields.length === 1 && line.includes('\u00a0')) {
    hint += '; a non-breaking space (U+00A0) is part of a token, not a separator';
  } else if (fields.length === 1) hint += '; is the tag missing?';
  else if (fields.some((f) => f === '')) hint += `; two ${sep}s in a row?`;
  else if (!tabs) hint += '; a token cannot hold a space in a space-separated file';
  problems.error(
    DataCode.columns,
    `expected 2 ${sep}-separated fields (token, tag), found ${fields.length}`,
    {
      file,
      line: no,
      hint,
    },
  );
}

/** Options for the IMGID-CoNLL reader (the format is fixed). */
export type ImgidConllReadOptions = Omit<ReadOptions, 'format' | 'tokenColumn' | 'tagColumn'>;

/** Reads IMGID-CoNLL bytes or text; see ReadOptions for the modes. */
export function readImgidConll(input: Uint8Array | string, opts: ImgidConllReadOptions): ReadResult {
  return runParser(input, opts, 'imgid-conll', parseImgidConll);
}
