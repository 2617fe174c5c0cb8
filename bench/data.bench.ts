/**
 * Reading + validating a real file: Twitter-2015 train (4,000 tweets, 64,439 tokens) through the
 * IMGID-CoNLL reader in collect mode (every problem listed), as `mmner data validate` does.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readData } from '../src/core/data/read.js';
import type { BenchRow } from './types.js';

const FILE = resolve(import.meta.dirname, '../../shared/data/twitter2015/train.txt');
const RUNS = 7;

export async function benchData(): Promise<BenchRow[]> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(FILE);
  } catch {
    console.log(`data bench: skipped (${FILE} not found: it lives in the project's shared data)`);
    return [];
  }
  const times: number[] = [];
  let tokens = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = readData(bytes, { file: FILE, mode: 'collect' });
    times.push(performance.now() - t0);
    tokens = r.stats.tokens;
  }
  const ms = times.sort((a, b) => a - b)[RUNS >> 1]!;
  return [
    {
      name: 'data: parse + validate Twitter-2015 train',
      value: Math.round(ms * 10) / 10,
      unit: 'ms',
      note: `${(bytes.length / 1e6).toFixed(2)} MB, ${tokens} tokens, median of ${RUNS}`,
    },
    {
      name: 'data: parse + validate throughput',
      value: Math.round(tokens / (ms / 1000)),
      unit: 'tokens/s',
    },
  ];
}
