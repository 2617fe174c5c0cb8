/**
 * The one place charts are drawn: vega-embed with no action menu, SVG output, the theme of the
 * notebook, vega's expression interpreter instead of generated code (no `eval`, so a strict
 * content policy holds), and a loader that refuses everything, so a spec can fetch no data, image
 * or link. Vega's log goes to the output, not the console: an error (a refused load, a bad
 * expression) fails the chart with a readable message, a warning becomes a note under it. The
 * caller keeps the view to finalize it when the output goes away.
 */

import type { Loader, LoggerInterface } from 'vega';
import embed, { type Result } from 'vega-embed';
import { isMmnerError, MmnerError } from '../core/errors.js';
import { readTheme, themedSpec } from './theme.js';

function refuse(uri: unknown): Promise<never> {
  return Promise.reject(
    new MmnerError(
      'E_RENDER_REMOTE',
      `a chart may not load anything (asked for ${String(uri).slice(0, 80)})`,
      {
        hint: 'Put the data inline in the spec (data.values).',
      },
    ),
  );
}

/** A vega loader that refuses every URL: data, images, hrefs. */
export const REFUSING_LOADER: Loader = Object.freeze({
  load: refuse,
  sanitize: refuse,
  http: refuse,
  file: refuse,
});

function logText(args: readonly unknown[]): string {
  return args.map((a) => (isMmnerError(a) ? a.detail : a instanceof Error ? a.message : String(a))).join(' ');
}

/**
 * A vega logger that keeps what it is told, for the output to show. Closures, not methods on
 * `this`: vega's dataflow calls its logger's methods with the dataflow as `this`.
 */
function collectingLogger() {
  const errors: string[] = [];
  const warnings: string[] = [];
  let level = 2;
  const logger: LoggerInterface = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: unknown[]) {
      errors.push(logText(args));
      return logger;
    },
    warn(...args: unknown[]) {
      // Vega only warns when a load fails; a load our loader refused fails the chart.
      if (args.some((a) => isMmnerError(a) && a.code === 'E_RENDER_REMOTE')) errors.push(logText(args));
      else if (level >= 2) warnings.push(logText(args));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return { logger, errors, warnings };
}

export interface ChartOptions {
  /** Vega-embed's tooltip (default true: vega-tooltip in the theme's light or dark style). */
  tooltip?: boolean;
  /** Default `svg`; `canvas` for many marks (20,000 points draw in ≈ 1.3 s on canvas, ≈ 2.2 s as SVG). */
  renderer?: 'svg' | 'canvas';
}

export interface DrawnChart {
  result: Result;
  /** Vega(-lite) warnings about the spec, for a note under the chart. */
  warnings: string[];
}

/** Draws a vega-lite spec into `element` in the notebook's theme; rejects when vega logs an error. */
export async function drawChart(
  element: HTMLElement,
  spec: Record<string, unknown>,
  options: ChartOptions = {},
): Promise<DrawnChart> {
  const theme = readTheme(element);
  const { logger, errors, warnings } = collectingLogger();
  let result: Result;
  try {
    result = await embed(element, themedSpec(spec, theme) as never, {
      actions: false,
      renderer: options.renderer ?? 'svg',
      ast: true,
      loader: REFUSING_LOADER,
      tooltip: options.tooltip === false ? false : { theme: theme.dark ? 'dark' : 'light' },
      logger,
    });
  } catch (e) {
    throw new MmnerError('E_CHART', `vega could not draw the chart: ${(e as Error).message}`);
  }
  if (errors.length > 0) {
    result.finalize();
    element.replaceChildren();
    throw new MmnerError('E_CHART', `vega could not draw the chart: ${errors.join('; ')}`, {
      hint: 'Charts carry their data inline (data.values) and load nothing.',
    });
  }
  return { result, warnings };
}
