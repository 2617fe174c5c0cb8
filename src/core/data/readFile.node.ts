/**
 * Reading data files from disk: the file-system errors a user can cause (no such file, a folder,
 * no permission) become MmnerErrors, then the bytes go to the browser-safe readers.
 */
import { readFile } from 'node:fs/promises';
import { MmnerError } from '../errors.js';
import { DataCode } from './problems.js';
import { readData } from './read.js';
import type { ReadOptions, ReadResult } from './readOptions.js';

/** Reads a file's bytes; a missing, unreadable or folder path is an MmnerError. */
export async function readBytes(path: string, shownAs: string = path): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new MmnerError(DataCode.fileNotFound, `no such file: ${shownAs}`, {
        hint: 'check the path (relative paths start at the current folder, or at the manifest folder in a manifest)',
      });
    }
    if (code === 'EISDIR') {
      throw new MmnerError(DataCode.fileUnreadable, `${shownAs} is a folder, not a file`, {
        hint: 'name a data file, or a folder holding a dataset.json manifest',
      });
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new MmnerError(DataCode.fileUnreadable, `no permission to read ${shownAs}`, {
        hint: 'check the file permissions',
      });
    }
    throw new MmnerError(DataCode.fileUnreadable, `cannot read ${shownAs}: ${(e as Error).message}`, {});
  }
}

/** Reads a data file in any format; `opts.file` (the name in messages) defaults to the path. */
export async function readDataFile(path: string, opts: Partial<ReadOptions> = {}): Promise<ReadResult> {
  const file = opts.file ?? path;
  return readData(await readBytes(path, file), { ...opts, file });
}
