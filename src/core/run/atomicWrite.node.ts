/**
 * The one way mmner writes a file another process may read: a temp file in the same folder,
 * fsync'd, renamed over the target, then the folder fsync'd. A reader sees the old file or the
 * new one, never half of either; `removeStaleTemps` clears what a killed writer left behind.
 */
import { type FileHandle, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temp files are hidden siblings of the target: `.<name>.<pid>-<n>.mmner-tmp`. */
export const TEMP_SUFFIX = '.mmner-tmp';
let tempCounter = 0;

export interface AtomicWriteOptions {
  /**
   * fsync the file and its folder (default true). Atomicity holds either way; `false` trades
   * durability across a power loss for speed, for bulk files that can be regenerated.
   */
  durable?: boolean;
  /** Test hook: runs after the temp file is written and synced, before the rename (throw to simulate a crash). */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

export function isTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

/** fsync a folder so a rename in it survives a power loss; a no-op where folders cannot be opened (Windows). */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw e;
  } finally {
    await handle?.close();
  }
}

/**
 * Writes `data` to `path` atomically.
 * @example await writeFileAtomic('runs/a/config.json', '{}\n') // → the file holds exactly "{}\n"
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}-${tempCounter++}${TEMP_SUFFIX}`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      if (options.durable !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeRename?.(temp);
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  if (options.durable !== false) await syncDir(dir);
}

/** `JSON.stringify(value, null, 2)` plus a final newline, written atomically. */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
  options?: AtomicWriteOptions,
): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);
}

/** Removes temp files a killed writer left in `dir` (not recursive); returns how many. */
export async function removeStaleTemps(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  const stale = names.filter(isTempFile);
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
  return stale.length;
}
