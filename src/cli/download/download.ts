/**
 * Downloads the files of a Hugging Face model repository into a folder, resumably:
 * data goes to `DIR/.incomplete/<file>.part` (with a `.part.json` naming what it is a part of),
 * an interrupted transfer continues with a Range request (in the same run, up to `retries`
 * times, or the next run), and a file reaches its final name — by an atomic rename — only after
 * its size and hash (sha256 for LFS files, the git blob id for the others) check out. A
 * manifest, `DIR/.mmner-download.json`, records what is complete so a re-run skips it.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { MmnerError } from '../../core/errors.js';
import { syncDir, writeJsonAtomic } from '../../core/run/atomicWrite.node.js';
import { header, NetworkError, type Response, request } from './http.js';
import {
  checkRepoId,
  type HubContext,
  type HubFile,
  httpError,
  listFiles,
  offlineError,
  resolveUrl,
  USER_AGENT,
} from './hub.js';
import { isWeights, selectFiles } from './select.js';

export const MANIFEST = '.mmner-download.json';
export const INCOMPLETE = '.incomplete';

export interface DownloadOptions {
  repoId: string;
  /** Target folder (created). */
  to: string;
  /** Branch, tag or commit (default main). */
  revision?: string;
  endpoint: string;
  token?: string;
  /** Globs replacing the default selection. */
  include?: string[];
  exclude?: string[];
  /** Idle timeout per request (default 30 s). */
  timeoutMs?: number;
  /** Automatic resumes of a broken transfer before giving up (default 3). */
  retries?: number;
  /** First wait before a retry, doubled each time (default 500 ms). */
  retryDelayMs?: number;
  signal?: AbortSignal;
  onEvent?: (e: DownloadEvent) => void;
  now?: () => number;
}

export type DownloadEvent =
  | {
      type: 'start';
      repo: string;
      revision: string;
      commit?: string;
      dir: string;
      files: number;
      /** Bytes of the files still to fetch (resumed parts count in full). */
      bytes: number;
    }
  | { type: 'warning'; message: string }
  | { type: 'skip'; path: string; size: number }
  | { type: 'file'; path: string; size?: number; from: number }
  | {
      type: 'progress';
      path: string;
      /** Bytes of this file on disk. */
      bytes: number;
      size?: number;
      /** Bytes of the whole selection on disk, against `total`. */
      done: number;
      total: number;
      bytesPerSec: number;
      etaSec: number;
    }
  | { type: 'retry'; path: string; attempt: number; retries: number; reason: string; from: number }
  | { type: 'fileDone'; path: string; size: number; sha256?: string }
  | { type: 'done'; dir: string; files: number; skipped: number; bytes: number; elapsedSec: number };

export interface DownloadResult {
  dir: string;
  commit?: string;
  files: { path: string; size: number; status: 'downloaded' | 'skipped' }[];
  /** Bytes transferred in this run. */
  bytes: number;
  elapsedSec: number;
}

interface Manifest {
  repo: string;
  revision: string;
  commit?: string;
  files: Record<string, { size: number; sha256?: string; blobId?: string; commit?: string }>;
}

/** What a file's content is, as far as the listing says: a part of another identity is stale. */
function identity(f: HubFile, commit: string | undefined): string {
  if (f.sha256) return `sha256:${f.sha256}`;
  if (f.blobId) return `git:${f.blobId}`;
  return `commit:${commit ?? '?'}:${f.size ?? '?'}`;
}

/** The git blob id of content: sha1 over `blob <size>\0` then the bytes. */
function gitBlobHash(size: number): Hash {
  return createHash('sha1').update(`blob ${size}\0`);
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    // A missing or damaged bookkeeping file only costs a re-check, never a wrong file.
    return undefined;
  }
}

/** Hashes a file's first `length` bytes with each of `hashes`. */
async function hashFile(path: string, hashes: Hash[], length?: number): Promise<void> {
  if (length === 0) return;
  const stream = createReadStream(path, length === undefined ? {} : { start: 0, end: length - 1 });
  for await (const chunk of stream) for (const h of hashes) h.update(chunk as Buffer);
}

/** Does the complete file at `path` match the listing? (size, then the hash when one is known) */
async function verifyExisting(path: string, f: HubFile): Promise<boolean> {
  const size = await sizeOf(path);
  if (size === undefined || (f.size !== undefined && size !== f.size)) return false;
  if (f.sha256) {
    const h = createHash('sha256');
    await hashFile(path, [h]);
    return h.digest('hex') === f.sha256;
  }
  if (f.blobId) {
    const h = gitBlobHash(size);
    await hashFile(path, [h]);
    return h.digest('hex') === f.blobId;
  }
  return false;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/** A transfer that may succeed when resumed: broken connection, 5xx, 429. */
class Retryable extends Error {}

function interrupted(path: string, dir: string): MmnerError {
  return new MmnerError('E_INTERRUPTED', `download stopped; what arrived of ${path} is kept`, {
    hint: `Run the same command again to resume (from ${join(dir, INCOMPLETE, `${path}.part`)})`,
  });
}

export async function downloadModel(o: DownloadOptions): Promise<DownloadResult> {
  checkRepoId(o.repoId);
  const now = o.now ?? (() => Date.now());
  const started = now();
  const emit = o.onEvent ?? (() => {});
  const revision = o.revision ?? 'main';
  const ctx: HubContext = {
    endpoint: o.endpoint,
    repoId: o.repoId,
    revision,
    ...(o.token ? { token: o.token } : {}),
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  let listing: Awaited<ReturnType<typeof listFiles>>;
  try {
    listing = await listFiles(ctx);
  } catch (e) {
    if (e instanceof NetworkError && e.kind === 'aborted') throw interrupted('the file list', o.to);
    if (e instanceof NetworkError) {
      throw new MmnerError('E_HUB_LISTING', `reading the file list of '${o.repoId}' failed: ${e.message}`, {
        hint: 'Run the command again',
      });
    }
    throw e;
  }
  const { selected, unmatched } = selectFiles(
    listing.files.map((f) => f.path),
    o.include,
    o.exclude,
  );
  for (const g of unmatched)
    emit({ type: 'warning', message: `--include '${g}' matches no file of ${o.repoId}` });
  if (selected.length === 0) {
    const names = listing.files.map((f) => f.path);
    throw new MmnerError('E_NOTHING_SELECTED', `no file of '${o.repoId}' matches the selection`, {
      hint: `Its files: ${names.slice(0, 30).join(', ')}${names.length > 30 ? ', …' : ''}. Choose with --include GLOB`,
    });
  }
  if (!o.include?.length && !selected.some(isWeights)) {
    emit({
      type: 'warning',
      message: `'${o.repoId}' has no model.safetensors or onnx/*.onnx; mmner cannot load .bin/.h5/.msgpack weights (fetching config and tokenizer only; see docs/weights.md)`,
    });
  }
  const byPath = new Map(listing.files.map((f) => [f.path, f]));
  const files = selected.map((p) => byPath.get(p)!);
  const commit = listing.commit;
  // Files come from the listed commit, so a push during the download cannot mix two versions.
  const ref = commit ?? revision;

  await mkdir(o.to, { recursive: true });
  const manifestPath = join(o.to, MANIFEST);
  const previous = await readJson<Manifest>(manifestPath);
  const manifest: Manifest = {
    repo: o.repoId,
    revision,
    ...(commit ? { commit } : {}),
    files: previous?.repo === o.repoId && previous.files ? previous.files : {},
  };

  // Up-to-date files: recorded in the manifest with the same identity and size, or (no record)
  // verified by hash.
  const todo: HubFile[] = [];
  const result: DownloadResult = {
    dir: o.to,
    ...(commit ? { commit } : {}),
    files: [],
    bytes: 0,
    elapsedSec: 0,
  };
  for (const f of files) {
    const dest = join(o.to, f.path);
    const size = await sizeOf(dest);
    const rec = manifest.files[f.path];
    const recorded =
      rec !== undefined &&
      size === rec.size &&
      (f.size === undefined || f.size === size) &&
      identity({ path: f.path, ...rec }, rec.commit) === identity(f, commit);
    if (recorded || (size !== undefined && (await verifyExisting(dest, f)))) {
      manifest.files[f.path] = record(f, size!, commit);
      result.files.push({ path: f.path, size: size!, status: 'skipped' });
      emit({ type: 'skip', path: f.path, size: size! });
    } else todo.push(f);
  }
  const total = todo.reduce((a, f) => a + (f.size ?? 0), 0);
  emit({
    type: 'start',
    repo: o.repoId,
    revision,
    ...(commit ? { commit } : {}),
    dir: o.to,
    files: todo.length,
    bytes: total,
  });

  const meter: Meter = { done: 0, total, transferred: 0, timed: 0, firstByteAt: 0 };
  for (const f of todo) {
    const size = await fetchFile(f, o, ctx, ref, commit, meter, emit, now);
    meter.done += f.size ?? size;
    manifest.files[f.path] = record(f, size, commit);
    await writeJsonAtomic(manifestPath, manifest, { durable: false });
    result.files.push({ path: f.path, size, status: 'downloaded' });
  }
  if (todo.length === 0) await writeJsonAtomic(manifestPath, manifest, { durable: false });
  await rmdir(join(o.to, INCOMPLETE)).catch(() => {});
  result.bytes = meter.transferred;
  result.elapsedSec = (now() - started) / 1000;
  emit({
    type: 'done',
    dir: o.to,
    files: todo.length,
    skipped: files.length - todo.length,
    bytes: meter.transferred,
    elapsedSec: result.elapsedSec,
  });
  return result;
}

function record(f: HubFile, size: number, commit: string | undefined): Manifest['files'][string] {
  return {
    size,
    ...(f.sha256 ? { sha256: f.sha256 } : {}),
    ...(f.blobId ? { blobId: f.blobId } : {}),
    ...(!f.sha256 && !f.blobId && commit ? { commit } : {}),
  };
}

interface Meter {
  done: number;
  total: number;
  transferred: number;
  /** Bytes after the first chunk, for the rate. */
  timed: number;
  firstByteAt: number;
}

/** Fetches one file into place, resuming and retrying; returns its size. */
async function fetchFile(
  f: HubFile,
  o: DownloadOptions,
  ctx: HubContext,
  ref: string,
  commit: string | undefined,
  meter: Meter,
  emit: (e: DownloadEvent) => void,
  now: () => number,
): Promise<number> {
  const retries = o.retries ?? 3;
  const part = join(o.to, INCOMPLETE, `${f.path}.part`);
  const partInfo = `${part}.json`;
  const id = identity(f, commit);
  await mkdir(dirname(part), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptFile(f, o, ctx, ref, id, part, partInfo, meter, emit, now, attempt === 0);
    } catch (e) {
      if (o.signal?.aborted || (e instanceof NetworkError && e.kind === 'aborted')) {
        throw interrupted(f.path, o.to);
      }
      const url = e instanceof NetworkError ? e.url : resolveUrl(ctx.endpoint, ctx.repoId, ref, f.path);
      if (!(e instanceof Retryable || e instanceof NetworkError)) throw e;
      const have = (await sizeOf(part)) ?? 0;
      const reason = e.message;
      if (attempt >= retries) {
        if (e instanceof NetworkError && e.kind === 'unreachable') throw offlineError(ctx, url, e);
        throw new MmnerError(
          'E_DOWNLOAD_INTERRUPTED',
          `the download of ${f.path} stopped at ${have}${f.size !== undefined ? ` of ${f.size}` : ''} bytes: ${reason}`,
          { hint: `Run the same command again: it resumes from ${part}` },
        );
      }
      emit({ type: 'retry', path: f.path, attempt: attempt + 1, retries, reason, from: have });
      await sleep((o.retryDelayMs ?? 500) * 2 ** attempt, o.signal);
      if (o.signal?.aborted) throw interrupted(f.path, o.to);
    }
  }
}

async function attemptFile(
  f: HubFile,
  o: DownloadOptions,
  ctx: HubContext,
  ref: string,
  id: string,
  part: string,
  partInfo: string,
  meter: Meter,
  emit: (e: DownloadEvent) => void,
  now: () => number,
  first: boolean,
): Promise<number> {
  // A part is resumed only if it belongs to the same content; anything else starts over.
  let from = (await sizeOf(part)) ?? 0;
  const info = await readJson<{ id?: string }>(partInfo);
  if (from > 0 && (info?.id !== id || (f.size !== undefined && from > f.size))) {
    await rm(part, { force: true });
    from = 0;
  }
  await writeJsonAtomic(partInfo, { repo: ctx.repoId, path: f.path, id }, { durable: false });
  if (first) emit({ type: 'file', path: f.path, ...(f.size !== undefined ? { size: f.size } : {}), from });

  let expectedSize = f.size;
  let expectedSha = f.sha256;
  if (expectedSize === undefined || from < expectedSize || expectedSize === 0) {
    const url = resolveUrl(ctx.endpoint, ctx.repoId, ref, f.path);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity' };
    if (from > 0) headers.range = `bytes=${from}-`;
    const res = await request(url, {
      headers,
      ...(ctx.token ? { token: ctx.token } : {}),
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    // The hub states an LFS file's size and sha256 on its redirect to the CDN.
    const hub = res.hops[0]?.headers ?? res.headers;
    const linkedSize = Number(header(hub, 'x-linked-size'));
    if (expectedSize === undefined && Number.isSafeInteger(linkedSize) && linkedSize >= 0)
      expectedSize = linkedSize;
    const linkedEtag = (header(hub, 'x-linked-etag') ?? '').replace(/^W\//, '').replace(/"/g, '');
    if (!expectedSha && !f.blobId && /^[0-9a-f]{64}$/.test(linkedEtag)) expectedSha = linkedEtag;

    if (res.status === 416 && from > 0) {
      // The part already holds everything the server has (or more): check it as it is.
      res.body.resume();
    } else {
      if (res.status === 200 && from > 0) {
        // The server ignored the Range header: take the whole file again.
        from = 0;
      } else if (res.status === 206) {
        const start = /^bytes (\d+)-/.exec(header(res.headers, 'content-range') ?? '');
        if (!start || Number(start[1]) !== from) {
          res.body.resume();
          await rm(part, { force: true });
          throw new Retryable(
            `the server resumed at the wrong offset (${header(res.headers, 'content-range')})`,
          );
        }
      } else if (res.status !== 200) {
        res.body.resume();
        // A CDN's 403 is usually an expired signed link: asking the hub again gets a fresh one.
        const cdn = new URL(res.url).origin !== new URL(ctx.endpoint).origin;
        if (res.status >= 500 || res.status === 429 || (cdn && res.status === 403)) {
          throw new Retryable(`HTTP ${res.status} from ${new URL(res.url).origin}`);
        }
        throw httpError(ctx, res, f.path);
      }
      if (expectedSize === undefined && res.status === 200) {
        const len = Number(header(res.headers, 'content-length'));
        if (Number.isSafeInteger(len)) expectedSize = len;
      }
      await receive(res, f, part, from, expectedSize, meter, emit, now, o.signal);
    }
  }

  // Verify what is on disk, whole: size first (cheap), then the hash.
  const got = (await sizeOf(part)) ?? 0;
  if (expectedSize !== undefined && got < expectedSize) {
    throw new Retryable(`the connection closed after ${got} of ${expectedSize} bytes`);
  }
  const sha = createHash('sha256');
  const git = f.blobId ? gitBlobHash(got) : undefined;
  await hashFile(part, git ? [sha, git] : [sha]);
  const sha256 = sha.digest('hex');
  const problems: string[] = [];
  if (expectedSize !== undefined && got !== expectedSize)
    problems.push(`${got} bytes instead of ${expectedSize}`);
  if (expectedSha && sha256 !== expectedSha) problems.push(`sha256 ${sha256} instead of ${expectedSha}`);
  if (git && f.blobId && git.digest('hex') !== f.blobId)
    problems.push(`git blob id differs from ${f.blobId}`);
  if (problems.length > 0) {
    await rm(part, { force: true });
    await rm(partInfo, { force: true });
    await removeEmptyParents(dirname(part), o.to);
    throw new MmnerError('E_DOWNLOAD_CORRUPT', `the downloaded data is damaged: ${problems.join('; ')}`, {
      file: join(o.to, f.path),
      hint: 'The damaged data was deleted. Run the same command again to fetch it afresh; if it fails again, a proxy or mirror (--endpoint) is altering the file',
    });
  }
  const dest = join(o.to, f.path);
  await mkdir(dirname(dest), { recursive: true });
  const handle = await open(part, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(part, dest);
  await syncDir(dirname(dest));
  await rm(partInfo, { force: true });
  await removeEmptyParents(dirname(part), join(o.to, INCOMPLETE));
  emit({ type: 'fileDone', path: f.path, size: got, ...(expectedSha ? { sha256 } : {}) });
  return got;
}

/** Streams the body onto the end of the part file, reporting progress. */
async function receive(
  res: Response,
  f: HubFile,
  part: string,
  from: number,
  size: number | undefined,
  meter: Meter,
  emit: (e: DownloadEvent) => void,
  now: () => number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let bytes = from;
  let lastEmit = 0;
  let lastBytes = -1;
  const startDone = meter.done;
  const progress = (force: boolean) => {
    const t = now();
    if ((!force && t - lastEmit < 100) || bytes === lastBytes) return;
    lastEmit = t;
    lastBytes = bytes;
    const secs = Math.max(1e-3, (t - meter.firstByteAt) / 1000);
    const rate = meter.timed / secs;
    const done = startDone + bytes;
    emit({
      type: 'progress',
      path: f.path,
      bytes,
      ...(size !== undefined ? { size } : {}),
      done,
      total: meter.total,
      bytesPerSec: rate,
      etaSec: rate > 0 ? Math.max(0, meter.total - done) / rate : Number.POSITIVE_INFINITY,
    });
  };
  // The body is taken as it arrives into our own queue: when the connection breaks, Node drops
  // what a paused response still buffers, and those bytes would be missing from the resume.
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: NodeJS.ErrnoException | undefined;
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
  const body = res.body;
  body.on('data', (b: Buffer) => {
    queue.push(b);
    queued += b.length;
    if (queued > 8 << 20) body.pause();
    poke();
  });
  body.on('end', () => {
    ended = true;
    poke();
  });
  body.on('error', (e) => {
    failure = e;
    poke();
  });
  body.on('close', () => {
    if (!body.complete && !failure)
      failure = Object.assign(new Error('connection closed early'), { code: 'ECONNRESET' });
    ended = true;
    poke();
  });
  const out = await open(part, from > 0 ? 'a' : 'w');
  let writeError: unknown;
  try {
    for (;;) {
      const b = queue.shift();
      if (b === undefined) {
        if (ended || failure) break;
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = undefined;
        continue;
      }
      queued -= b.length;
      if (queued < 1 << 20 && body.isPaused()) body.resume();
      // The rate counts from the first chunk on, without it (its wait is latency, not bandwidth).
      if (meter.firstByteAt === 0) meter.firstByteAt = now();
      else meter.timed += b.length;
      try {
        await out.write(b);
      } catch (e) {
        writeError = e;
        body.destroy();
        break;
      }
      bytes += b.length;
      meter.transferred += b.length;
      progress(false);
    }
  } finally {
    await out.close();
  }
  if (writeError) {
    throw new MmnerError('E_WRITE', `cannot write ${part}: ${(writeError as Error).message}`, {
      file: part,
      hint: 'Check free disk space and permissions of --to',
    });
  }
  if (signal?.aborted) throw new NetworkError('aborted', 'ABORT_ERR', res.url, 'interrupted');
  if (failure) {
    const code = failure.code ?? 'ECONNRESET';
    throw new NetworkError('interrupted', code, res.url, `${failure.message} (${code})`);
  }
  progress(true);
}

/** Removes now-empty folders from `dir` up to (not including) `stop`. */
async function removeEmptyParents(dir: string, stop: string): Promise<void> {
  for (let d = dir; d.startsWith(`${stop}${sep}`); d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return;
    }
  }
}
