/**
 * Report generation on the sample dataset's test split (the demo's size, 400 sentences): the
 * analyses (errors, confusion, alignment with PCA, attention views) and writing the static
 * report (charts to SVG + PNG, thumbnails, heatmaps). Predictions are the gold tags with seeded
 * noise and the inspection views random vectors, so no training is needed; the work done is the
 * same as for a trained run.
 *   node --import tsx bench/report.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/core/data/dataset.node.js';
import { Rng } from '../src/core/random.js';
import type { InspectData } from '../src/core/run/inspect.js';
import { generateSample } from '../src/core/sample/generate.js';
import { writeSample } from '../src/core/sample/write.node.js';
import { analyzeRun } from '../src/eval/analyze.js';
import { scoreReport } from '../src/eval/evaluate.js';
import { writeReport } from '../src/viz/report/write.node.js';
import type { BenchRow } from './types.js';

const DIM = 64;
const GRID = 8;

export async function benchReport(): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'mmner-bench-report-'));
  try {
    await writeSample(join(root, 'data'), generateSample({ seed: 1, size: 'small' }));
    const data = await loadDataset(join(root, 'data', 'dataset.json'));
    const test = data.splits.test ?? [];
    const rng = new Rng('bench-report');
    const types = ['PER', 'LOC', 'ORG', 'MISC'];
    const pred = test.map((s) =>
      s.tags.map((t) =>
        t !== 'O' && rng.next() < 0.2 ? `${t.slice(0, 2)}${types[Math.floor(rng.next() * 4)]}` : t,
      ),
    );
    const report = scoreReport('test', test, pred, data.subsets);
    const offsets = [0];
    for (const s of test) offsets.push(offsets.at(-1)! + s.tokens.length);
    const tokens = offsets.at(-1)!;
    const random = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
    const attention = Float32Array.from({ length: tokens * GRID * GRID }, () => 1 / (GRID * GRID));
    const inspect: InspectData = {
      split: 'test',
      dim: DIM,
      branches: ['cnn'],
      regionGrid: [[GRID, GRID]],
      ids: test.map((s) => s.id),
      tokenOffsets: Int32Array.from(offsets),
      sentence: random(test.length * DIM),
      image: [random(test.length * DIM)],
      tokens: random(tokens * DIM),
      regions: [new Float32Array(0)],
      attention: [attention],
      gate: [random(tokens).map(Math.abs)],
    };
    let started = performance.now();
    const analyses = analyzeRun(report, {
      inspect,
      textOnly: scoreReport(
        'test',
        test,
        test.map((s) => s.tags),
        data.subsets,
      ),
    });
    const analyzeMs = performance.now() - started;
    const images = Object.fromEntries(
      test.flatMap((s) => {
        const path = s.image ? data.imagePaths.get(s.image) : undefined;
        return path ? [[s.id, path]] : [];
      }),
    );
    started = performance.now();
    const written = await writeReport(
      { runName: 'bench', eval: report, analyses, images },
      join(root, 'report'),
    );
    const writeMs = performance.now() - started;
    const note = `${test.length} test sentences, ${written.charts.length} chart files, ${written.images.length} thumbnails`;
    return [
      { name: 'report: analyses (sample test split)', value: Math.round(analyzeMs), unit: 'ms', note },
      { name: 'report: write HTML + charts + images', value: Math.round(writeMs), unit: 'ms', note },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await benchReport()) console.log(`${row.name}: ${row.value} ${row.unit}  (${row.note})`);
}
