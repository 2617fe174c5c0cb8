/**
 * Scores a gold tag file against a predicted one, line by line: each is CoNLL columns or
 * IMGID-CoNLL (last column = tag, the one before = token), blank or IMGID: lines between
 * sentences. Tokens, sentence breaks and IMGIDs must line up; where they do not, the error names
 * both files and lines. Equivalent to pasting the two into one conlleval input. Pure.
 */
import { isMmnerError, MmnerError } from '../errors.js';
import type { TagCounter } from './counter.js';

export interface TagText {
  /** The file's name, for messages. */
  file: string;
  text: string;
}

type Kind = 'token' | 'break' | 'end';

/** Walks one tag file; blank-line runs and IMGID lines fold into one `break` between tokens. */
class TagCursor {
  kind: Kind = 'end';
  token: string | undefined;
  tag = '';
  line = 0;
  /** IMGID of the sentence the current token opens, when it opens one after an IMGID line. */
  id: string | undefined;
  private pos = 0;
  private sawToken = false;
  private pendingBreak = false;
  private pendingId: string | undefined;
  private held = false;

  constructor(
    readonly file: string,
    private readonly text: string,
  ) {}

  next(): Kind {
    if (this.held) {
      this.held = false;
      this.kind = 'token';
      return this.kind;
    }
    const text = this.text;
    while (this.pos < text.length) {
      let eol = text.indexOf('\n', this.pos);
      if (eol < 0) eol = text.length;
      const start = this.pos;
      this.pos = eol + 1;
      this.line++;
      let end = eol;
      while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
      if (end === start) {
        if (this.sawToken) this.pendingBreak = true;
        continue;
      }
      if (text.startsWith('IMGID:', start)) {
        if (this.sawToken) this.pendingBreak = true;
        this.pendingId = text.slice(start + 6, end);
        continue;
      }
      this.readColumns(text.slice(start, end));
      this.id = this.pendingId;
      this.pendingId = undefined;
      this.sawToken = true;
      if (this.pendingBreak) {
        this.pendingBreak = false;
        this.held = true;
        this.kind = 'break';
        return this.kind;
      }
      this.kind = 'token';
      return this.kind;
    }
    this.kind = 'end';
    return this.kind;
  }

  where(): string {
    return `${this.file}:${this.line}`;
  }

  /** Tab-separated if the line has a tab, else space-separated; the last column is the tag. */
  private readColumns(line: string): void {
    const cols = line.includes('\t') ? line.split('\t') : line.split(/ +/);
    this.tag = cols[cols.length - 1]!;
    this.token = cols.length >= 2 ? cols[cols.length - 2] : undefined;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Feeds aligned (gold, predicted) tags to `counter`; throws E_SCORE_ALIGN where they part. */
export function feedTagTexts(gold: TagText, pred: TagText, counter: TagCounter): { tokens: number } {
  const g = new TagCursor(gold.file, gold.text);
  const p = new TagCursor(pred.file, pred.text);
  let tokens = 0;
  for (;;) {
    const a = g.next();
    const b = p.next();
    if (a === 'end' && b === 'end') break;
    if (a !== b) throw misaligned(g, p);
    if (a === 'break') {
      counter.boundary();
      continue;
    }
    if (g.token !== undefined && p.token !== undefined && g.token !== p.token) {
      throw new MmnerError(
        'E_SCORE_ALIGN',
        `token '${g.token}' at ${g.where()} but '${p.token}' at ${p.where()}`,
        { hint: 'The two files must hold the same tokens in the same order.' },
      );
    }
    if (g.id !== undefined && p.id !== undefined && g.id !== p.id) {
      throw new MmnerError(
        'E_SCORE_ALIGN',
        `sentence IMGID:${g.id} at ${g.where()} but IMGID:${p.id} at ${p.where()}`,
        {
          hint: 'The two files must hold the same sentences in the same order.',
        },
      );
    }
    try {
      counter.token(g.tag, p.tag);
    } catch (e) {
      if (isMmnerError(e) && e.line === undefined) {
        const which = e.detail.includes(`'${g.tag}'`) ? g : p;
        throw new MmnerError(e.code, e.detail, {
          file: which.file,
          line: which.line,
          hint: e.hint,
          cause: e,
        });
      }
      throw e;
    }
    tokens++;
  }
  return { tokens };
}

function misaligned(g: TagCursor, p: TagCursor): MmnerError {
  const say = (c: TagCursor) =>
    c.kind === 'end'
      ? `${c.file} has ended (${c.line} lines)`
      : c.kind === 'break'
        ? `${c.where()} starts a new sentence`
        : `${c.where()} continues the sentence`;
  return new MmnerError('E_SCORE_ALIGN', `sentences differ in length: ${say(g)} but ${say(p)}`, {
    hint: 'Gold and predictions need one tag line per token and the same sentence breaks.',
  });
}
