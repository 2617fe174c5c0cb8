/**
 * An on-disk cache of frozen image features, so a frozen encoder (the ResNet branch, an ONNX
 * export) runs once per image and not once per epoch or per evaluation. An entry is keyed by
 * (SHA-256 of the image file's bytes, encoder id, preprocessing key): a namespace folder per
 * (encoder, preprocessing), and in it one binary file per image content. Changing any of the
 * three makes a different key, so stale features are never read.
 *
 *   <dir>/<namespace>/index.json          what the namespace is (encoder, preprocessing, shape)
 *                                         and a summary of its entries (hash → source file)
 *   <dir>/<namespace>/<h0h1>/<hash>.f32   16-byte header ("MMFC", version, length) + float32 LE
 *
 * Crash and concurrency safety: every file is written to a temp file and renamed into place,
 * so a reader sees a whole entry or none; two processes computing the same entry write the same
 * bytes and the last rename wins. The feature files are the truth; index.json is a summary merged
 * under a lock file (a lock whose process is gone is taken over) and rebuilt by `reindex()`.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { MmnerError } from '../errors.js';
import { TEMP_SUFFIX, writeFileAtomic } from '../run/atomicWrite.node.js';

const MAGIC = 0x4346_4d4d; // "MMFC" little-endian
const VERSION = 1;
const HEADER = 16;
const CODE = 'E_FEATURE_CACHE';
const LITTLE_ENDIAN = endianness() === 'LE';

export interface FeatureCacheKey {
  /** Identifies the encoder's weights and output (e.g. a hash of the ONNX file + output name). */
  encoder: string;
  /** Identifies the preprocessing (e.g. processorKey of the HF processor). */
  preprocessing: string;
  /** Shape of one image's features, e.g. [2048] or [50, 768]. */
  shape: readonly number[];
}

export interface FeatureCacheStats {
  hits: number;
  misses: number;
  writes: number;
  /** Entries found damaged (wrong magic or length) and treated as misses. */
  damaged: number;
}

interface IndexFile {
  version: number;
  encoder: string;
  preprocessing: string;
  shape: number[];
  entries: Record<string, { source?: string }>;
}

/** SHA-256 (hex) of a file's bytes: the content half of a cache key. */
export async function hashFile(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The namespace folder name of an (encoder, preprocessing, shape). */
export function namespaceOf(key: FeatureCacheKey): string {
  return createHash('sha256')
    .update(JSON.stringify([VERSION, key.encoder, key.preprocessing, [...key.shape]]))
    .digest('hex')
    .slice(0, 24);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Fault injection for the crash test (`MMNER_FAULT_FEATURE_CACHE=kill:N`): the N-th entry this
 * process writes gets a half-written temp file, then the process dies by SIGKILL before the rename.
 */
let faultCount = 0;
async function injectedFault(tempPath: string): Promise<void> {
  const m = /^kill:(\d+)$/.exec(process.env.MMNER_FAULT_FEATURE_CACHE ?? '');
  if (!m || ++faultCount !== Number(m[1])) return;
  const h = await open(tempPath, 'r+');
  await h.truncate(HEADER + 8);
  await h.close();
  process.kill(process.pid, 'SIGKILL');
}

export class FeatureCache {
  readonly dir: string;
  readonly key: FeatureCacheKey;
  /** Floats in one entry. */
  readonly length: number;
  private readonly pending = new Map<string, { source?: string }>();
  private readonly counts: FeatureCacheStats = { hits: 0, misses: 0, writes: 0, damaged: 0 };

  private constructor(dir: string, key: FeatureCacheKey) {
    this.dir = dir;
    this.key = key;
    this.length = key.shape.reduce((a, b) => a * b, 1);
  }

  /** Opens (creating) the namespace of `key` under `root`, and clears temp files of dead writers. */
  static async open(root: string, key: FeatureCacheKey): Promise<FeatureCache> {
    if (!key.shape.length || key.shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new MmnerError(CODE, `feature shape must be positive integers, got [${key.shape.join(', ')}]`);
    }
    const dir = join(root, namespaceOf(key));
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw new MmnerError(
        CODE,
        `cannot create the feature cache folder (${(e as NodeJS.ErrnoException).code})`,
        {
          file: dir,
          hint: 'choose a writable --feature-cache folder',
          cause: e,
        },
      );
    }
    const cache = new FeatureCache(dir, key);
    await cache.removeDeadTemps();
    await cache.flush();
    return cache;
  }

  private entryPath(hash: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(hash)) throw new Error(`FeatureCache: bad content hash ${hash}`);
    return join(this.dir, hash.slice(0, 2), `${hash}.f32`);
  }

  /** The features of content `hash`, or undefined (a miss; also for a damaged entry). */
  async get(hash: string): Promise<Float32Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.entryPath(hash));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.counts.misses++;
      return undefined;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (
      bytes.byteLength !== HEADER + 4 * this.length ||
      view.getUint32(0, true) !== MAGIC ||
      view.getUint32(4, true) !== VERSION ||
      view.getUint32(8, true) !== this.length
    ) {
      this.counts.damaged++;
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    if (LITTLE_ENDIAN) {
      const start = bytes.byteOffset + HEADER;
      return new Float32Array(bytes.buffer.slice(start, start + 4 * this.length));
    }
    const out = new Float32Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = view.getFloat32(HEADER + 4 * i, true);
    return out;
  }

  /** Stores the features of content `hash` (atomically; `source` is recorded in the index). */
  async put(hash: string, features: Float32Array, source?: string): Promise<void> {
    if (features.length !== this.length) {
      throw new Error(`FeatureCache.put: ${features.length} floats, the namespace holds ${this.length}`);
    }
    const path = this.entryPath(hash);
    const bytes = new Uint8Array(HEADER + 4 * this.length);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, VERSION, true);
    view.setUint32(8, this.length, true);
    for (let i = 0; i < this.length; i++) view.setFloat32(HEADER + 4 * i, features[i]!, true);
    await mkdir(join(this.dir, hash.slice(0, 2)), { recursive: true });
    // Not fsync'd: a lost entry after a power cut is recomputed; atomicity holds regardless.
    await writeFileAtomic(path, bytes, { durable: false, beforeRename: injectedFault });
    this.counts.writes++;
    this.pending.set(hash, source === undefined ? {} : { source });
  }

  /**
   * Features of every file in `paths`, in order: hits read from disk, misses computed in one call
   * of `compute` (given the missing paths, returning one array per path) and stored.
   */
  async getOrCompute(
    paths: readonly string[],
    compute: (missing: string[]) => Promise<Float32Array[]>,
  ): Promise<Float32Array[]> {
    const hashes = await Promise.all(paths.map(hashFile));
    const out: (Float32Array | undefined)[] = await Promise.all(hashes.map((h) => this.get(h)));
    const missing = out.flatMap((v, i) => (v === undefined ? [i] : []));
    if (missing.length) {
      const computed = await compute(missing.map((i) => paths[i]!));
      if (computed.length !== missing.length)
        throw new Error('FeatureCache.getOrCompute: compute returned a wrong count');
      for (let k = 0; k < missing.length; k++) {
        const i = missing[k]!;
        out[i] = computed[k]!;
        await this.put(hashes[i]!, computed[k]!, paths[i]);
      }
    }
    return out as Float32Array[];
  }

  stats(): FeatureCacheStats {
    return { ...this.counts };
  }

  /** Merges this process's new entries into index.json (under the lock). */
  async flush(): Promise<void> {
    await this.withLock(async () => {
      const index = await this.readIndex();
      for (const [h, e] of this.pending) index.entries[h] = e;
      await writeFileAtomic(join(this.dir, 'index.json'), `${JSON.stringify(index)}\n`, { durable: false });
    });
    this.pending.clear();
  }

  /** Rebuilds index.json from the feature files on disk (after a crash lost a flush). Returns the entry count. */
  async reindex(): Promise<number> {
    return this.withLock(async () => {
      const index = await this.readIndex();
      const found: IndexFile['entries'] = {};
      for (const hash of await this.listHashes()) found[hash] = index.entries[hash] ?? {};
      index.entries = found;
      await writeFileAtomic(join(this.dir, 'index.json'), `${JSON.stringify(index)}\n`, { durable: false });
      return Object.keys(found).length;
    });
  }

  /** Content hashes with a feature file in the namespace. */
  async listHashes(): Promise<string[]> {
    const out: string[] = [];
    for (const sub of await readdir(this.dir, { withFileTypes: true })) {
      if (!sub.isDirectory()) continue;
      for (const name of await readdir(join(this.dir, sub.name))) {
        if (name.endsWith('.f32') && !name.startsWith('.')) out.push(name.slice(0, -4));
      }
    }
    return out.sort();
  }

  private async readIndex(): Promise<IndexFile> {
    const path = join(this.dir, 'index.json');
    const fresh: IndexFile = {
      version: VERSION,
      encoder: this.key.encoder,
      preprocessing: this.key.preprocessing,
      shape: [...this.key.shape],
      entries: {},
    };
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fresh;
      throw e;
    }
    try {
      const index = JSON.parse(text) as IndexFile;
      if (index.encoder !== this.key.encoder || index.preprocessing !== this.key.preprocessing) {
        throw new Error('the index belongs to another encoder or preprocessing');
      }
      return { ...fresh, entries: index.entries ?? {} };
    } catch (e) {
      throw new MmnerError(CODE, `the feature cache index is damaged (${(e as Error).message})`, {
        file: path,
        hint: 'delete this namespace folder; its features are recomputed on the next run',
      });
    }
  }

  /** Runs `fn` holding `index.lock` (O_EXCL create); a lock left by a dead process is taken over. */
  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const lock = join(this.dir, 'index.lock');
    for (let attempt = 0; ; attempt++) {
      try {
        const h = await open(lock, 'wx');
        await h.writeFile(String(process.pid));
        await h.close();
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const owner = Number(await readFile(lock, 'utf8').catch(() => ''));
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        // An empty lock is one being written right now, unless it is old (its writer died there).
        if ((owner > 0 && !isAlive(owner)) || (!(owner > 0) && age > 10_000)) {
          await rm(lock, { force: true });
          continue;
        }
        if (attempt > 1200) {
          throw new MmnerError(
            CODE,
            `the feature cache is locked by process ${owner || '?'} for over a minute`,
            {
              file: lock,
              hint: 'if no other mmner process is running, delete the lock file',
            },
          );
        }
        await sleep(50);
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }

  /** Removes `.<name>.<pid>-<n>.mmner-tmp` files whose writer process is gone. */
  private async removeDeadTemps(): Promise<void> {
    const dirs = [this.dir];
    for (const e of await readdir(this.dir, { withFileTypes: true }))
      if (e.isDirectory()) dirs.push(join(this.dir, e.name));
    for (const d of dirs) {
      for (const name of await readdir(d)) {
        const m = /\.(\d+)-\d+\.mmner-tmp$/.exec(name);
        if (name.startsWith('.') && name.endsWith(TEMP_SUFFIX) && m && !isAlive(Number(m[1]))) {
          await rm(join(d, name), { force: true });
        }
      }
    }
  }
}
