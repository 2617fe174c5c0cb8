/**
 * Static chart rendering for the report and the CLI: vega-lite spec → vega → SVG string (a
 * headless View, renderer `none`), and SVG → PNG through sharp at a density that keeps text crisp.
 * The View gets a loader that refuses every load, so a spec can never reach the network or disk.
 */
import sharp from 'sharp';
import { parse, View, loader as vegaLoader } from 'vega';
import { compile } from 'vega-lite';
import { MmnerError } from '../../core/errors.js';
import type { ChartSpec } from '../charts/common.js';

export interface CompiledChart {
  /** The vega spec vega-lite produced. */
  vega: ReturnType<typeof compile>['spec'];
  /** vega-lite's warnings (a well-formed spec has none). */
  warnings: string[];
}

/** A vega/vega-lite logger that keeps warnings and errors instead of printing them. */
function collectingLogger(warnings: string[]) {
  let level = 2;
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) {
      warnings.push(`error: ${args.map(String).join(' ')}`);
      return logger;
    },
    warn(...args: unknown[]) {
      warnings.push(args.map(String).join(' '));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/** vega-lite → vega, with warnings collected; a spec vega-lite rejects is an `E_CHART` error. */
export function compileChart(spec: ChartSpec): CompiledChart {
  const warnings: string[] = [];
  try {
    const { spec: vega } = compile(spec, { logger: collectingLogger(warnings) as never });
    return { vega, warnings };
  } catch (e) {
    throw new MmnerError('E_CHART', `vega-lite could not compile the chart: ${(e as Error).message}`, {
      hint: 'the chart builders in src/viz/charts produce valid specs; a hand-edited spec may not',
      cause: e,
    });
  }
}

/**
 * A loader for vega that refuses everything (chart data is inline, nothing is fetched) and
 * remembers what was asked for: vega only logs a failed load, so the caller checks `refused`.
 */
function noLoads() {
  const refused: string[] = [];
  const refuse = async (uri: unknown) => {
    refused.push(String(uri));
    throw new Error(`mmner charts load nothing (${String(uri)})`);
  };
  const loader = Object.assign(vegaLoader(), { load: refuse, sanitize: refuse, http: refuse, file: refuse });
  return { loader, refused };
}

/** Renders a vega-lite spec to a standalone SVG document. */
export async function renderChartSvg(spec: ChartSpec): Promise<string> {
  const { vega } = compileChart(spec);
  const warnings: string[] = [];
  const { loader, refused } = noLoads();
  const view = new View(parse(vega), {
    renderer: 'none',
    loader: loader as never,
    logger: collectingLogger(warnings) as never,
  });
  try {
    const svg = await view.toSVG();
    if (refused.length > 0) {
      throw new MmnerError(
        'E_CHART',
        `a chart tried to load ${refused.map((u) => JSON.stringify(u)).join(', ')}`,
        {
          hint: 'charts must carry their data inline (data.values)',
        },
      );
    }
    const errors = warnings.filter((w) => w.startsWith('error:'));
    if (errors.length > 0)
      throw new MmnerError('E_CHART', `vega failed to render the chart: ${errors.join('; ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Rasterisation density in DPI; 72 is the SVG's own pixel size (default 144, i.e. 2×). */
  density?: number;
}

/** Rasterises an SVG document to PNG. */
export async function svgToPng(svg: string, options: PngOptions = {}): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: options.density ?? 144 })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** Spec → PNG in one call. */
export async function renderChartPng(spec: ChartSpec, options: PngOptions = {}): Promise<Buffer> {
  return svgToPng(await renderChartSvg(spec), options);
}
