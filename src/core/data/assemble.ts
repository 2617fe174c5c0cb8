/**
 * What every reader does once it has a sentence's tokens and tags: check each tag against the
 * scheme and the known types, rename types (OTHER → MISC), catch duplicate ids, count scheme
 * oddities as folded warnings, convert to the target scheme, and keep the sentence.
 */
import { checkScheme, type SchemeIssue } from '../schemes/check.js';
import { convertTags, tagsToSpans } from '../schemes/spans.js';
import { mapTagType, splitTag, type TagScheme, tagProblem } from '../schemes/tags.js';
import type { Sentence } from '../types.js';
import { atLines, DataCode, n, type ProblemCollector } from './problems.js';

/** Where an id was first seen; shared by the files of one split to catch duplicates across them. */
export type SeenIds = Map<string, { file: string; line: number }>;

export interface AssembleOptions {
  file: string;
  lang: string;
  scheme: TagScheme;
  targetScheme?: TagScheme;
  typeMap?: Readonly<Record<string, string>>;
  /** Known entity types (after the type map); a tag of another type is an error. */
  types?: readonly string[];
  seenIds?: SeenIds;
}

/** A sentence as a reader found it; `tagLines[i]` is the line of token i. */
export interface RawSentence {
  id: string;
  line: number;
  tokens: string[];
  tags: string[];
  tagLines: readonly number[] | number;
  image?: string;
  /** Overrides the reader's language (JSONL lines may carry their own). */
  lang?: string;
}

export interface ReadStats {
  sentences: number;
  tokens: number;
  /** Entities per type (after the type map), read as conlleval does. */
  entities: Record<string, number>;
}

type TagVerdict = { ok: true; mapped: string } | { ok: false; message: string; hint: string; code: DataCode };

export class SentenceAssembler {
  readonly sentences: Sentence[] = [];
  readonly stats: ReadStats = { sentences: 0, tokens: 0, entities: {} };
  private readonly verdicts = new Map<string, TagVerdict>();
  private readonly seen: SeenIds;
  private readonly types?: ReadonlySet<string>;
  private readonly stray = { afterO: 0, atStart: 0, afterOther: 0 };

  constructor(
    private readonly opts: AssembleOptions,
    private readonly problems: ProblemCollector,
  ) {
    this.seen = opts.seenIds ?? new Map();
    if (opts.types) this.types = new Set(opts.types);
  }

  /** Checks one tag; returns it with its type renamed, or undefined after reporting an error. */
  tag(tag: string, line: number): string | undefined {
    let v = this.verdicts.get(tag);
    if (!v) {
      v = this.judge(tag);
      this.verdicts.set(tag, v);
    }
    if (v.ok) return v.mapped;
    this.problems.error(v.code, v.message, { file: this.opts.file, line, hint: v.hint });
    return undefined;
  }

  private judge(tag: string): TagVerdict {
    const bad = tagProblem(tag, this.opts.scheme);
    if (bad) return { ok: false, code: DataCode.badTag, ...bad };
    const mapped = mapTagType(tag, this.opts.typeMap);
    const type = splitTag(mapped)?.type;
    if (this.types && type && !this.types.has(type)) {
      return {
        ok: false,
        code: DataCode.unknownType,
        message: `entity type '${type}' (tag '${tag}') is not one of ${[...this.types].join(', ')}`,
        hint: 'rename it with a type map (--type-map OLD=NEW, or "typeMap" in the manifest), or add it to the known types',
      };
    }
    return { ok: true, mapped };
  }

  /** Checks the id, counts scheme oddities and keeps the sentence (also in collect mode). */
  add(raw: RawSentence): void {
    const { file } = this.opts;
    const first = this.seen.get(raw.id);
    if (first) {
      const where = first.file === file ? `line ${first.line}` : `${first.file}:${first.line}`;
      this.problems.error(
        DataCode.duplicateId,
        `id '${raw.id}' is used twice: first at ${where}, again here`,
        {
          file,
          line: raw.line,
          hint: 'ids name sentences (and images) and must be unique within a split; remove the duplicate or rename one',
        },
      );
    } else {
      this.seen.set(raw.id, { file, line: raw.line });
    }
    const lineOf = (i: number) =>
      typeof raw.tagLines === 'number' ? raw.tagLines : (raw.tagLines[i] ?? raw.line);
    for (const issue of checkScheme(raw.tags, this.opts.scheme)) this.countIssue(issue, lineOf(issue.index));
    const tags = this.opts.targetScheme
      ? convertTags(raw.tags, this.opts.scheme, this.opts.targetScheme)
      : raw.tags;
    const sentence: Sentence = { id: raw.id, lang: raw.lang ?? this.opts.lang, tokens: raw.tokens, tags };
    if (raw.image !== undefined) sentence.image = raw.image;
    sentence.source = { file, line: raw.line };
    this.sentences.push(sentence);
    this.stats.sentences++;
    this.stats.tokens += raw.tokens.length;
    // hasOwn: a type named `constructor` or `toString` would read Object.prototype's member.
    const counts = this.stats.entities;
    for (const span of tagsToSpans(raw.tags))
      counts[span.type] = (Object.hasOwn(counts, span.type) ? counts[span.type]! : 0) + 1;
  }

  /** Folds scheme oddities into one warning per kind, keeping where stray I- tags come from. */
  private countIssue(issue: SchemeIssue, line: number): void {
    const where = { file: this.opts.file, line };
    if (issue.kind === 'stray-inside') {
      const prev = splitTag(issue.previous);
      if (issue.index === 0) this.stray.atStart++;
      else if (!prev || prev.prefix === 'O') this.stray.afterO++;
      else this.stray.afterOther++;
      const s = this.stray;
      this.problems.fold(
        DataCode.strayInside,
        {
          ...where,
          hint: 'conlleval and seqeval (default mode) read each as the start of an entity; strict IOB2 scoring drops them',
        },
        (c, lines) =>
          `${n(c)} ${this.opts.scheme === 'BIOES' ? 'I-/E-' : 'I-'} tags continue no entity of their type (after O: ${n(s.afterO)}, at sentence start: ${n(s.atStart)}, after another type: ${n(s.afterOther)}; ${atLines(lines, c)})`,
      );
    } else if (issue.kind === 'unclosed') {
      this.problems.fold(
        DataCode.unclosed,
        {
          ...where,
          hint: 'scorers close the entity there; BIOES ends entities with E- (or S- for one token)',
        },
        (c, lines) => `${n(c)} entities are not closed by an E- tag (${atLines(lines, c)})`,
      );
    } else {
      this.problems.fold(
        DataCode.needlessBegin,
        {
          ...where,
          hint: 'IOB1 uses B- only between two adjacent entities of one type; read as an entity start',
        },
        (c, lines) => `${n(c)} B- tags follow no entity of their type (${atLines(lines, c)})`,
      );
    }
  }
}
