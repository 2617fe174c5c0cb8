/**
 * Static chart rendering: SVG from a spec, PNG from the SVG at the requested density, and
 * refusal of specs that would load data from elsewhere or that vega-lite cannot compile.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { isMmnerError } from '../../src/core/errors.js';
import type { ChartSpec } from '../../src/viz/charts/common.js';
import { languageScoresChart } from '../../src/viz/charts/languageScores.js';
import { renderChartPng, renderChartSvg, svgToPng } from '../../src/viz/report/render.node.js';
import { MULTI_REPORT } from './fixtures.js';
import { pngSize } from './helpers.js';

const SPEC = languageScoresChart(MULTI_REPORT);

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(svg);
  assert.ok(m, 'svg has width and height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

describe('render', () => {
  test('PNG at 2× density is a valid PNG twice the SVG size, with ink on it', async () => {
    const svg = await renderChartSvg(SPEC);
    const size = svgSize(svg);
    assert.ok(size.width > 200 && size.width < 2000, `width ${size.width}`);
    assert.ok(size.height > 150 && size.height < 2000, `height ${size.height}`);
    const png = await svgToPng(svg, { density: 144 });
    const dims = pngSize(png);
    assert.ok(Math.abs(dims.width - 2 * size.width) <= 2, `${dims.width} vs 2×${size.width}`);
    assert.ok(Math.abs(dims.height - 2 * size.height) <= 2, `${dims.height} vs 2×${size.height}`);
    const stats = await sharp(png).stats();
    assert.ok(stats.channels[0]!.min < 100, 'dark pixels (text, bars) present');
    assert.ok(stats.channels[0]!.max > 240, 'white background present');
    const oneX = pngSize(await renderChartPng(SPEC, { density: 72 }));
    assert.ok(Math.abs(oneX.width - size.width) <= 1);
  });

  test('a spec that names a URL is refused, not fetched', async () => {
    const remote = { ...SPEC, data: { url: 'https://example.org/data.json' } } as ChartSpec;
    await assert.rejects(
      renderChartSvg(remote),
      (e) => isMmnerError(e) && e.code === 'E_CHART' && /example\.org/.test(e.message),
    );
    const local = { ...SPEC, data: { url: 'file:///etc/passwd' } } as ChartSpec;
    await assert.rejects(renderChartSvg(local), (e) => isMmnerError(e) && e.code === 'E_CHART');
  });

  test('a spec vega-lite rejects is an E_CHART error', async () => {
    const broken = { ...SPEC, mark: 'barr' } as unknown as ChartSpec;
    await assert.rejects(renderChartSvg(broken), (e) => isMmnerError(e) && e.code === 'E_CHART');
  });
});
