/**
 * The views of a download: on a terminal, one bar redrawn in place (bytes, bytes/s, ETA) with a
 * line per finished file, drawn with the trainer's bar and duration helpers; elsewhere (logs,
 * CI, `--json`) one JSON object per line, progress at most every `intervalSec`.
 */
import { formatBar, formatDuration } from '../../train/progress.js';
import type { DownloadEvent } from './download.js';

/** `0 B`, `612 B`, `12.3 kB`, `714.3 MB`, `1.42 GB` (decimal units, as the hub shows sizes). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1000) return `${Math.max(0, Math.round(n || 0))} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface DownloadProgressOptions {
  /** Between redraws on a terminal (default 100 ms). */
  redrawMs?: number;
  /** Between JSON progress lines (default 2 s). */
  intervalSec?: number;
  now?: () => number;
}

/** The bar line: `[####------] 42% 12.3 MB/29.1 MB 5.20 MB/s ETA 3s model.safetensors`. */
export function formatProgressLine(e: Extract<DownloadEvent, { type: 'progress' }>, columns = 80): string {
  const pct = e.total > 0 ? Math.min(100, Math.floor((e.done / e.total) * 100)) : 100;
  const status = `${String(pct).padStart(3)}% ${formatBytes(e.done)}/${formatBytes(e.total)} ${formatBytes(e.bytesPerSec)}/s ETA ${formatDuration(e.etaSec)}`;
  // The bar's width depends on the terminal only, so it does not jump as the numbers change.
  const width = Math.max(10, Math.min(30, columns - 72));
  const line = `${formatBar(e.done, e.total, width)} ${status} `;
  // A line wider than the terminal would wrap and break the in-place redraw: shorten the path.
  const room = columns - 1 - line.length;
  const path = e.path.length <= room ? e.path : `…${e.path.slice(e.path.length - Math.max(0, room - 1))}`;
  return `${line}${room > 1 ? path : ''}`;
}

/** Human lines for the events that get one (undefined: none). */
function eventLine(e: DownloadEvent): string | undefined {
  switch (e.type) {
    case 'start':
      return e.files === 0
        ? undefined
        : `fetching ${e.files} file${e.files === 1 ? '' : 's'} (${formatBytes(e.bytes)}) of ${e.repo}@${e.revision}${e.commit ? ` (commit ${e.commit.slice(0, 10)})` : ''}`;
    case 'warning':
      return `warning: ${e.message}`;
    case 'skip':
      return `up to date  ${e.path} (${formatBytes(e.size)})`;
    case 'file':
      return e.from > 0 ? `resuming   ${e.path} at ${formatBytes(e.from)}` : undefined;
    case 'retry':
      return `retry ${e.attempt}/${e.retries} ${e.path} from ${formatBytes(e.from)}: ${e.reason}`;
    case 'fileDone':
      return `done        ${e.path} (${formatBytes(e.size)}${e.sha256 ? ', sha256 verified' : ''})`;
    case 'progress':
    case 'done':
      return undefined;
  }
}

/** An event sink; `clear()` wipes a half-drawn bar (before an error message). */
export type DownloadReporter = ((e: DownloadEvent) => void) & { clear(): void };

/** An event sink drawing a terminal bar or writing JSON lines, depending on `json` / the stream. */
export function downloadReporter(
  stream: Stream,
  json: boolean,
  options: DownloadProgressOptions = {},
): DownloadReporter {
  const now = options.now ?? (() => Date.now());
  const redraw = options.redrawMs ?? 100;
  const interval = (options.intervalSec ?? 2) * 1000;
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  if (json || stream.isTTY !== true) {
    const sink = (e: DownloadEvent) => {
      if (e.type === 'progress') {
        const t = now();
        const final = e.size !== undefined && e.bytes === e.size;
        if (t - last < interval && !final) return;
        last = t;
        const etaSec = Number.isFinite(e.etaSec) ? Math.round(e.etaSec) : null;
        stream.write(`${JSON.stringify({ ...e, bytesPerSec: Math.round(e.bytesPerSec), etaSec })}\n`);
        return;
      }
      stream.write(`${JSON.stringify(e)}\n`);
    };
    return Object.assign(sink, { clear: () => {} });
  }
  const clear = () => {
    if (drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  const sink = (e: DownloadEvent) => {
    if (e.type === 'progress') {
      const t = now();
      if (t - last < redraw) return;
      last = t;
      stream.write(`\r${formatProgressLine(e, stream.columns ?? 80)}\x1b[K`);
      drawn = true;
      return;
    }
    const line = eventLine(e);
    if (line === undefined && e.type !== 'done') return;
    clear();
    if (line !== undefined) stream.write(`${line}\n`);
  };
  return Object.assign(sink, { clear });
}
