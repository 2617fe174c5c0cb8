/**
 * Strict entity scoring, as seqeval's mode='strict': an entity exists only where the scheme
 * spells one out in full — IOB2: `B-X (I-X)*`; BIOES: `B-X (I-X)* E-X` or `S-X` — and counts
 * as correct only with the same type, start and end. A stray `I-X` starts nothing; a BIOES entity
 * left open is no entity. Tags outside the scheme are errors, as in seqeval. Pure.
 */
import { MmnerError } from '../errors.js';
import type { TagCounter } from './counter.js';
import { buildResult, type ScoreResult, type StrictScheme, type TypeTally } from './result.js';

const O = 0;
const B = 1;
const I = 2;
const E = 3;
const S = 4;
const PREFIXES: Readonly<Record<StrictScheme, ReadonlyMap<string, number>>> = {
  IOB2: new Map([
    ['B', B],
    ['I', I],
  ]),
  BIOES: new Map([
    ['B', B],
    ['I', I],
    ['E', E],
    ['S', S],
  ]),
};

interface Tag {
  code: number;
  type: string;
  tally: TypeTally;
}

/** One side (gold or prediction): the entity being read, and the one the last step completed. */
interface Side {
  openTally: TypeTally | undefined;
  openStart: number;
  doneTally: TypeTally | undefined;
  doneStart: number;
}

const newSide = (): Side => ({ openTally: undefined, openStart: 0, doneTally: undefined, doneStart: 0 });

export class StrictCounter implements TagCounter {
  private readonly tags = new Map<string, Tag>();
  private readonly tallies = new Map<string, TypeTally>();
  private readonly prefixes: ReadonlyMap<string, number>;
  private readonly gold = newSide();
  private readonly pred = newSide();
  /** Position of the next row, boundaries included (entity starts are compared by it). */
  private position = 0;
  private tokens = 0;
  private correctTags = 0;
  private foundGold = 0;
  private foundPred = 0;
  private correct = 0;

  constructor(readonly scheme: StrictScheme = 'IOB2') {
    this.prefixes = PREFIXES[scheme];
  }

  token(gold: string, pred: string): void {
    const g = this.tags.get(gold) ?? this.parse(gold);
    const p = this.tags.get(pred) ?? this.parse(pred);
    if (this.scheme === 'IOB2') {
      this.stepIob2(this.gold, g);
      this.stepIob2(this.pred, p);
    } else {
      this.stepBioes(this.gold, g);
      this.stepBioes(this.pred, p);
    }
    this.settle();
    if (gold === pred) this.correctTags++;
    this.tokens++;
    this.position++;
  }

  boundary(): void {
    this.close(this.gold);
    this.close(this.pred);
    this.settle();
    this.position++;
  }

  result(): ScoreResult {
    const tallies = new Map<string, TypeTally>();
    for (const [type, t] of this.tallies) tallies.set(type, { ...t });
    const counts = {
      tokens: this.tokens,
      correctTags: this.correctTags,
      foundGold: this.foundGold,
      foundPred: this.foundPred,
      correct: this.correct,
    };
    // The end of input ends a sentence: an open IOB2 entity is complete there (BIOES: discarded).
    if (this.scheme === 'IOB2') {
      const g = this.gold.openTally;
      const p = this.pred.openTally;
      if (g) {
        counts.foundGold++;
        tallies.get(this.typeOf(g))!.gold++;
      }
      if (p) {
        counts.foundPred++;
        tallies.get(this.typeOf(p))!.pred++;
      }
      if (g && g === p && this.gold.openStart === this.pred.openStart) {
        counts.correct++;
        tallies.get(this.typeOf(g))!.correct++;
      }
    }
    return buildResult('strict', this.scheme, counts, tallies);
  }

  /** IOB2: an entity runs from B-X over following I-X and is complete at the first other tag. */
  private stepIob2(side: Side, tag: Tag): void {
    if (side.openTally) {
      if (tag.code === I && tag.tally === side.openTally) return;
      this.complete(side, side.openTally, side.openStart);
      side.openTally = undefined;
    }
    if (tag.code === B) {
      side.openTally = tag.tally;
      side.openStart = this.position;
    }
  }

  /** BIOES: B-X (I-X)* E-X or S-X; anything else breaks an open entity, which then never was. */
  private stepBioes(side: Side, tag: Tag): void {
    if (side.openTally) {
      const open = side.openTally;
      side.openTally = undefined;
      if (tag.tally === open && tag.code === I) {
        side.openTally = open;
        return;
      }
      if (tag.tally === open && tag.code === E) {
        this.complete(side, open, side.openStart);
        return;
      }
    }
    if (tag.code === B) {
      side.openTally = tag.tally;
      side.openStart = this.position;
    } else if (tag.code === S) {
      this.complete(side, tag.tally, this.position);
    }
  }

  private close(side: Side): void {
    if (side.openTally && this.scheme === 'IOB2') this.complete(side, side.openTally, side.openStart);
    side.openTally = undefined;
  }

  private complete(side: Side, tally: TypeTally, start: number): void {
    side.doneTally = tally;
    side.doneStart = start;
  }

  /**
   * Both sides complete entities at the same step exactly when they end at the same place
   * (IOB2: at the tag after the entity; BIOES: at its E- or S- tag), so matching is per step.
   */
  private settle(): void {
    const g = this.gold;
    const p = this.pred;
    if (g.doneTally) {
      this.foundGold++;
      g.doneTally.gold++;
    }
    if (p.doneTally) {
      this.foundPred++;
      p.doneTally.pred++;
    }
    if (g.doneTally && g.doneTally === p.doneTally && g.doneStart === p.doneStart) {
      this.correct++;
      g.doneTally.correct++;
    }
    g.doneTally = undefined;
    p.doneTally = undefined;
  }

  private typeOf(tally: TypeTally): string {
    for (const [type, t] of this.tallies) if (t === tally) return type;
    throw new Error('unreachable: tally without type');
  }

  private parse(tag: string): Tag {
    let code = O;
    let type = '';
    if (tag !== 'O') {
      const h = tag.indexOf('-');
      const prefixCode = h > 0 ? this.prefixes.get(tag.slice(0, h)) : undefined;
      type = tag.slice(h + 1);
      if (prefixCode === undefined || type === '') {
        const allowed = [...this.prefixes.keys()].map((k) => `${k}-`).join(', ');
        throw new MmnerError(
          'E_SCORE_TAG',
          `tag '${tag}' is not valid in strict ${this.scheme} (expected O or ${allowed} followed by a type)`,
          {
            hint: 'Score without --strict (conlleval rules accept any tag), or convert the tags to the scheme.',
          },
        );
      }
      code = prefixCode;
    }
    let tally = this.tallies.get(type);
    if (!tally) {
      tally = { gold: 0, pred: 0, correct: 0 };
      this.tallies.set(type, tally);
    }
    const parsed: Tag = { code, type, tally };
    this.tags.set(tag, parsed);
    return parsed;
  }
}
