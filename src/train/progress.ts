/**
 * The terminal view of training: on a TTY, one progress bar on stderr redrawn in place (at most
 * every `redrawMs`); otherwise (CI, log files) one plain line every `intervalSec`. Evaluations,
 * checkpoints and the end always get their own line. An Observer of the loop's events.
 */
import type { StepEvent, TrainEvent } from '../core/run/events.js';
import type { Observer } from './events.js';

export interface ProgressOptions {
  /** Default process.stderr. */
  stream?: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Non-TTY: seconds between lines (default 10). */
  intervalSec?: number;
  /** TTY: ms between redraws (default 100). */
  redrawMs?: number;
  now?: () => number;
}

/** `1h02m`, `3m05s`, `42s`. */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.max(0, Math.round(sec));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * The status text after the bar.
 * @example formatStatus(stepEvent, 100) // → '12/100 loss 3.412 lr 4.4e-5 85.3 ex/s ETA 1m02s'
 */
export function formatStatus(e: StepEvent, total: number): string {
  const loss = e.loss.total ?? Object.values(e.loss).reduce((a, b) => a + b, 0);
  return `${e.step}/${total} loss ${loss.toFixed(3)} lr ${e.lr.toExponential(1)} ${e.examplesPerSec.toFixed(1)} ex/s ETA ${formatDuration(e.etaSec)}`;
}

/** `[#####-----]` of `width` cells. */
export function formatBar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

function eventLine(e: TrainEvent): string | undefined {
  switch (e.type) {
    case 'runStart':
      return e.startStep > 0
        ? `resuming at step ${e.startStep}/${e.totalSteps} from ${e.resumedFrom ?? '?'}`
        : `training ${e.totalSteps} steps (${e.batchesPerEpoch} per epoch)`;
    case 'eval': {
      const langs = e.perLanguage
        ? ` (${Object.entries(e.perLanguage)
            .map(([l, f]) => `${l} ${f.toFixed(1)}`)
            .join(', ')})`
        : '';
      return `step ${e.step} ${e.split} F1 ${e.f1.toFixed(2)}${langs}${e.best ? ' best' : ''}`;
    }
    case 'checkpoint':
      return e.reason === 'periodic' ? undefined : `saved ${e.reason} checkpoint ${e.path}`;
    case 'earlyStop':
      return `early stop at step ${e.step}: no better dev F1 in ${e.patience} evaluations (best ${e.bestF1.toFixed(2)} at step ${e.bestStep})`;
    case 'interrupted':
      return `interrupted at step ${e.step}; resume from ${e.checkpoint}`;
    case 'runEnd':
      return `done (${e.reason}) at step ${e.step} in ${formatDuration(e.elapsedSec)}`;
    case 'step':
      return undefined;
  }
}

/** An Observer that draws progress; call with every event. */
export function progressReporter(options: ProgressOptions = {}): Observer {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const now = options.now ?? (() => Date.now());
  const interval = (options.intervalSec ?? 10) * 1000;
  const redraw = options.redrawMs ?? 100;
  let total = 0;
  let last = -Infinity;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  return (e) => {
    if (e.type === 'runStart') total = e.totalSteps;
    if (e.type === 'step') {
      const t = now();
      const final = e.step === total;
      if (tty) {
        if (t - last < redraw && !final) return;
        const status = formatStatus(e, total);
        const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - status.length - 2));
        stream.write(`\r${formatBar(e.step, total, width)} ${status}\x1b[K`);
        drawn = true;
      } else {
        if (t - last < interval && !final) return;
        stream.write(`${formatStatus(e, total)}\n`);
      }
      last = t;
      return;
    }
    const line = eventLine(e);
    if (line === undefined) return;
    clear();
    stream.write(`${line}\n`);
  };
}
