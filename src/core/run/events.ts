/**
 * The training events of `runs/<name>/events.jsonl`, one JSON object per line, keyed by `type`.
 * Browser-safe: the trainer writes them, and the CLI, the extension and the renderer read them
 * with `readEvents`, which tolerates a torn last line (a writer killed mid-append).
 */
import { MmnerError } from '../errors.js';

export const EVENT_TYPES = Object.freeze([
  'runStart',
  'step',
  'eval',
  'checkpoint',
  'earlyStop',
  'interrupted',
  'runEnd',
] as const);
export type EventType = (typeof EVENT_TYPES)[number];
export function isEventType(s: unknown): s is EventType {
  return typeof s === 'string' && (EVENT_TYPES as readonly string[]).includes(s);
}

interface Base {
  /** Wall-clock time of the event, ms since the epoch. */
  time: number;
}

export interface RunStartEvent extends Base {
  type: 'runStart';
  /** First step this run will take (0, or the checkpoint's step when resuming). */
  startStep: number;
  totalSteps: number;
  batchesPerEpoch: number;
  /** The checkpoint file resumed from, relative to the run folder. */
  resumedFrom?: string;
}

export interface StepEvent extends Base {
  type: 'step';
  /** Optimizer steps done, counting this one (1 for the first). */
  step: number;
  /** 0-based epoch of this step's batch. */
  epoch: number;
  /** Each loss part, e.g. `{ crf: 12.3, clVit: 1.1 }`, and `total`, their sum. */
  loss: Record<string, number>;
  /** The base learning rate of this step (groups scale it). */
  lr: number;
  /** The gradient's global L2 norm before clipping. */
  gradNorm: number;
  examplesPerSec: number;
  /** Seconds left at the recent pace. */
  etaSec: number;
}

export interface EvalEvent extends Base {
  type: 'eval';
  step: number;
  epoch: number;
  /** Always `dev` while training: model selection never looks at test. */
  split: string;
  /** Entity F1 in percent (0–100), as conlleval reports it. */
  f1: number;
  perLanguage?: Record<string, number>;
  /** Whether this is the best F1 so far (a `best` checkpoint follows). */
  best: boolean;
}

export const CHECKPOINT_REASONS = Object.freeze(['periodic', 'final', 'best', 'interrupt'] as const);
export type CheckpointReason = (typeof CHECKPOINT_REASONS)[number];

export interface CheckpointEvent extends Base {
  type: 'checkpoint';
  step: number;
  /** Relative to the run folder, e.g. `checkpoints/step-00000100.safetensors`. */
  path: string;
  reason: CheckpointReason;
}

export interface EarlyStopEvent extends Base {
  type: 'earlyStop';
  step: number;
  bestStep: number;
  bestF1: number;
  /** Evaluations without improvement that triggered the stop. */
  patience: number;
}

export interface InterruptedEvent extends Base {
  type: 'interrupted';
  step: number;
  /** The checkpoint to resume from, relative to the run folder. */
  checkpoint: string;
}

export const END_REASONS = Object.freeze(['completed', 'earlyStop', 'interrupted'] as const);
export type EndReason = (typeof END_REASONS)[number];

export interface RunEndEvent extends Base {
  type: 'runEnd';
  step: number;
  reason: EndReason;
  bestStep?: number;
  bestF1?: number;
  elapsedSec: number;
}

export type TrainEvent =
  | RunStartEvent
  | StepEvent
  | EvalEvent
  | CheckpointEvent
  | EarlyStopEvent
  | InterruptedEvent
  | RunEndEvent;

/** An event without its `time`, as emitters build them. */
export type TrainEventBody = TrainEvent extends infer E
  ? E extends TrainEvent
    ? Omit<E, 'time'>
    : never
  : never;

/** One line of events.jsonl. */
export function formatEvent(event: TrainEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/**
 * The fields each event must have, checked on reading so a consumer never meets a string where
 * it plots a number. `?` marks optional fields; `numbers` is a record of numbers. Fields not
 * listed (a newer writer's) are kept as they are.
 */
const SHAPES: Readonly<Record<EventType, Readonly<Record<string, string>>>> = {
  runStart: { startStep: 'number', totalSteps: 'number', batchesPerEpoch: 'number', resumedFrom: 'string?' },
  step: {
    step: 'number',
    epoch: 'number',
    loss: 'numbers',
    lr: 'number',
    gradNorm: 'number',
    examplesPerSec: 'number',
    etaSec: 'number',
  },
  eval: {
    step: 'number',
    epoch: 'number',
    split: 'string',
    f1: 'number',
    perLanguage: 'numbers?',
    best: 'boolean',
  },
  checkpoint: { step: 'number', path: 'string', reason: 'checkpointReason' },
  earlyStop: { step: 'number', bestStep: 'number', bestF1: 'number', patience: 'number' },
  interrupted: { step: 'number', checkpoint: 'string' },
  runEnd: {
    step: 'number',
    reason: 'endReason',
    bestStep: 'number?',
    bestF1: 'number?',
    elapsedSec: 'number',
  },
};

/** JSON writes NaN and ±Infinity as null: a null number reads back as NaN. */
function asNumber(v: unknown): number | undefined {
  return typeof v === 'number' ? v : v === null ? Number.NaN : undefined;
}

/** A value in a message; objects are not stringified (one nested thousands deep overflows the stack). */
function shown(v: unknown): string {
  if (typeof v !== 'object' || v === null) return (JSON.stringify(v) ?? String(v)).slice(0, 40);
  return Array.isArray(v) ? 'an array' : 'an object';
}

/** Checks an event's fields (null numbers become NaN in place); returns what is wrong, if anything. */
function checkFields(e: Record<string, unknown>, type: EventType): string | undefined {
  for (const [field, spec] of Object.entries({ time: 'number', ...SHAPES[type] })) {
    const kind = spec.replace('?', '');
    const v = Object.hasOwn(e, field) ? e[field] : undefined;
    if (v === undefined) {
      if (spec.endsWith('?')) continue;
      return `"${field}" is missing`;
    }
    let ok: boolean;
    if (kind === 'number') {
      const x = asNumber(v);
      ok = x !== undefined;
      if (ok) e[field] = x;
    } else if (kind === 'numbers') {
      ok = typeof v === 'object' && v !== null && !Array.isArray(v);
      const record = v as Record<string, unknown>;
      for (const [k, x] of ok ? Object.entries(record) : []) {
        const y = asNumber(x);
        if (y === undefined) ok = false;
        else record[k] = y;
      }
    } else if (kind === 'checkpointReason') ok = (CHECKPOINT_REASONS as readonly unknown[]).includes(v);
    else if (kind === 'endReason') ok = (END_REASONS as readonly unknown[]).includes(v);
    else ok = typeof v === kind;
    if (!ok)
      return `"${field}" is ${shown(v)}, not ${kind === 'numbers' ? 'a record of numbers' : `a ${kind}`}`;
  }
  return undefined;
}

export interface ReadEventsResult {
  events: TrainEvent[];
  /** The last line was incomplete (no newline and not valid JSON) and was skipped. */
  torn: boolean;
}

/**
 * Parses events.jsonl text. A torn last line is skipped (and reported); a bad line elsewhere, or
 * an event with a missing or mistyped field, is an error naming its line. Unknown `type`s are
 * kept out (newer writers), never guessed at.
 * @example readEvents('{"type":"step","step":1,…}\n{"type":"st').torn // → true
 */
export function readEvents(text: string, file = 'events.jsonl'): ReadEventsResult {
  const lines = text.split('\n');
  const events: TrainEvent[] = [];
  let torn = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const last = i === lines.length - 1; // no newline after it
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      if (last) {
        torn = true;
        break;
      }
      throw new MmnerError('E_EVENTS_LINE', `not a JSON object (${(e as Error).message})`, {
        file,
        line: i + 1,
        hint: 'events.jsonl is written by the trainer only; remove the damaged line or start a new run',
      });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new MmnerError('E_EVENTS_LINE', 'not a JSON object', { file, line: i + 1 });
    }
    const type = (value as { type?: unknown }).type;
    if (!isEventType(type)) continue;
    const bad = checkFields(value as Record<string, unknown>, type);
    if (bad) {
      throw new MmnerError('E_EVENTS_LINE', `${type} event: ${bad}`, {
        file,
        line: i + 1,
        hint: 'events.jsonl is written by the trainer only; remove the damaged line or start a new run',
      });
    }
    events.push(value as TrainEvent);
  }
  return { events, torn };
}
