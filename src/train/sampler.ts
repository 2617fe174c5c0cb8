/**
 * The seeded, resumable batch order. Each epoch's batches are a pure function of (seed, epoch):
 * per-language queues shuffled, batches filled round-robin over the languages that still have
 * examples (so a batch mixes languages as evenly as the data allows), then the batch order shuffled.
 * The state `{seed, epoch, position}` is all a checkpoint needs to continue with the remaining batches.
 */
import { MmnerError } from '../core/errors.js';
import { Rng } from '../core/random.js';

export interface SamplerState {
  seed: string;
  /** The epoch of the next batch (0-based). */
  epoch: number;
  /** Index of the next batch within its epoch. */
  position: number;
}

export interface SamplerOptions {
  batchSize: number;
  seed: string | number;
  /** Drop an epoch's last, smaller batch (default false). */
  dropLast?: boolean;
}

export interface SampledBatch {
  /** Example indices into the dataset. */
  indices: number[];
  epoch: number;
  /** Index of this batch within its epoch. */
  position: number;
  /** This is the epoch's last batch. */
  epochEnd: boolean;
}

/**
 * Language-balanced batches over examples whose languages are `langs[i]`.
 * @example new BatchSampler(['en','en','fr','fr'], { batchSize: 2, seed: 1 }).next().indices // → one en, one fr
 */
export class BatchSampler {
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  readonly seed: string;
  private readonly byLang: number[][];
  private readonly dropLast: boolean;
  private epoch = 0;
  private position = 0;
  private cache?: { epoch: number; batches: number[][] };

  constructor(langs: readonly string[], options: SamplerOptions) {
    if (!(Number.isInteger(options.batchSize) && options.batchSize > 0)) {
      throw new MmnerError(
        'E_CONFIG_BATCH',
        `batchSize must be a positive integer, got ${options.batchSize}`,
      );
    }
    if (langs.length === 0) throw new MmnerError('E_EMPTY_TRAIN', 'the training set has no examples');
    this.batchSize = options.batchSize;
    this.seed = String(options.seed);
    this.dropLast = options.dropLast ?? false;
    const groups = new Map<string, number[]>();
    langs.forEach((lang, i) => {
      const list = groups.get(lang);
      if (list) list.push(i);
      else groups.set(lang, [i]);
    });
    // Sorted by language code: the order must not depend on which language came first in the file.
    this.byLang = [...groups.keys()].sort().map((k) => groups.get(k)!);
    const full = Math.floor(langs.length / this.batchSize);
    this.batchesPerEpoch = this.dropLast || langs.length % this.batchSize === 0 ? full : full + 1;
    if (this.batchesPerEpoch === 0) {
      throw new MmnerError(
        'E_CONFIG_BATCH',
        `${langs.length} examples make no full batch of ${this.batchSize} with dropLast`,
        { hint: 'lower the batch size or turn dropLast off' },
      );
    }
  }

  /** The batches of `epoch`, in order. */
  epochBatches(epoch: number): number[][] {
    if (this.cache?.epoch === epoch) return this.cache.batches;
    const rng = new Rng(this.seed).derive('batches', epoch);
    const queues = this.byLang.map((list, l) => rng.derive('lang', l).shuffle(list));
    const heads = queues.map(() => 0);
    const flat: number[] = [];
    let turn = 0;
    const total = queues.reduce((a, q) => a + q.length, 0);
    while (flat.length < total) {
      // Next language in rotation that still has examples.
      for (let k = 0; k < queues.length; k++) {
        const l = (turn + k) % queues.length;
        const q = queues[l]!;
        if (heads[l]! < q.length) {
          flat.push(q[heads[l]!++]!);
          turn = l + 1;
          break;
        }
      }
    }
    let batches: number[][] = [];
    for (let i = 0; i < flat.length; i += this.batchSize) batches.push(flat.slice(i, i + this.batchSize));
    batches = batches.slice(0, this.batchesPerEpoch);
    // Late batches hold only the largest languages: spread them over the epoch.
    batches = rng.derive('order').shuffle(batches);
    this.cache = { epoch, batches };
    return batches;
  }

  /** The next batch; crosses into the next epoch after the last one. */
  next(): SampledBatch {
    const batches = this.epochBatches(this.epoch);
    const batch: SampledBatch = {
      indices: batches[this.position]!,
      epoch: this.epoch,
      position: this.position,
      epochEnd: this.position === this.batchesPerEpoch - 1,
    };
    this.position++;
    if (this.position >= this.batchesPerEpoch) {
      this.epoch++;
      this.position = 0;
    }
    return batch;
  }

  state(): SamplerState {
    return { seed: this.seed, epoch: this.epoch, position: this.position };
  }

  /** Continues from a saved state; the seed must match (a different seed is a different run). */
  restore(state: SamplerState): void {
    if (state.seed !== this.seed) {
      throw new MmnerError(
        'E_CHECKPOINT_SAMPLER',
        `the checkpoint's data order has seed "${state.seed}", this run "${this.seed}"`,
        { hint: 'resume with the seed the run started with (see its config.json)' },
      );
    }
    if (!(Number.isInteger(state.epoch) && state.epoch >= 0 && Number.isInteger(state.position))) {
      throw new MmnerError('E_CHECKPOINT_SAMPLER', `bad sampler state ${JSON.stringify(state)}`);
    }
    if (state.position < 0 || state.position >= this.batchesPerEpoch) {
      throw new MmnerError(
        'E_CHECKPOINT_SAMPLER',
        `the checkpoint is at batch ${state.position} of an epoch, but this data has ${this.batchesPerEpoch} batches per epoch`,
        { hint: 'resume with the same training data and batch size' },
      );
    }
    this.epoch = state.epoch;
    this.position = state.position;
  }
}
