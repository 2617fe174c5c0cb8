/**
 * What the speed benchmarks that race PyTorch share (train-speed.bench.ts, bert-speed.bench.ts):
 * running a bench/torch/*.py script as a child process (Debian's python3-torch, OpenBLAS when
 * installed, one JSON line back), the wasm backend's threads and heap, and small statistics.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TransitionRules } from '../src/model/crf/tags.js';

export const PYTHON = process.env.MMNER_PYTHON ?? '/usr/bin/python3';
/** Debian's torch links libblas.so.3; this folder's copy is OpenBLAS (apt: libopenblas0-openmp). */
export const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/** With `--out FILE` on the command line: writes `result` there as JSON with the date (temp + rename). */
export function writeOutFlag(result: object): void {
  const at = process.argv.indexOf('--out');
  if (at < 0 || !process.argv[at + 1]) return;
  const out = resolve(process.argv[at + 1]!);
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
  renameSync(tmp, out);
  console.log(`wrote ${out}`);
}

/** A positive integer from the environment, else `fallback`. */
export function envInt(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** XNNPACK threads of the initialised wasm backend (1 when unknown). */
export function wasmThreads(): number {
  const be = tf.findBackend('wasm') as unknown as {
    wasm?: { tfjs?: { getThreadsCount?: () => number } };
  } | null;
  return be?.wasm?.tfjs?.getThreadsCount?.() ?? 1;
}

/** Heap bytes of the wasm module (it never shrinks, so this is the peak), or undefined. */
export function wasmHeapBytes(): number | undefined {
  const be = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return be.wasm?.HEAPU8?.buffer.byteLength;
}

/** Peak resident memory of this process so far, in MiB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Why PyTorch cannot run here, or undefined when it can. */
export function torchMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status !== 0) return `${PYTHON} has no torch (apt-get install python3-torch)`;
  return undefined;
}

/** Runs `bench/torch/<script>` with `args` (OpenBLAS when present) and parses its last stdout line. */
export function runTorchScript<T>(script: string, args: string[]): T {
  const env = { ...process.env };
  if (existsSync(OPENBLAS))
    env.LD_LIBRARY_PATH = [OPENBLAS, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const path = resolve(import.meta.dirname, 'torch', script);
  const r = spawnSync(PYTHON, [path, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/torch/${script} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

/** The CRF's allowed transitions as the torch scripts read them (`crf` in the batch JSON). */
export function crfRulesJson(rules: TransitionRules) {
  return {
    numTags: rules.numTags,
    transitions: [...rules.transitions],
    start: [...rules.start],
    end: [...rules.end],
  };
}
