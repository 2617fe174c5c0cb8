/**
 * A small least-recently-used cache with a byte budget, for decoded images: the trainer reads
 * the same files every epoch, and decoding + resizing costs far more than normalising. Entries
 * are 8-bit RGB (a quarter of float32), normalised on the way out. Browser-safe.
 */

export interface ImageCacheOptions {
  /** Budget in bytes (default 256 MiB ≈ 21,000 images at 64×64, 1,700 at 224×224). */
  maxBytes?: number;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
}

/** Decoded 8-bit RGB images by key; evicts the least recently used past `maxBytes`. */
export class ImageCache {
  readonly maxBytes: number;
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the LRU one.
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(options: ImageCacheOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    if (!(this.maxBytes >= 0)) throw new Error(`ImageCache: maxBytes must be ≥ 0, got ${this.maxBytes}`);
  }

  get(key: string): Uint8Array | undefined {
    const v = this.entries.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, v);
    return v;
  }

  /** Stores `value` (not copied: callers must not change it); too large for the budget → not stored. */
  set(key: string, value: Uint8Array): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.bytes -= old.byteLength;
      this.entries.delete(key);
    }
    if (value.byteLength > this.maxBytes) return;
    this.entries.set(key, value);
    this.bytes += value.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.byteLength;
    }
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  stats(): CacheStats {
    return {
      entries: this.entries.size,
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      hits: this.hits,
      misses: this.misses,
    };
  }
}
