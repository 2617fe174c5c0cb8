/**
 * What every chart shares: the schema version, one look (font, title style, white background) and
 * the language colour encoding, so the report, the notebook renderer and the tests draw the same
 * thing. Specs carry their data inline (`data.values`) and never name a URL.
 */
import type { TopLevelSpec } from 'vega-lite';
import { languageColor } from '../palette.js';

/** A vega-lite spec as the builders return it. */
export type ChartSpec = TopLevelSpec;

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Fonts present on the report machine and in browsers; vega measures text with the first. */
export const CHART_FONT = 'DejaVu Sans, Verdana, Arial, sans-serif';

export const CHART_CONFIG = {
  font: CHART_FONT,
  title: { anchor: 'start', fontSize: 15, subtitleFontSize: 11, subtitleColor: '#555555', offset: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e8e8e8' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' },
  header: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#dddddd' },
} as const;

/** The top-level fields of every chart: schema, title (+ subtitle), background, config. */
export function chartFrame(title: string, subtitle?: string | string[]) {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: subtitle === undefined ? { text: title } : { text: title, subtitle },
    background: 'white',
    padding: 8,
    config: CHART_CONFIG,
  } as const;
}

/** Colour by `lang` with the fixed palette, in display order. */
export function languageColorEncoding(langs: readonly string[], title = 'Language') {
  return {
    field: 'lang',
    type: 'nominal' as const,
    title,
    sort: [...langs],
    scale: { domain: [...langs], range: langs.map(languageColor) },
  };
}

/** A y (or x) channel for a percentage from 0 to 100. */
export function percentAxis(field: string, title: string) {
  return {
    field,
    type: 'quantitative' as const,
    title,
    scale: { domain: [0, 100] },
    axis: { format: '.0f' },
  };
}

/** Rounds for the data table of a spec: two decimals, as the report prints scores. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
