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

export interface ReadEventsResult {
  events: TrainEvent[];
  /** The last line was incomplete (no newline and not valid JSON) and was skipped. */
  torn: boolean;
}

/**
 * Parses events.jsonl text. A torn last line is skipped (and reported); a bad line elsewhere is an
 * error naming its line. Unknown `type`s are kept out (newer writers), never guessed at.
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
    if (isEventType((value as { type?: unknown }).type)) events.push(value as TrainEvent);
  }
  return { events, torn };
}
