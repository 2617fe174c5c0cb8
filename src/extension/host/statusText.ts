/**
 * The words of the status bar item, apart from VS Code so they are tested in plain Node:
 * the backend jobs and kernels use, and the running job with its progress.
 */

export interface RunningJob {
  /** e.g. `training runs/tiny`. */
  label: string;
  /** 0–1 when known. */
  fraction?: number;
}

/**
 * @example statusText('wasm', { label: 'training runs/x', fraction: 0.4 }) // → 'mmner: wasm · training runs/x 40%'
 */
export function statusText(backend: string, job?: RunningJob): string {
  if (!job) return `mmner: ${backend}`;
  const pct = job.fraction === undefined ? '' : ` ${Math.floor(job.fraction * 100)}%`;
  return `mmner: ${backend} · ${job.label}${pct}`;
}
