/**
 * Every chart builder, on full and on sparse inputs: the spec validates against vega-lite's JSON
 * schema, compiles without warnings, renders headless to an SVG that shows its title, carries its
 * data inline, and colours each language the same way in every chart.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EvalReport } from '../../src/core/run/evalFile.js';
import {
  alignmentScatterChart,
  binCosines,
  cosineHistogramChart,
  retrievalChart,
} from '../../src/viz/charts/alignment.js';
import type { ChartSpec } from '../../src/viz/charts/common.js';
import { compareLanguagesChart, compareSubsetsChart } from '../../src/viz/charts/compare.js';
import { confusionChart } from '../../src/viz/charts/confusion.js';
import { errorCountsChart } from '../../src/viz/charts/errorCounts.js';
import { languageScoresChart, typeLanguageHeatmap } from '../../src/viz/charts/languageScores.js';
import { thin, trainingCurvesChart } from '../../src/viz/charts/trainingCurves.js';
import { compileChart, renderChartSvg } from '../../src/viz/report/render.node.js';
import {
  alignment,
  CONFUSION,
  ERROR_COUNTS,
  HOSTILE,
  MULTI_REPORT,
  score,
  TEXT_REPORT,
  trainEvents,
} from './fixtures.js';
import { findKey, svgTexts, vegaLiteValidator } from './helpers.js';

const SPARSE: EvalReport = {
  version: 1,
  split: 'dev',
  metrics: {
    conlleval: { overall: score({ PER: [1, 2, 2] }), byLanguage: { it: score({ PER: [1, 2, 2] }) } },
    strict: { overall: score({ PER: [1, 2, 2] }, 'strict'), byLanguage: {} },
    subsets: {},
  },
  sentences: [],
};

const umap = alignment(12, HOSTILE);
umap.projection.method = 'umap';
umap.cosine = { matched: [], shuffled: [] };

/** A diverged run: JSON turns NaN into null and readEvents turns it back into NaN. */
const diverged = trainEvents(80).map((e) =>
  e.type === 'step' && e.step > 60 ? { ...e, loss: { ...e.loss, total: Number.NaN } } : e,
);

const CHARTS: [string, ChartSpec][] = [
  ['language scores', languageScoresChart(MULTI_REPORT)],
  ['language scores, strict, sparse', languageScoresChart(SPARSE, { mode: 'strict' })],
  ['type × language heatmap', typeLanguageHeatmap(MULTI_REPORT)],
  ['type × language heatmap, sparse', typeLanguageHeatmap(SPARSE)],
  ['training curves', trainingCurvesChart(trainEvents())],
  ['training curves, long run thinned', trainingCurvesChart(trainEvents(3000), { maxSteps: 200 })],
  ['training curves, no events', trainingCurvesChart([])],
  ['training curves, NaN losses', trainingCurvesChart(diverged)],
  ['confusion', confusionChart(CONFUSION)],
  ['compare languages', compareLanguagesChart(MULTI_REPORT, TEXT_REPORT)],
  ['compare languages, one run', compareLanguagesChart(SPARSE, undefined)],
  ['compare subsets', compareSubsetsChart(MULTI_REPORT, TEXT_REPORT, { textName: HOSTILE })],
  ['compare subsets, none', compareSubsetsChart(SPARSE, undefined)],
  ['alignment scatter', alignmentScatterChart(alignment())],
  ['alignment scatter, umap, hostile branch', alignmentScatterChart(umap, { maxPairs: 5 })],
  ['cosine histogram', cosineHistogramChart(alignment())],
  ['cosine histogram, empty', cosineHistogramChart(umap)],
  ['retrieval', retrievalChart(alignment())],
  ['error counts', errorCountsChart(ERROR_COUNTS)],
  ['error counts, only all', errorCountsChart({ all: ERROR_COUNTS.all! })],
];

function titleOf(spec: ChartSpec): string {
  const title = (spec as { title?: { text?: string } }).title;
  assert.ok(title?.text, 'every chart has a title');
  return title.text;
}

describe('chart specs', () => {
  const validate = vegaLiteValidator();
  for (const [name, spec] of CHARTS) {
    test(`${name}: schema-valid, compiles cleanly, renders with its title`, async () => {
      assert.ok(validate(spec), JSON.stringify(validate.errors?.slice(0, 3), null, 1));
      assert.deepEqual(compileChart(spec).warnings, []);
      assert.deepEqual(findKey(spec, 'url'), [], 'data is inline');
      assert.ok(findKey(spec, 'values').length > 0, 'data.values present');
      const svg = await renderChartSvg(spec);
      assert.match(svg, /^<svg[^>]+xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.ok(svg.length > 1000, 'non-empty drawing');
      assert.ok(svgTexts(svg).includes(titleOf(spec)), `title "${titleOf(spec)}" drawn`);
      assert.ok(!svg.includes('<img'), 'dataset text is escaped in the SVG');
    });
  }

  test('the schema check is not vacuous: broken specs fail it', () => {
    const good = languageScoresChart(MULTI_REPORT) as unknown as Record<string, unknown>;
    assert.ok(validate(good));
    assert.ok(!validate({ ...good, mark: 'barr' }));
    assert.ok(!validate({ ...good, encoding: { x: { field: 'a', type: 'numeric' } } }));
  });

  test('every axis and legend of the unit charts is titled', () => {
    for (const [name, spec] of CHARTS) {
      for (const channel of ['x', 'y']) {
        for (const def of findKey(spec, channel) as { field?: string; title?: unknown }[]) {
          if (def && typeof def === 'object' && 'field' in def && def.title !== null) {
            assert.equal(typeof def.title, 'string', `${name}: ${channel} ${def.field} has a title`);
          }
        }
      }
    }
  });

  test('a language has one colour in every chart', () => {
    const seen = new Map<string, string>();
    for (const [name, spec] of CHARTS) {
      for (const color of findKey(spec, 'color') as {
        field?: string;
        scale?: { domain?: string[]; range?: string[] };
      }[]) {
        if (color?.field !== 'lang') continue;
        const { domain = [], range = [] } = color.scale ?? {};
        assert.equal(domain.length, range.length, name);
        for (const [i, lang] of domain.entries()) {
          const before = seen.get(lang);
          if (before) assert.equal(range[i], before, `${name}: colour of ${lang}`);
          seen.set(lang, range[i]!);
        }
      }
    }
    for (const lang of ['en', 'fr', 'de', 'es', 'all']) assert.ok(seen.has(lang), lang);
    assert.equal(new Set(['en', 'fr', 'de', 'es'].map((l) => seen.get(l))).size, 4, 'four distinct colours');
  });

  test('the language bars put en, fr, de, es first and all last', () => {
    const spec = languageScoresChart(MULTI_REPORT) as { encoding: { xOffset: { sort: string[] } } };
    assert.deepEqual(spec.encoding.xOffset.sort, ['en', 'fr', 'de', 'es', 'pt', 'all']);
  });

  test('compare shows the F1 difference of each language pair', () => {
    const spec = compareLanguagesChart(MULTI_REPORT, TEXT_REPORT) as {
      layer: { data: { values: { group: string; label: string }[] } }[];
    };
    const deltas = new Map(spec.layer[1]!.data.values.map((v) => [v.group, v.label]));
    const en =
      MULTI_REPORT.metrics.conlleval.byLanguage.en!.overall.f1 -
      TEXT_REPORT.metrics.conlleval.byLanguage.en!.overall.f1;
    assert.ok(en > 0);
    assert.equal(deltas.get('en'), `Δ +${en.toFixed(1)}`);
    assert.equal(deltas.get('de'), 'Δ +0.0');
  });

  test('the confusion matrix leaves out O×O and keeps missed and spurious cells', () => {
    const spec = confusionChart(CONFUSION) as {
      data: { values: { gold: string; pred: string; count: number }[] };
    };
    const cells = spec.data.values;
    assert.equal(cells.length, 5 * 5 - 1);
    assert.ok(!cells.some((c) => c.gold === 'O' && c.pred === 'O'));
    assert.equal(cells.find((c) => c.gold === 'PER' && c.pred === 'O')?.count, 5); // missed PER
    assert.equal(cells.find((c) => c.gold === 'O' && c.pred === 'LOC')?.count, 4); // spurious LOC
  });

  test('the scatter joins each sentence to its image with a detail group per id', () => {
    const spec = alignmentScatterChart(alignment(10)) as {
      data: { values: { id: string; kind: string }[] };
      layer: { mark: { type: string }; encoding: { detail?: { field: string } } }[];
    };
    assert.equal(spec.layer[0]!.mark.type, 'line');
    assert.equal(spec.layer[0]!.encoding.detail?.field, 'id');
    const byId = new Map<string, string[]>();
    for (const v of spec.data.values) byId.set(v.id, [...(byId.get(v.id) ?? []), v.kind]);
    assert.equal(byId.size, 10);
    for (const kinds of byId.values()) assert.deepEqual(kinds.sort(), ['image', 'text']);
    const few = alignmentScatterChart(alignment(100), { maxPairs: 7 }) as {
      data: { values: { id: string }[] };
    };
    assert.equal(new Set(few.data.values.map((v) => v.id)).size, 7);
    assert.equal(few.data.values.length, 14);
  });

  test('cosines are binned over [-1, 1], out-of-range values clamped, NaN dropped', () => {
    const bins = binCosines([-1, -0.99, 0, 0.04, 0.99, 1, 7, Number.NaN], 0.5);
    assert.deepEqual(
      bins.map((b) => [b.lo, b.hi, b.count]),
      [
        [-1, -0.5, 2],
        [-0.5, 0, 0],
        [0, 0.5, 2],
        [0.5, 1, 3],
      ],
    );
  });

  test('thinning keeps at most about max items, evenly, and the last one', () => {
    const xs = Array.from({ length: 1001 }, (_, i) => i);
    const t = thin(xs, 100);
    assert.ok(t.length <= 102, String(t.length));
    assert.equal(t[0], 0);
    assert.equal(t.at(-1), 1000);
    assert.deepEqual(thin([1, 2, 3], 10), [1, 2, 3]);
  });
});
