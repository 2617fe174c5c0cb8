/**
 * The chart of docs/performance.md, made by the project: training examples/s and inference
 * sentences/s of mmner (wasm) beside PyTorch for the `tiny` model, from the rows that
 * bench/train-speed.bench.ts saved with `--out` (or bench/results.json from `npm run bench`),
 * rendered with the report's vega-lite → SVG → PNG path.
 *   node --import tsx scripts/perf-chart.ts docs/perf-tiny.json docs/img/perf-tiny.png
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MmnerError } from '../src/core/errors.js';
import { type ChartSpec, chartFrame } from '../src/viz/charts/common.js';
import { renderChartPng } from '../src/viz/report/render.node.js';

interface Row {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const TASKS = [
  ['tiny', 'train', 'training, examples/s'],
  ['tiny', 'infer', 'inference, sentences/s'],
  ['tiny text-only', 'train', 'text-only training, examples/s'],
  ['tiny text-only', 'infer', 'text-only inference, sentences/s'],
] as const;

/** Bars: [row name, engine label, task], the text-only rows where the run has them. */
type Bar = [row: string, engine: string, task: string];
const BARS: Bar[] = TASKS.flatMap(([model, what, task]): Bar[] => [
  [`${model} ${what} wasm`, 'mmner (wasm)', task],
  [`${model} ${what} PyTorch (same ops)`, 'PyTorch (same ops)', task],
  ...(what === 'train' ? [[`${model} ${what} PyTorch (nn.LSTM)`, 'PyTorch (nn.LSTM)', task] as Bar] : []),
]);

export function perfChart(rows: readonly Row[], date: string): ChartSpec {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const values = BARS.flatMap(([name, engine, task]) => {
    const r = byName.get(name);
    return r ? [{ engine, task, value: r.value }] : [];
  });
  const ratio = (name: string) => byName.get(name)?.value;
  const train = ratio('ratio tiny train wasm/PyTorch (same ops)');
  const infer = ratio('ratio tiny infer wasm/PyTorch (same ops)');
  const textTrain = ratio('ratio tiny text-only train wasm/PyTorch (same ops)');
  const textInfer = ratio('ratio tiny text-only infer wasm/PyTorch (same ops)');
  const threads = /(\d+) thread/.exec(byName.get('tiny train wasm')?.note ?? '')?.[1];
  const subtitle = [
    `tiny preset, batch 32, one run of bench/train-speed.bench.ts (${date.slice(0, 10)}), 2 shared vCPUs${threads ? `, ${threads} wasm thread(s)` : ''}`,
    `mmner ÷ PyTorch (fastest interleaved round of each): training ${train ?? 'n/a'}×, inference ${infer ?? 'n/a'}×`,
    ...(textTrain ? [`text-only ablation: training ${textTrain}×, inference ${textInfer ?? 'n/a'}×`] : []),
  ];
  const engines = ['mmner (wasm)', 'PyTorch (same ops)', 'PyTorch (nn.LSTM)'];
  return {
    ...chartFrame('Training and inference speed: mmner vs PyTorch (CPU)', subtitle),
    data: { values },
    facet: {
      row: {
        field: 'task',
        type: 'nominal',
        title: null,
        sort: TASKS.map(([, , task]) => task),
        header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelFontWeight: 'bold' },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 460,
      height: { step: 22 },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            y: { field: 'engine', type: 'nominal', title: null, sort: engines },
            x: { field: 'value', type: 'quantitative', title: null },
            color: {
              field: 'engine',
              type: 'nominal',
              legend: null,
              scale: { domain: engines, range: ['#4c78a8', '#e45756', '#f2a0a0'] },
            },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 },
          encoding: {
            y: { field: 'engine', type: 'nominal', sort: engines },
            x: { field: 'value', type: 'quantitative' },
            text: { field: 'value', type: 'quantitative', format: '.0f' },
          },
        },
      ],
    },
  } as ChartSpec;
}

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: perf-chart.ts ROWS.json OUT.png');
  process.exit(2);
}
const parsed = JSON.parse(readFileSync(resolve(input), 'utf8')) as { rows?: Row[]; date?: string } | Row[];
const rows = Array.isArray(parsed) ? parsed : (parsed.rows ?? []);
if (!rows.some((r) => r.name === 'tiny train wasm')) {
  throw new MmnerError('E_USAGE', `${input} has no 'tiny train wasm' row`, {
    hint: 'make it with: node --import tsx bench/train-speed.bench.ts --out FILE.json',
  });
}
const png = await renderChartPng(perfChart(rows, Array.isArray(parsed) ? '' : (parsed.date ?? '')));
const out = resolve(output);
const tmp = `${out}.tmp-${process.pid}`;
writeFileSync(tmp, png);
renameSync(tmp, out);
console.log(`wrote ${out} (${png.length} bytes)`);
