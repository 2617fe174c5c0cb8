/**
 * Checkpoint files in `runs/<name>/checkpoints/`: `step-<8 digits>.safetensors` written atomically,
 * the last K kept, `best.safetensors` for the best dev F1; `latestValidCheckpoint` verifies digests
 * newest first and falls back to an older one, saying which file was damaged and why.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isMmnerError, MmnerError } from '../core/errors.js';
import { writeFileAtomic } from '../core/run/atomicWrite.node.js';
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';

export const BEST_CHECKPOINT = 'best.safetensors';
const STEP_FILE = /^step-(\d{8,})\.safetensors$/;

/** `step-00000042.safetensors` */
export function stepCheckpointName(step: number): string {
  return `step-${String(step).padStart(8, '0')}.safetensors`;
}

export interface SaveCheckpointOptions {
  /** File name in `dir` (default: the step's name). */
  name?: string;
  /** Keep this many step checkpoints, removing older ones (default 3; `best` is never removed). */
  keep?: number;
}

/**
 * Fault injection for the crash-safety tests (`MMNER_FAULT_CHECKPOINT`): `kill` dies by SIGKILL
 * between writing the temp file and renaming it; `enospc` fails there as a full disk does.
 */
async function injectedFault(): Promise<void> {
  const fault = process.env.MMNER_FAULT_CHECKPOINT;
  if (fault === 'kill') process.kill(process.pid, 'SIGKILL');
  if (fault === 'enospc') {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }
}

/** Writes the checkpoint atomically; returns its path. */
export async function saveCheckpoint(
  dir: string,
  ckpt: Checkpoint,
  options: SaveCheckpointOptions = {},
): Promise<string> {
  const path = join(dir, options.name ?? stepCheckpointName(ckpt.state.step));
  const bytes = await encodeCheckpoint(ckpt);
  try {
    await writeFileAtomic(path, bytes, { beforeRename: injectedFault });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new MmnerError('E_DISK_FULL', `no space left on the disk to write ${basename(path)}`, {
        file: path,
        hint: 'free some space, then continue with `mmner train --out RUN --resume`: the checkpoints written before are intact',
        cause: e,
      });
    }
    throw e;
  }
  const keep = options.keep ?? 3;
  const steps = await listCheckpoints(dir);
  await Promise.all(steps.slice(Math.max(1, keep)).map((p) => rm(p, { force: true })));
  return path;
}

/** Step checkpoints in `dir`, newest (highest step) first; [] if the folder is missing. */
export async function listCheckpoints(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .map((n) => ({ n, m: STEP_FILE.exec(n) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(b.m![1]) - Number(a.m![1]))
    .map((x) => join(dir, x.n));
}

/** Reads and verifies one checkpoint file (`E_CHECKPOINT_CORRUPT` when damaged). */
export async function readCheckpoint(path: string): Promise<Checkpoint> {
  return decodeCheckpoint(new Uint8Array(await readFile(path)), path);
}

export interface LatestCheckpoint {
  path: string;
  checkpoint: Checkpoint;
  /** Newer files that failed verification, skipped. */
  skipped: string[];
}

/**
 * The newest step checkpoint that verifies, or undefined when there is none. Each damaged file is
 * reported through `onMessage` (default: console.warn), e.g.
 * "checkpoints/step-00000200.safetensors: checkpoint is damaged: sha256 mismatch …; using step-00000100.safetensors".
 */
export async function latestValidCheckpoint(
  dir: string,
  onMessage: (message: string) => void = (m) => console.warn(m),
): Promise<LatestCheckpoint | undefined> {
  const skipped: string[] = [];
  const pending: string[] = [];
  for (const path of await listCheckpoints(dir)) {
    try {
      const checkpoint = await readCheckpoint(path);
      for (const m of pending) onMessage(`${m}; using ${path}`);
      return { path, checkpoint, skipped };
    } catch (e) {
      if (!isMmnerError(e)) throw e;
      skipped.push(path);
      pending.push(e.message.split('\n')[0]!);
    }
  }
  for (const m of pending) onMessage(`${m}; no earlier valid checkpoint, starting from scratch`);
  return undefined;
}
