/** The chart theme: colour luminance, the config merge, and a spec recoloured but otherwise kept. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ChartTheme,
  luminance,
  mergeConfig,
  themeConfig,
  themedSpec,
} from '../../src/renderer/theme.js';
import { chartFrame } from '../../src/viz/charts/common.js';

const DARK: ChartTheme = {
  foreground: '#cccccc',
  muted: '#9d9d9d',
  background: '#1f1f1f',
  border: '#454545',
  axis: '#9d9d9d',
  grid: '#cccccc',
  gridOpacity: 0.15,
  font: 'system-ui',
  dark: true,
};

test('luminance reads hex and rgb() colours, and nothing else', () => {
  assert.equal(luminance('#ffffff'), 1);
  assert.equal(luminance('#000'), 0);
  assert.equal(luminance('rgb(255, 255, 255)'), 1);
  assert.ok(luminance('#1f1f1f')! < 0.05);
  assert.ok(Math.abs(luminance('#808080')! - luminance('rgba(128,128,128,0.5)')!) < 1e-12);
  assert.equal(luminance('transparent'), undefined);
  assert.equal(luminance('var(--x)'), undefined);
});

test('mergeConfig merges nested objects, the second argument winning, without changing either', () => {
  const base = { axis: { gridColor: '#eee', labelFontSize: 11 }, font: 'A' };
  const over = { axis: { gridColor: '#333' }, title: { color: '#fff' } };
  const merged = mergeConfig(base, over);
  assert.deepEqual(merged, {
    axis: { gridColor: '#333', labelFontSize: 11 },
    font: 'A',
    title: { color: '#fff' },
  });
  assert.deepEqual(base, { axis: { gridColor: '#eee', labelFontSize: 11 }, font: 'A' });
});

test('a builder spec takes the theme colours and keeps its data, sizes and font sizes', () => {
  const spec = {
    ...chartFrame('Title', 'sub'),
    data: { values: [{ a: 1 }] },
    mark: 'bar',
    width: 300,
    usermeta: { embedOptions: { actions: true, loader: { baseURL: 'https://example.com/' } } },
  } as Record<string, unknown>;
  const themed = themedSpec(spec, DARK);
  assert.equal(themed.background, '#1f1f1f');
  assert.equal('usermeta' in themed, false, 'a spec cannot set its own embed options');
  assert.deepEqual(themed.data, spec.data);
  assert.equal(themed.width, 300);
  const config = themed.config as Record<string, Record<string, unknown>>;
  assert.equal(config.title!.color, '#cccccc');
  assert.equal(config.title!.subtitleColor, '#9d9d9d');
  assert.equal(config.title!.fontSize, 15, "the builder's sizes stay");
  assert.equal(config.axis!.gridColor, '#cccccc');
  assert.equal(config.axis!.labelFontSize, 11);
  assert.equal(config.font, 'system-ui');
  assert.equal(
    (spec.config as Record<string, Record<string, unknown>>).axis!.gridColor,
    '#e8e8e8',
    'input unchanged',
  );
  assert.equal(themeConfig(DARK).background, '#1f1f1f');
});
