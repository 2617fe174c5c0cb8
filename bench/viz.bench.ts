/**
 * The views' benchmarks for `npm run bench`: the 20,000-point alignment scatter in headless
 * Chromium (SVG and canvas renderers) and as the report's Node-rendered SVG. Skipped (no rows)
 * where Chromium is not installed.
 *   node --import tsx bench/viz.bench.ts
 */
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './types.js';
import { benchAlignment } from './viz/alignment.js';

export async function benchViz(): Promise<BenchRow[]> {
  return benchAlignment();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await benchViz()) {
    console.log(`${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}`);
  }
}
