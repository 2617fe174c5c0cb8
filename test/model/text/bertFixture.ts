/**
 * The tiny Hugging Face BERT fixture (scripts/fixtures/make_hf_bert.py) for the BERT tests: its
 * path, the Python reference, batches from word lists, and copies of the folder whose weights
 * are rewritten (renamed, dropped, reshaped, stored as f16/bf16, sharded) in a temp folder.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TextBatch } from '../../../src/model/parts.js';
import { openCheckpoint } from '../../../src/model/weights/safetensors.node.js';
import { encodeSafetensors, type TensorToWrite } from '../../../src/model/weights/write.js';

export const FIXTURE = join(import.meta.dirname, '../../fixtures/hf/bert-tiny');

export interface ReferenceCase {
  words: string[];
  ids: number[];
  /** Index into `ids` ([CLS] = 0) of each word's first subword. */
  first_subword: number[];
  tokens: string[];
  layer1_hidden_state: number[][];
  last_hidden_state: number[][];
}

export async function readReference(): Promise<ReferenceCase[]> {
  return (JSON.parse(await readFile(join(FIXTURE, 'reference.json'), 'utf8')) as { cases: ReferenceCase[] })
    .cases;
}

export function batchOf(sentences: string[][]): TextBatch {
  return {
    tokens: sentences,
    lengths: sentences.map((s) => s.length),
    maxLen: Math.max(...sentences.map((s) => s.length)),
  };
}

/** The fixture's tensors as written, in file order: F32 weights and the I64 `position_ids`. */
export async function fixtureTensors(): Promise<TensorToWrite[]> {
  const cp = await openCheckpoint(join(FIXTURE, 'model.safetensors'));
  try {
    const out: TensorToWrite[] = [];
    for (const name of cp.names()) {
      const info = cp.info(name)!;
      const t = await cp.readTensor(name);
      out.push(
        info.dtype === 'I64'
          ? { name, dtype: 'I64', shape: t.shape, data: BigInt64Array.from(t.data, (v) => BigInt(v)) }
          : { name, dtype: 'F32', shape: t.shape, data: t.data as Float32Array },
      );
    }
    return out;
  } finally {
    await cp.close();
  }
}

const TEXT_FILES = ['config.json', 'vocab.txt', 'tokenizer.json', 'tokenizer_config.json'];

/**
 * A temp copy of the fixture folder with `tensors` as its weights: one model.safetensors, or
 * `shards` files with a model.safetensors.index.json. `without` leaves text files out.
 */
export async function fixtureCopy(
  tensors: readonly TensorToWrite[],
  options: { shards?: number; without?: string[] } = {},
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mmner-bert-'));
  for (const f of TEXT_FILES) {
    if (!options.without?.includes(f)) await copyFile(join(FIXTURE, f), join(dir, f));
  }
  const shards = options.shards ?? 1;
  if (shards === 1) {
    await writeFile(join(dir, 'model.safetensors'), encodeSafetensors(tensors));
  } else {
    const weightMap: Record<string, string> = {};
    const per = Math.ceil(tensors.length / shards);
    for (let s = 0; s < shards; s++) {
      const file = `model-0000${s + 1}-of-0000${shards}.safetensors`;
      const part = tensors.slice(s * per, (s + 1) * per);
      for (const t of part) weightMap[t.name] = file;
      await writeFile(join(dir, file), encodeSafetensors(part));
    }
    await writeFile(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: {}, weight_map: weightMap }),
    );
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Largest |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
