/**
 * The alignment scatter at full size: 10,000 sentence–image pairs (20,000 points and 10,000
 * joining lines, as `alignmentScatterChart` builds them) rendered by vega in headless Chromium,
 * with vega and vega-lite loaded from node_modules by file:// (no network). Times compile
 * (vega-lite → vega), and parse + dataflow + first paint, for the SVG and canvas renderers, and
 * the headless Node SVG the static report writes. Not a test: numbers only.
 *   node --import tsx bench/viz/alignment.ts
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { AlignmentSummary } from '../../src/core/run/analysis.js';
import { alignmentScatterChart } from '../../src/viz/charts/alignment.js';
import { renderChartSvg } from '../../src/viz/report/render.node.js';
import type { BenchRow } from '../types.js';

const PAIRS = 10_000;
const RUNS = 3;
const CHROMIUM = process.env.MMNER_CHROMIUM ?? '/usr/bin/chromium';
/** The browser builds (UMD) are not in the packages' `exports`, so they are read by path. */
const NODE_MODULES = resolve(import.meta.dirname, '../../node_modules');

/** mulberry32, so the cloud is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Four language clusters; images near their sentences except one pair in eight. */
export function syntheticAlignment(pairs: number): AlignmentSummary {
  const rnd = prng(11);
  const langs = ['en', 'fr', 'de', 'es'];
  const points: AlignmentSummary['projection']['points'] = [];
  for (let i = 0; i < pairs; i++) {
    const lang = langs[i % 4]!;
    const cx = (i % 4) - 1.5;
    const x = cx + (rnd() - 0.5) * 2;
    const y = (rnd() - 0.5) * 2;
    const far = rnd() < 0.125;
    points.push({ id: `s${i}`, lang, kind: 'text', x, y });
    points.push({
      id: `s${i}`,
      lang,
      kind: 'image',
      x: far ? (rnd() - 0.5) * 5 : x + (rnd() - 0.5) * 0.4,
      y: far ? (rnd() - 0.5) * 3 : y + (rnd() - 0.5) * 0.4,
    });
  }
  const ones = { r1: 0, r5: 0, r10: 0 };
  return {
    branch: 'cnn',
    retrieval: { all: { textToImage: ones, imageToText: ones, pairs } },
    cosine: { matched: [], shuffled: [] },
    projection: { method: 'pca', points },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const PAGE = (vega: string, vegaLite: string) => `<!doctype html>
<html><head><meta charset="utf-8"><script src="${vega}"></script><script src="${vegaLite}"></script></head>
<body><div id="chart"></div></body></html>`;

interface PageTiming {
  compileMs: number;
  renderMs: number;
  marks: number;
}

export async function benchAlignment(): Promise<BenchRow[]> {
  if (!existsSync(CHROMIUM)) {
    console.log(`viz bench: skipped (no ${CHROMIUM}; set MMNER_CHROMIUM)`);
    return [];
  }
  const vegaJs = pathToFileURL(join(NODE_MODULES, 'vega/build/vega.min.js')).href;
  const vegaLiteJs = pathToFileURL(join(NODE_MODULES, 'vega-lite/build/vega-lite.min.js')).href;
  const spec = alignmentScatterChart(syntheticAlignment(PAIRS), { maxPairs: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'mmner-bench-viz-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
  try {
    await writeFile(join(dir, 'index.html'), PAGE(vegaJs, vegaLiteJs));
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    const remote: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) remote.push(r.url());
    });
    await page.goto(pathToFileURL(join(dir, 'index.html')).href);
    const rows: BenchRow[] = [];
    for (const renderer of ['svg', 'canvas'] as const) {
      const runs: PageTiming[] = [];
      for (let i = 0; i <= RUNS; i++) {
        const t = await page.evaluate(
          async ({ spec, renderer }) => {
            const w = window as unknown as {
              vega: { View: new (r: unknown, o: unknown) => VegaView; parse: (s: unknown) => unknown };
              vegaLite: { compile: (s: unknown) => { spec: unknown } };
              __view?: VegaView;
            };
            interface VegaView {
              runAsync(): Promise<unknown>;
              finalize(): void;
              scenegraph(): { root: unknown };
            }
            w.__view?.finalize();
            const container = document.getElementById('chart')!;
            container.replaceChildren();
            const t0 = performance.now();
            const compiled = w.vegaLite.compile(spec).spec;
            const t1 = performance.now();
            const view = new w.vega.View(w.vega.parse(compiled), { renderer, container, hover: false });
            await view.runAsync();
            // Wait for the frame that paints the result.
            await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
            const t2 = performance.now();
            w.__view = view;
            const marks = renderer === 'svg' ? container.querySelectorAll('path').length : -1;
            return { compileMs: t1 - t0, renderMs: t2 - t1, marks };
          },
          { spec, renderer },
        );
        if (i > 0) runs.push(t); // the first run warms up the JIT
      }
      const compile = median(runs.map((r) => r.compileMs));
      const render = median(runs.map((r) => r.renderMs));
      rows.push({
        name: `viz: alignment scatter in Chromium (${renderer})`,
        value: Math.round(compile + render),
        unit: 'ms',
        note: `${2 * PAIRS} points + ${PAIRS} lines; compile ${Math.round(compile)} ms, parse+dataflow+paint ${Math.round(render)} ms; median of ${RUNS}${
          runs[0]!.marks > 0 ? `; ${runs[0]!.marks} SVG paths` : ''
        }`,
      });
    }
    if (remote.length > 0) throw new Error(`the bench page made network requests: ${remote.join(', ')}`);

    const t0 = performance.now();
    const svg = await renderChartSvg(spec);
    rows.push({
      name: 'viz: alignment scatter, Node SVG (report writer)',
      value: Math.round(performance.now() - t0),
      unit: 'ms',
      note: `same spec, vega headless toSVG, one run; ${(svg.length / 1e6).toFixed(1)} MB of SVG`,
    });
    return rows;
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await benchAlignment()) {
    console.log(`${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}`);
  }
}
