/**
 * Memory of `mmner eval` as the split grows (issue 7, item 5): a tiny run trained on the small
 * sample is scored on its test split at 1× and at 10× (the split copied ten times with fresh ids
 * and fresh image files, so nothing is shared between copies), each in its own process; the rows
 * are each process's peak resident memory and their ratio. Pixels are decoded per batch, so the
 * ratio stays far below 10 (what grows is the per-sentence output: tokens, tags, vectors).
 *   node --import tsx bench/memory.bench.ts [--scale 10]
 */
import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './types.js';

export const CLI = resolve(import.meta.dirname, '../dist/cli.js');

interface Manifest {
  splits: Record<string, { lang: string; file: string; format: string }[]>;
  subsets?: Record<string, string>;
  images?: { dir: string; missing: string };
  [key: string]: unknown;
}

/**
 * Writes `out/` holding only `split` of the dataset in `from`, copied `times` times: copy k > 0
 * renames every IMGID to `<id>~k` and hard-links (or copies) its image under that name, and the
 * subsets list the renamed ids too. IMGID-CoNLL files only (what `mmner data sample` writes).
 */
export function scaleSplit(from: string, out: string, split: string, times: number): void {
  const manifest = JSON.parse(readFileSync(join(from, 'dataset.json'), 'utf8')) as Manifest;
  const imageDir = manifest.images?.dir ?? 'images';
  mkdirSync(join(out, imageDir), { recursive: true });
  const suffix = (k: number) => (k === 0 ? '' : `~${k}`);
  const entries = manifest.splits[split] ?? [];
  const inSplit = new Set<string>();
  for (const entry of entries) {
    const text = readFileSync(join(from, entry.file), 'utf8');
    for (const m of text.matchAll(/^IMGID:(.*)$/gm)) inSplit.add(m[1]!);
    const parts: string[] = [];
    for (let k = 0; k < times; k++) {
      parts.push(text.replace(/^IMGID:(.*)$/gm, (_, id: string) => `IMGID:${id}${suffix(k)}`));
      for (const m of text.matchAll(/^IMGID:(.*)$/gm)) {
        const id = m[1]!;
        for (const ext of ['png', 'jpg']) {
          const src = join(from, imageDir, `${id}.${ext}`);
          if (!existsSync(src)) continue;
          const dst = join(out, imageDir, `${id}${suffix(k)}.${ext}`);
          if (!existsSync(dst)) {
            try {
              linkSync(src, dst);
            } catch {
              writeFileSync(dst, readFileSync(src));
            }
          }
        }
      }
    }
    mkdirSync(join(out, entry.file, '..'), { recursive: true });
    writeFileSync(join(out, entry.file), parts.map((p) => (p.endsWith('\n\n') ? p : `${p}\n`)).join(''));
  }
  const subsets: Record<string, string> = {};
  for (const [name, file] of Object.entries(manifest.subsets ?? {})) {
    // Only the split's own ids: the others would name sentences the scaled dataset lacks.
    const ids = readFileSync(join(from, file), 'utf8')
      .split('\n')
      .filter((id) => inSplit.has(id));
    const scaled = Array.from({ length: times }, (_, k) => ids.map((id) => `${id}${suffix(k)}`)).flat();
    mkdirSync(join(out, file, '..'), { recursive: true });
    writeFileSync(join(out, file), `${scaled.join('\n')}\n`);
    subsets[name] = file;
  }
  const scaled: Manifest = {
    ...manifest,
    name: `${String(manifest.name)}-x${times}`,
    splits: { [split]: entries },
  };
  if (Object.keys(subsets).length > 0) scaled.subsets = subsets;
  writeFileSync(join(out, 'dataset.json'), `${JSON.stringify(scaled, null, 2)}\n`);
}

/** Peak resident memory of a process, polled from /proc/<pid>/status (VmHWM), in KiB. */
function peakOf(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface PeakResult {
  code: number | null;
  /** Peak RSS in MiB (from /usr/bin/time -v, else the last VmHWM read before exit). */
  peakMiB: number;
  seconds: number;
  stderr: string;
}

/** Runs `node dist/cli.js ...args` and measures its peak resident memory. */
export function runMeasured(args: string[], cwd: string): Promise<PeakResult> {
  const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const cmd = time ?? process.execPath;
  const argv = time ? ['-v', process.execPath, CLI, ...args] : [CLI, ...args];
  const started = performance.now();
  return new Promise((done, fail) => {
    // One wasm thread: steadier figures on a shared machine (threads add their own stacks).
    const env = { ...process.env, MMNER_WASM_THREADS: process.env.MMNER_WASM_THREADS ?? '1' };
    const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let polled = 0;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.stdout.resume();
    // Without GNU time, poll the node process itself (it is the child when time is absent).
    const timer = time
      ? undefined
      : setInterval(() => {
          polled = Math.max(polled, peakOf(child.pid!) ?? 0);
        }, 20);
    child.on('error', fail);
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const kib = m ? Number(m[1]) : polled;
      done({
        code,
        peakMiB: Math.round(kib / 102.4) / 10,
        seconds: (performance.now() - started) / 1000,
        stderr,
      });
    });
  });
}

export interface MemoryBenchOptions {
  scale?: number;
  /** Sample size for the 1× split (`tiny` for tests, `small` for the bench). */
  size?: 'tiny' | 'small';
  log?: (line: string) => void;
  /** An existing dataset and run trained on it (tests pass theirs); default: made here. */
  sample?: string;
  run?: string;
}

export async function benchMemory(options: MemoryBenchOptions = {}): Promise<BenchRow[]> {
  const scale = options.scale ?? 10;
  const size = options.size ?? 'small';
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!existsSync(CLI)) {
    log('memory bench skipped: dist/cli.js is missing (run node scripts/build.mjs)');
    return [];
  }
  const dir = mkdtempSync(join(tmpdir(), 'mmner-memory-'));
  try {
    const check = async (args: string[]) => {
      const r = await runMeasured(args, dir);
      if (r.code !== 0) throw new Error(`mmner ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
      return r;
    };
    const sample = options.sample ?? join(dir, 'sample');
    const run = options.run ?? join(dir, 'runs', 'tiny');
    if (!options.sample) await check(['data', 'sample', '--out', sample, '--size', size]);
    if (!options.run)
      await check(['train', '--data', sample, '--out', run, '--epochs', '1', '--limit', '40']);
    scaleSplit(sample, join(dir, 'x1'), 'test', 1);
    scaleSplit(sample, join(dir, `x${scale}`), 'test', scale);
    const one = await check(['eval', '--run', run, '--split', 'test', '--data', 'x1']);
    const many = await check(['eval', '--run', run, '--split', 'test', '--data', `x${scale}`]);
    const n = (JSON.parse(readFileSync(join(run, 'eval/test.json'), 'utf8')) as { sentences: unknown[] })
      .sentences.length;
    const ratio = Math.round((many.peakMiB / one.peakMiB) * 100) / 100;
    return [
      {
        name: 'eval peak RSS, 1× test split',
        value: one.peakMiB,
        unit: 'MiB',
        note: `${n / scale} sentences, ${one.seconds.toFixed(1)} s`,
      },
      {
        name: `eval peak RSS, ${scale}× test split`,
        value: many.peakMiB,
        unit: 'MiB',
        note: `${n} sentences, ${many.seconds.toFixed(1)} s`,
      },
      {
        name: `eval peak RSS ratio ${scale}×/1×`,
        value: ratio,
        unit: '×',
        note: `${scale}× the sentences and images`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--scale');
  const scale = i > 0 ? Number(process.argv[i + 1]) : 10;
  for (const row of await benchMemory({ scale })) {
    console.log(`${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}`);
  }
}
