/**
 * Writes a generated sample dataset to a folder: refuses a non-empty folder it did not write
 * (unless forced), renders the images, and writes every file atomically (temp + rename), the
 * README first and the manifest last, so an interrupted run leaves no half file and can rerun.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { MANIFEST_FILE } from '../data/manifest.js';
import { MmnerError } from '../errors.js';
import { isTempFile, writeFileAtomic } from '../run/atomicWrite.node.js';
import { LANGUAGES } from '../types.js';
import { imageFile, SAMPLE_IMAGES_DIR, SAMPLE_README_MARKER, sampleTextFiles } from './files.js';
import { itemSceneSvg, type SampleDataset } from './generate.js';
import { renderScenePng } from './render.node.js';

/** Sample files can be regenerated from the seed: atomic, but not fsync'd one by one. */
const BULK = { durable: false } as const;

export interface WriteSampleOptions {
  /** Write into a non-empty folder that is not a previous sample. */
  force?: boolean;
  /** Images rendered at once (default: the number of cores, 2 to 8; sharp's own threads do the rest). */
  concurrency?: number;
  /** Called after each image with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface WriteSampleResult {
  files: number;
  images: number;
  bytes: number;
  /** Files of an earlier sample that this one does not have, removed. */
  removed: number;
}

async function entries(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') {
      throw new MmnerError('E_OUT_NOT_DIR', `${dir} is a file, not a folder`, {
        hint: 'choose a folder for --out',
      });
    }
    throw e;
  }
}

/** True when the folder holds a sample written by `mmner data sample` (its README's first line). */
export async function isSampleFolder(dir: string): Promise<boolean> {
  try {
    const text = await readFile(join(dir, 'README.md'), 'utf8');
    return text.split('\n', 1)[0] === SAMPLE_README_MARKER;
  } catch {
    return false;
  }
}

/** Our file names: `<lang>-<split>-<n>.png` images and leftover temp files. */
const OWNED_IMAGE = /^[a-z]{2}-(train|dev|test)-\d{6}\.png$/;

/**
 * Removes what an earlier sample left that this one will not overwrite: images of ids that no
 * longer exist, and temp files of an interrupted run. Nothing else is touched.
 */
async function removeStale(dir: string, keep: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  const folders = ['', SAMPLE_IMAGES_DIR, 'subsets', ...LANGUAGES];
  for (const folder of folders) {
    for (const name of (await entries(join(dir, folder))) ?? []) {
      const rel = folder ? `${folder}/${name}` : name;
      const stale =
        isTempFile(name) || (folder === SAMPLE_IMAGES_DIR && OWNED_IMAGE.test(name) && !keep.has(rel));
      if (stale) {
        await rm(join(dir, rel), { force: true });
        removed++;
      }
    }
  }
  return removed;
}

/** Runs `task` over `items` with at most `limit` running at once, in order of start. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export async function writeSample(
  dir: string,
  ds: SampleDataset,
  opts: WriteSampleOptions = {},
): Promise<WriteSampleResult> {
  const existing = await entries(dir);
  if (existing && existing.length > 0 && !opts.force && !(await isSampleFolder(dir))) {
    throw new MmnerError('E_OUT_NOT_EMPTY', `${dir} is not empty and does not hold an mmner sample dataset`, {
      hint: 'choose a new or empty folder, or pass --force to write the sample into it anyway',
    });
  }
  // Without its manifest an interrupted rewrite cannot pass for a complete dataset.
  await rm(join(dir, MANIFEST_FILE), { force: true });
  const text = sampleTextFiles(ds);
  const keep = new Set([...text.map(([p]) => p), ...ds.items.map((it) => imageFile(it.sentence.id))]);
  for (const sub of new Set([...keep].map((p) => dirname(p))))
    await mkdir(join(dir, sub), { recursive: true });
  const removed = await removeStale(dir, keep);

  let bytes = 0;
  const [readme, ...rest] = text;
  // The README goes first: it marks the folder as ours, so an interrupted run can be rerun.
  await writeFileAtomic(join(dir, readme![0]), readme![1], BULK);
  bytes += Buffer.byteLength(readme![1]);

  let done = 0;
  await pool(ds.items, opts.concurrency ?? Math.min(8, Math.max(2, availableParallelism())), async (item) => {
    const png = await renderScenePng(itemSceneSvg(ds, item));
    await writeFileAtomic(join(dir, imageFile(item.sentence.id)), png, BULK);
    bytes += png.length;
    opts.onProgress?.(++done, ds.items.length);
  });
  for (const [path, content] of rest) {
    await writeFileAtomic(join(dir, path), content, BULK);
    bytes += Buffer.byteLength(content);
  }
  return { files: text.length + ds.items.length, images: ds.items.length, bytes, removed };
}
