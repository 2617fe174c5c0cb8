/**
 * conlleval.pl's chunk counting (CoNLL-2000 scorer, version 2004-01-26), rule for rule: a tag
 * splits at its first hyphen into a chunk tag and a type; chunks start and end by the
 * endOfChunk/startOfChunk tables below (which also know IOE's E and the one-token `[` `]`), a
 * chunk is correct when gold and prediction start and end together with one type. Pure.
 */
import type { TagCounter } from './counter.js';
import { buildResult, type ScoreResult, type TypeTally } from './result.js';

// Chunk tags conlleval's rules mention, as small ints; any other chunk tag is OTHER.
const O = 0;
const B = 1;
const I = 2;
const E = 3;
const OPEN = 4; // `[`
const CLOSE = 5; // `]`
const DOT = 6; // `.`
const OTHER = 7;
const CODES: ReadonlyMap<string, number> = new Map([
  ['O', O],
  ['B', B],
  ['I', I],
  ['E', E],
  ['[', OPEN],
  [']', CLOSE],
  ['.', DOT],
]);

/** One distinct tag string, parsed once. */
interface Tag {
  /** The chunk tag: text before the first hyphen, or the whole tag. */
  chunk: string;
  code: number;
  type: string;
  /** Interned type, so comparisons are integer compares. */
  typeId: number;
  tally: TypeTally;
}

/** Splits a tag as conlleval does (`/^([^-]*)-(.*)$/`, then Perl truthiness: type "0" is ""). */
export function splitConllevalTag(tag: string): { chunk: string; type: string } {
  const h = tag.indexOf('-');
  if (h < 0) return { chunk: tag, type: '' };
  const type = tag.slice(h + 1);
  return { chunk: tag.slice(0, h), type: type === '0' ? '' : type };
}

/** conlleval's endOfChunk: did a chunk end between `prev` and `cur`? */
function endOfChunk(prev: Tag, cur: Tag): boolean {
  const p = prev.code;
  const c = cur.code;
  if ((p === B || p === I) && (c === B || c === O)) return true;
  if (p === E && (c === E || c === I || c === O)) return true;
  if (p !== O && p !== DOT && prev.typeId !== cur.typeId) return true;
  return p === OPEN || p === CLOSE;
}

/** conlleval's startOfChunk: did a chunk start between `prev` and `cur`? */
function startOfChunk(prev: Tag, cur: Tag): boolean {
  const p = prev.code;
  const c = cur.code;
  if (c === B && (p === B || p === I || p === O)) return true;
  if (c === I && (p === O || p === E)) return true;
  if (c === E && (p === E || p === O)) return true;
  if (c !== O && c !== DOT && prev.typeId !== cur.typeId) return true;
  return c === OPEN || c === CLOSE;
}

/** Counts chunks exactly as conlleval.pl does; see `formatConllevalReport` for its output. */
export class ConllevalCounter implements TagCounter {
  private readonly tags = new Map<string, Tag>();
  private readonly typeIds = new Map<string, number>();
  private readonly tallies = new Map<string, TypeTally>();
  private readonly outside: Tag;
  private lastGold: Tag;
  private lastPred: Tag;
  /** The chunk being read is correct so far (conlleval's $inCorrect). */
  private inCorrect = false;
  private tokens = 0;
  private correctTags = 0;
  private foundGold = 0;
  private foundPred = 0;
  private correct = 0;

  constructor() {
    this.outside = this.parse('O');
    this.lastGold = this.outside;
    this.lastPred = this.outside;
  }

  token(gold: string, pred: string): void {
    const g = this.tags.get(gold) ?? this.parse(gold);
    const p = this.tags.get(pred) ?? this.parse(pred);
    this.step(g, p);
    // conlleval compares chunk tag and type, so `B-0`, `B-` and `B` count as one tag.
    if (g === p || (g.chunk === p.chunk && g.typeId === p.typeId)) this.correctTags++;
    this.tokens++;
  }

  boundary(): void {
    // conlleval reads a blank or -X- line as `-X- O O` and does not count it as a token.
    this.step(this.outside, this.outside);
  }

  result(): ScoreResult {
    const tallies = new Map<string, TypeTally>();
    for (const [type, t] of this.tallies) tallies.set(type, { ...t });
    let correct = this.correct;
    // At end of input conlleval closes a chunk that is still correct.
    if (this.inCorrect) {
      correct++;
      tallies.get(this.lastGold.type)!.correct++;
    }
    const counts = {
      tokens: this.tokens,
      correctTags: this.correctTags,
      foundGold: this.foundGold,
      foundPred: this.foundPred,
      correct,
    };
    return buildResult('conlleval', undefined, counts, tallies);
  }

  private step(g: Tag, p: Tag): void {
    const lg = this.lastGold;
    const lp = this.lastPred;
    if (this.inCorrect) {
      const endG = endOfChunk(lg, g);
      const endP = endOfChunk(lp, p);
      if (endG && endP && lp.typeId === lg.typeId) {
        this.inCorrect = false;
        this.correct++;
        lg.tally.correct++;
      } else if (endG !== endP || p.typeId !== g.typeId) {
        this.inCorrect = false;
      }
    }
    const startG = startOfChunk(lg, g);
    const startP = startOfChunk(lp, p);
    if (startG && startP && p.typeId === g.typeId) this.inCorrect = true;
    if (startG) {
      this.foundGold++;
      g.tally.gold++;
    }
    if (startP) {
      this.foundPred++;
      p.tally.pred++;
    }
    this.lastGold = g;
    this.lastPred = p;
  }

  private parse(tag: string): Tag {
    const { chunk, type } = splitConllevalTag(tag);
    let typeId = this.typeIds.get(type);
    let tally = this.tallies.get(type);
    if (typeId === undefined || tally === undefined) {
      typeId = this.typeIds.size;
      tally = { gold: 0, pred: 0, correct: 0 };
      this.typeIds.set(type, typeId);
      this.tallies.set(type, tally);
    }
    const parsed: Tag = { chunk, code: CODES.get(chunk) ?? OTHER, type, typeId, tally };
    this.tags.set(tag, parsed);
    return parsed;
  }
}
