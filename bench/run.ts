/**
 * `npm run bench`: runs every benchmark, prints one table and writes bench/results.json.
 * `… bench/run.ts NAME…` runs only those benchmarks and replaces only their rows in the file.
 * Speed claims compare side by side in one run (ratios), since these machines are noisy.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { benchBertSpeed } from './bert-speed.bench.js';
import { benchData } from './data.bench.js';
import { benchMemory } from './memory.bench.js';
import { benchOnnxEncoders } from './onnx-encoders.bench.js';
import { benchOnnxExport } from './onnx-export.bench.js';
import { benchRealStep } from './real-step.bench.js';
import { benchReport } from './report.bench.js';
import { benchScore } from './score.bench.js';
import { benchKernels } from './train-kernels.bench.js';
import { benchTrainSpeed } from './train-speed.bench.js';
import type { BenchRow } from './types.js';
import { benchViz } from './viz.bench.js';

const BENCHES: Record<string, () => Promise<BenchRow[]>> = {
  data: benchData,
  score: benchScore,
  kernels: benchKernels,
  'train-speed': benchTrainSpeed,
  'real-step': benchRealStep,
  'bert-speed': benchBertSpeed,
  viz: benchViz,
  report: benchReport,
  'onnx-encoders': benchOnnxEncoders,
  'onnx-export': benchOnnxExport,
  memory: benchMemory,
};

const only = process.argv.slice(2);
const unknown = only.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const rows: (BenchRow & { bench: string })[] = [];
for (const [bench, run] of Object.entries(BENCHES)) {
  if (only.length > 0 && !only.includes(bench)) continue;
  process.stderr.write(`bench ${bench}…\n`);
  for (const row of await run()) rows.push({ bench, ...row });
}

const fmt = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en-US') : String(v));
const nameWidth = Math.max(...rows.map((r) => r.name.length));
const valueWidth = Math.max(...rows.map((r) => fmt(r.value).length));
for (const r of rows) {
  console.log(
    `${r.name.padEnd(nameWidth)}  ${fmt(r.value).padStart(valueWidth)} ${r.unit}${r.note ? `  ${r.note}` : ''}`,
  );
}

const out = resolve(import.meta.dirname, 'results.json');
const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' };
// A partial run keeps the other benchmarks' rows of the last full run.
const kept =
  only.length > 0 && existsSync(out)
    ? (
        (JSON.parse(readFileSync(out, 'utf8')) as { rows?: (BenchRow & { bench: string })[] }).rows ?? []
      ).filter((r) => !only.includes(r.bench))
    : [];
const all = Object.keys(BENCHES).flatMap((bench) => [...kept, ...rows].filter((r) => r.bench === bench));
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine, rows: all }, null, 2)}\n`);
console.log(`\nwrote ${out}`);
