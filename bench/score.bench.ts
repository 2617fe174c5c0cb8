/**
 * Scoring throughput: `mmner score`'s work (read + parse + score + format) on a ~1M-token conlleval
 * file, and conlleval.pl on the same file when perl and a copy of it are present (CONLLEVAL_PL,
 * else /tmp/ref/conlleval.pl), with the ratio. Goal: ≥ 10× conlleval.pl. Reports must be equal.
 *   node --import tsx bench/score.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scoreConllevalFile } from '../src/core/metrics/files.node.js';
import { formatConllevalReport } from '../src/core/metrics/report.js';
import type { BenchRow } from './types.js';

const TARGET_TOKENS = 1_000_000;
const RUNS = 5;
const SOURCE = fileURLToPath(new URL('../../shared/data/twitter2015/test.txt', import.meta.url));
const TYPES = ['PER', 'LOC', 'ORG', 'OTHER'];

/** mulberry32, so the file is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `token gold pred` lines: Twitter-2015 test repeated, each copy with its own tag noise. */
function buildInput(): { text: string; tokens: number; source: string } {
  const rows: [string, string][][] = [];
  let source = 'twitter2015/test.txt';
  if (existsSync(SOURCE)) {
    let cur: [string, string][] = [];
    for (const line of readFileSync(SOURCE, 'utf8').split('\n')) {
      if (line === '' || line.startsWith('IMGID:')) {
        if (cur.length) rows.push(cur);
        cur = [];
      } else {
        const [token, tag] = line.split('\t') as [string, string];
        cur.push([token, tag]);
      }
    }
    if (cur.length) rows.push(cur);
  } else {
    source = 'synthetic (twitter2015 not found)';
    const rnd = prng(7);
    for (let s = 0; s < 3000; s++) {
      rows.push(
        Array.from({ length: 16 }, (_, i): [string, string] => [
          `w${i}`,
          rnd() < 0.85 ? 'O' : `B-${TYPES[s % 4]}`,
        ]),
      );
    }
  }
  const rnd = prng(42);
  const out: string[] = [];
  let tokens = 0;
  while (tokens < TARGET_TOKENS) {
    for (const sentence of rows) {
      for (const [token, gold] of sentence) {
        const r = rnd();
        let pred = gold;
        if (r < 0.03) pred = 'O';
        else if (r < 0.05) pred = `${gold === 'O' ? 'B' : gold[0]}-${TYPES[Math.floor(rnd() * 4)]}`;
        else if (r < 0.06) pred = `I-${TYPES[Math.floor(rnd() * 4)]}`;
        out.push(`${token} ${gold} ${pred}\n`);
      }
      out.push('\n');
      tokens += sentence.length;
      if (tokens >= TARGET_TOKENS) break;
    }
  }
  return { text: out.join(''), tokens, source };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeOurs(file: string, strict: boolean): { ms: number; report: string } {
  let report = '';
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    const { result } = scoreConllevalFile(file, { mode: strict ? 'strict' : 'conlleval', delimiter: ' ' });
    report = formatConllevalReport(result);
    if (i > 0) times.push(performance.now() - t0); // run 0 warms up the JIT
  }
  return { ms: median(times), report };
}

function timeConlleval(pl: string, file: string): { ms: number; report: string } {
  let best = Number.POSITIVE_INFINITY;
  let report = '';
  for (let i = 0; i < 2; i++) {
    const fd = openSync(file, 'r');
    const t0 = performance.now();
    const r = spawnSync('perl', [pl], { stdio: [fd, 'pipe', 'pipe'], maxBuffer: 1 << 26 });
    const ms = performance.now() - t0;
    closeSync(fd);
    if (r.status !== 0) throw new Error(`conlleval.pl failed: ${r.stderr}`);
    best = Math.min(best, ms);
    report = r.stdout.toString();
  }
  return { ms: best, report };
}

export async function benchScore(): Promise<BenchRow[]> {
  const { text, tokens, source } = buildInput();
  const dir = mkdtempSync(join(tmpdir(), 'mmner-bench-score-'));
  const file = join(dir, 'score-1m.txt');
  try {
    writeFileSync(file, text);
    const mb = (Buffer.byteLength(text) / 1e6).toFixed(1);
    const ours = timeOurs(file, false);
    const strict = timeOurs(file, true);
    const perSec = (ms: number) => Math.round((tokens / ms) * 1000);
    const rows: BenchRow[] = [
      {
        name: 'score: mmner (conlleval mode)',
        value: perSec(ours.ms),
        unit: 'tokens/s',
        note: `${tokens} tokens (${mb} MB, ${source} repeated with noise); read+parse+score+format, median of ${RUNS}`,
      },
      {
        name: 'score: mmner (strict IOB2)',
        value: perSec(strict.ms),
        unit: 'tokens/s',
        note: `median of ${RUNS}`,
      },
    ];
    const pl = process.env.CONLLEVAL_PL ?? '/tmp/ref/conlleval.pl';
    const perl = spawnSync('perl', ['-v']);
    if (perl.status !== 0 || !existsSync(pl)) {
      console.log(
        `score bench: conlleval.pl skipped (${perl.status !== 0 ? 'no perl' : `no ${pl}; set CONLLEVAL_PL`})`,
      );
      return rows;
    }
    const ref = timeConlleval(pl, file);
    if (ref.report !== ours.report) {
      throw new Error(
        `mmner and conlleval.pl reports differ on ${file}:\n${ours.report}\n---\n${ref.report}`,
      );
    }
    rows.push(
      {
        name: 'score: conlleval.pl',
        value: perSec(ref.ms),
        unit: 'tokens/s',
        note: 'perl conlleval.pl < file, best of 2',
      },
      {
        name: 'score: speed-up over conlleval.pl',
        value: Math.round((ref.ms / ours.ms) * 10) / 10,
        unit: '×',
        note: 'goal ≥ 10×; the two reports are byte-identical',
      },
    );
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await benchScore()) {
    console.log(`${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}`);
  }
}
