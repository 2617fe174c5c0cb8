/**
 * Writes `eval/<split>.inspect.bin` batch by batch, so evaluation holds one batch of inspection
 * vectors instead of the split's (they grow with every sentence and token: at the paper's 768
 * dimensions, tens of kilobytes a sentence). Each block goes to its own hidden temp file as
 * batches arrive; `commit` writes the header, appends the blocks in file order and renames the
 * result over the target. The bytes are those `encodeInspect` gives for the whole split.
 * Temp files carry the atomic writer's suffix, so `removeStaleTemps` clears a killed writer's.
 */
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDir, TEMP_SUFFIX } from './atomicWrite.node.js';
import { blocksOf, checkInspect, type InspectData, inspectPrefix } from './inspect.js';

let spillCounter = 0;

/** Bytes copied at a time when the blocks are joined. */
const COPY_CHUNK = 1 << 20;

export class InspectSpill {
  private readonly ids: string[] = [];
  private readonly offsets: number[] = [0];
  private dim = 0;
  private readonly blocks = new Map<string, { path: string; handle: FileHandle; length: number }>();
  private readonly order: string[];
  private readonly tag = `${process.pid}-${spillCounter++}`;
  private closed = false;

  /**
   * @param path the file to write, e.g. `runs/a/eval/test.inspect.bin`
   * @param meta the split's name, branches and their region grids (known before any batch)
   */
  constructor(
    readonly path: string,
    private readonly meta: Pick<InspectData, 'split' | 'branches' | 'regionGrid'>,
  ) {
    this.order = [
      'sentence',
      'tokens',
      ...['image', 'regions', 'attention', 'gate'].flatMap((k) => meta.branches.map((b) => `${k}.${b}`)),
    ];
  }

  private temp(name: string): string {
    return join(dirname(this.path), `.${basename(this.path)}.${name}.${this.tag}${TEMP_SUFFIX}`);
  }

  /** Appends one batch: its ids, token offsets from 0, and blocks for its sentences only. */
  async add(part: InspectData): Promise<void> {
    checkInspect(part);
    if (this.ids.length > 0 && part.dim !== this.dim)
      throw new Error(`InspectSpill: dim ${part.dim} after ${this.dim}`);
    this.dim = part.dim;
    const base = this.offsets[this.offsets.length - 1]!;
    for (const [i, id] of part.ids.entries()) {
      this.ids.push(id);
      this.offsets.push(base + part.tokenOffsets[i + 1]!);
    }
    for (const [name, values] of blocksOf(part)) {
      let block = this.blocks.get(name);
      if (!block) {
        const path = this.temp(name);
        block = { path, handle: await open(path, 'wx+'), length: 0 };
        this.blocks.set(name, block);
      }
      if (values.length === 0) continue;
      await block.handle.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      block.length += values.length;
    }
  }

  /** Writes the file (header, then every block) and renames it over `path`. */
  async commit(): Promise<void> {
    const prefix = inspectPrefix(
      { ...this.meta, dim: this.dim, ids: this.ids, tokenOffsets: Int32Array.from(this.offsets) },
      this.order.map((name) => [name, this.blocks.get(name)?.length ?? 0] as const),
    );
    const out = this.temp('all');
    try {
      const handle = await open(out, 'wx');
      try {
        await handle.write(prefix);
        const chunk = new Uint8Array(COPY_CHUNK);
        for (const name of this.order) {
          const block = this.blocks.get(name);
          if (!block) continue;
          for (let at = 0; at < block.length * 4; ) {
            const { bytesRead } = await block.handle.read(chunk, 0, COPY_CHUNK, at);
            if (bytesRead === 0) throw new Error(`InspectSpill: ${block.path} ended early`);
            await handle.write(chunk.subarray(0, bytesRead));
            at += bytesRead;
          }
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(out, this.path);
    } catch (e) {
      await rm(out, { force: true });
      throw e;
    } finally {
      await this.abort();
    }
    await syncDir(dirname(this.path));
  }

  /** Removes the temp files (after `commit`, or instead of it when scoring failed). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const block of this.blocks.values()) {
      await block.handle.close().catch(() => {});
      await rm(block.path, { force: true });
    }
  }
}
