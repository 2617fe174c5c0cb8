/**
 * Safetensors files on disk: `openSafetensors` reads the 8-byte length and the header only, then
 * `readTensor` reads one tensor's byte range with positioned reads (a 700 MB model is never one
 * Buffer). `openCheckpoint` also takes a model folder or a sharded `*.safetensors.index.json`.
 */
import { type FileHandle, open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { MmnerError } from '../../core/errors.js';
import {
  checkReadable,
  decodeTensor,
  noTensor,
  parseHeader,
  REEXPORT_HINT,
  readHeaderLength,
  type SafetensorsHeader,
  type Tensor,
  type TensorInfo,
  type WeightSource,
  WeightsCode,
} from './safetensors.js';

/** One open safetensors file. Close it (or `await using`) when done. */
export interface SafetensorsFile extends WeightSource, AsyncDisposable {
  readonly header: SafetensorsHeader;
  readonly metadata: Record<string, string>;
  /** Bytes read from the file so far (header included). */
  readonly bytesRead: number;
  close(): Promise<void>;
}

/** A checkpoint: one file or the shards of an index; names are unique across shards. */
export interface Checkpoint extends WeightSource, AsyncDisposable {
  /** The safetensors files it reads. */
  readonly files: string[];
  readonly metadata: Record<string, string>;
  close(): Promise<void>;
}

/** Largest single positioned read (Node caps one read near 2 GiB). */
const READ_CHUNK = 1 << 30;

function fsError(e: unknown, path: string): MmnerError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new MmnerError(WeightsCode.fileNotFound, `no such file: ${path}`, {
      hint: 'check the path to the model folder or its model.safetensors',
      cause: e,
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new MmnerError(WeightsCode.fileUnreadable, `no permission to read ${path}`, {
      hint: 'check the file permissions',
      cause: e,
    });
  }
  return new MmnerError(WeightsCode.fileUnreadable, `cannot read ${path}: ${(e as Error).message}`, {
    hint: 'check the path and the disk',
    cause: e,
  });
}

/** Fills `buf` from `position`; a short file (changed since the header was read) is an error. */
async function readFully(fh: FileHandle, buf: Uint8Array, position: number, file: string): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const length = Math.min(READ_CHUNK, buf.length - done);
    const { bytesRead } = await fh.read(buf, done, length, position + done);
    if (bytesRead === 0) {
      throw new MmnerError(
        WeightsCode.truncated,
        `the file ended at byte ${position + done} while reading bytes ${position}–${position + buf.length}`,
        { file, hint: `was the file changed while mmner read it? ${REEXPORT_HINT}` },
      );
    }
    done += bytesRead;
  }
}

/** Opens a safetensors file, reading and validating only its header. */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) {
      throw new MmnerError(WeightsCode.fileUnreadable, `${path} is a folder, not a safetensors file`, {
        hint: 'use openCheckpoint(folder) for a model folder, or name its model.safetensors',
      });
    }
    size = s.size;
  } catch (e) {
    throw e instanceof MmnerError ? e : fsError(e, path);
  }
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw fsError(e, path);
  }
  let bytesRead = 0;
  let header: SafetensorsHeader;
  try {
    const first = new Uint8Array(Math.min(8, size));
    await readFully(fh, first, 0, path);
    const n = readHeaderLength(first, size, path);
    const json = new Uint8Array(n);
    await readFully(fh, json, 8, path);
    bytesRead = 8 + n;
    header = parseHeader(json, n, size, path);
  } catch (e) {
    await fh.close();
    throw e;
  }
  let closed = false;
  const file: SafetensorsFile = {
    path,
    header,
    metadata: header.metadata,
    get bytesRead() {
      return bytesRead;
    },
    names: () => [...header.tensors.keys()],
    info: (name) => header.tensors.get(name),
    fileOf: (name) => (header.tensors.has(name) ? path : undefined),
    async readTensor(name: string): Promise<Tensor> {
      const info = header.tensors.get(name);
      if (!info) throw noTensor(name, path);
      if (closed) throw new Error(`readTensor("${name}"): ${path} is closed`);
      checkReadable(info, path);
      // a fresh buffer per tensor: aligned, and F32/I32 become the result without a copy
      const bytes = new Uint8Array(info.end - info.begin);
      await readFully(fh, bytes, header.dataStart + info.begin, path);
      bytesRead += bytes.length;
      return decodeTensor(info, bytes, path);
    },
    async close() {
      if (closed) return;
      closed = true;
      await fh.close();
    },
    [Symbol.asyncDispose]() {
      return file.close();
    },
  };
  return file;
}

interface IndexFile {
  metadata: Record<string, string>;
  weightMap: Map<string, string>;
}

async function readIndex(path: string): Promise<IndexFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw fsError(e, path);
  }
  const bad = (detail: string) =>
    new MmnerError(WeightsCode.index, detail, {
      file: path,
      hint: `a sharded checkpoint index is {"metadata": {...}, "weight_map": {"<tensor>": "<shard>.safetensors"}}; ${REEXPORT_HINT}`,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw bad(`the index is not valid JSON (${(e as Error).message})`);
  }
  const wm = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm))
    throw bad('the index has no "weight_map" object');
  const weightMap = new Map<string, string>();
  for (const [name, shard] of Object.entries(wm as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '')
      throw bad(`weight_map["${name}"] is not a shard file name`);
    weightMap.set(name, shard);
  }
  const meta = (parsed as { metadata?: unknown }).metadata;
  const metadata: Record<string, string> = {};
  if (typeof meta === 'object' && meta !== null) {
    for (const [k, v] of Object.entries(meta)) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return { metadata, weightMap };
}

function list(items: readonly string[], max = 10): string {
  const shown = items.slice(0, max).map((s) => `"${s}"`);
  return items.length > max ? `${shown.join(', ')} and ${items.length - max} more` : shown.join(', ');
}

/** Opens the shards named by a `*.safetensors.index.json` (every shard's header is validated). */
async function openSharded(indexPath: string): Promise<Checkpoint> {
  const index = await readIndex(indexPath);
  const dir = dirname(indexPath);
  const shardNames = [...new Set(index.weightMap.values())];
  const shards = new Map<string, SafetensorsFile>();
  const closeAll = async () => {
    for (const s of shards.values()) await s.close();
  };
  try {
    const absent: string[] = [];
    for (const shard of shardNames) {
      try {
        await stat(join(dir, shard));
      } catch {
        absent.push(shard);
      }
    }
    if (absent.length > 0) {
      throw new MmnerError(
        WeightsCode.fileNotFound,
        `${absent.length} of ${shardNames.length} shard files named in the index are missing: ${list(absent)}`,
        { file: indexPath, hint: 'download every shard listed in the weight_map next to the index' },
      );
    }
    for (const shard of shardNames) shards.set(shard, await openSafetensors(join(dir, shard)));
    const notInShard = [...index.weightMap].filter(([name, shard]) => !shards.get(shard)!.info(name));
    if (notInShard.length > 0) {
      throw new MmnerError(
        WeightsCode.index,
        `${notInShard.length} tensors of the weight_map are not in the shard it names: ${list(notInShard.map(([n, s]) => `${n}" → "${s}`))}`,
        { file: indexPath, hint: `the index and its shards come from different exports; ${REEXPORT_HINT}` },
      );
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  const shardOf = (name: string) => {
    const s = index.weightMap.get(name);
    return s === undefined ? undefined : shards.get(s);
  };
  const cp: Checkpoint = {
    path: indexPath,
    files: shardNames.map((s) => join(dir, s)),
    metadata: index.metadata,
    names: () => [...index.weightMap.keys()],
    info: (name): TensorInfo | undefined => shardOf(name)?.info(name),
    fileOf: (name) => shardOf(name)?.path,
    readTensor: (name) => {
      const s = shardOf(name);
      if (!s) return Promise.reject(noTensor(name, indexPath));
      return s.readTensor(name);
    },
    close: closeAll,
    [Symbol.asyncDispose]: closeAll,
  };
  return cp;
}

function single(file: SafetensorsFile): Checkpoint {
  return {
    path: file.path,
    files: [file.path],
    metadata: file.metadata,
    names: file.names,
    info: file.info,
    fileOf: file.fileOf,
    readTensor: file.readTensor,
    close: file.close,
    [Symbol.asyncDispose]: () => file.close(),
  };
}

/**
 * Opens a checkpoint: a `.safetensors` file, a `*.safetensors.index.json` (sharded), or a model
 * folder holding `model.safetensors` or `model.safetensors.index.json`.
 */
export async function openCheckpoint(path: string): Promise<Checkpoint> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw fsError(e, path);
  }
  if (!isDir) {
    return path.endsWith('.index.json') ? openSharded(path) : single(await openSafetensors(path));
  }
  const entries = await readdir(path);
  const has = (n: string) => entries.includes(n);
  if (has('model.safetensors')) return single(await openSafetensors(join(path, 'model.safetensors')));
  if (has('model.safetensors.index.json')) return openSharded(join(path, 'model.safetensors.index.json'));
  const indexes = entries.filter((e) => e.endsWith('.safetensors.index.json'));
  if (indexes.length === 1) return openSharded(join(path, indexes[0]!));
  const files = entries.filter((e) => e.endsWith('.safetensors'));
  if (indexes.length === 0 && files.length === 1) return single(await openSafetensors(join(path, files[0]!)));
  const torch = entries.filter((e) => /\.(bin|pt|pth|ckpt|h5|msgpack)$/.test(e));
  throw new MmnerError(
    WeightsCode.noCheckpoint,
    files.length + indexes.length > 1
      ? `the folder holds several safetensors checkpoints (${list([...indexes, ...files])}) and no model.safetensors`
      : `no model.safetensors or model.safetensors.index.json in ${basename(resolve(path))}/` +
          (torch.length > 0 ? ` (found ${list(torch)}, which mmner does not read)` : ''),
    {
      file: path,
      hint:
        torch.length > 0
          ? 'convert it: `AutoModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)`'
          : 'name the .safetensors file to use, or download the model with its safetensors weights',
    },
  );
}
