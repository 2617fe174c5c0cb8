/**
 * The pure report page: its policy (nothing remote, our script by hash), its sections, the files
 * it lists for the writer, and hostile run, sentence, type and file names escaped everywhere.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { isMmnerError } from '../../src/core/errors.js';
import { buildReport, contentSecurityPolicy } from '../../src/viz/report/build.js';
import { reportCharts } from '../../src/viz/report/charts.js';
import { REPORT_SECTIONS } from '../../src/viz/report/model.js';
import { REPORT_SCRIPT } from '../../src/viz/report/page.js';
import { cspHash, sha256 } from '../../src/viz/report/sha256.js';
import { ATTENTION, fullModel, HOSTILE, MULTI_REPORT, TINY_PNG } from './fixtures.js';
import { assertSafeMarkup, attr, ESCAPED, tagsOf, VIEW_TAGS } from './helpers.js';

const PNG_URI = TINY_PNG;

const PAGE_TAGS = new Set([
  ...VIEW_TAGS,
  'html',
  'head',
  'meta',
  'title',
  'link',
  'style',
  'body',
  'header',
  'h1',
  'h2',
  'h3',
  'nav',
  'ul',
  'li',
  'a',
  'main',
  'section',
  'dl',
  'dt',
  'dd',
  'small',
  'label',
  'select',
  'option',
  'output',
  'footer',
  'script',
]);

describe('sha256', () => {
  test('matches node:crypto on block-boundary lengths and non-ASCII text', () => {
    for (const text of [
      '',
      'abc',
      'a'.repeat(55),
      'a'.repeat(56),
      'a'.repeat(64),
      'a'.repeat(1000),
      `${RTL_SAMPLE}🙂`,
    ]) {
      const bytes = new TextEncoder().encode(text);
      assert.equal(
        Buffer.from(sha256(bytes)).toString('hex'),
        createHash('sha256').update(bytes).digest('hex'),
      );
    }
    assert.equal(cspHash(''), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
  });
});
const RTL_SAMPLE = 'مرحبا';

describe('buildReport', () => {
  const { html, assets } = buildReport(fullModel());

  test('a strict CSP: nothing remote, our script allowed by its hash only', () => {
    const csp = contentSecurityPolicy();
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /img-src 'self' data:/);
    assert.match(csp, /style-src 'unsafe-inline'/);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
    const expected = createHash('sha256').update(REPORT_SCRIPT).digest('base64');
    assert.ok(csp.includes(`script-src 'sha256-${expected}'`));
    const meta = tagsOf(html).find(
      (t) => t.name === 'meta' && attr(t, 'http-equiv') === 'Content-Security-Policy',
    );
    assert.equal(attr(meta!, 'content')!.replace(/&#39;/g, "'"), csp);
    // The hashed text is exactly what sits between the script tags.
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    assert.deepEqual(scripts, [REPORT_SCRIPT]);
  });

  test('only our tags; every img src is a data URI or a file inside the report folder', () => {
    assertSafeMarkup(html, PAGE_TAGS);
    for (const tag of tagsOf(html).filter((t) => t.name === 'img')) {
      const src = attr(tag, 'src')!;
      assert.match(
        src,
        /^(data:image\/png;base64,|charts\/[a-z0-9-]+\.svg$|images\/\d{4}\.png$|attention\/\d+-\d+\.png$)/,
        src,
      );
    }
    for (const tag of tagsOf(html).filter((t) => t.name === 'link' || t.name === 'a')) {
      assert.doesNotMatch(attr(tag, 'href') ?? '', /^(https?:)?\/\//, 'no remote links');
    }
  });

  test('hostile run, compare, sentence and branch names are escaped', () => {
    assert.ok(!html.includes(HOSTILE));
    assert.ok(html.includes(`<title>mmner report — run ${ESCAPED.hostile} ${ESCAPED.quotes}</title>`));
    assert.ok(html.includes(`<bdi>run ${ESCAPED.hostile} ${ESCAPED.quotes}</bdi>`));
    assert.ok(html.includes(`text ${ESCAPED.amp}`));
    assert.ok(html.includes(`<h3>Branch <bdi>${ESCAPED.hostile}</bdi></h3>`));
  });

  test('every section is there, in order, each with its heading', () => {
    const ids = tagsOf(html)
      .filter((t) => t.name === 'section')
      .map((t) => attr(t, 'id'));
    assert.deepEqual(
      ids,
      REPORT_SECTIONS.map((s) => s.id),
    );
    for (const s of REPORT_SECTIONS) assert.ok(html.includes(`<h2 id="${s.id}-title">${s.title}</h2>`), s.id);
  });

  test('charts are embedded as files the writer renders, one per default chart', () => {
    const ids = reportCharts(fullModel()).map((c) => c.id);
    assert.deepEqual(
      assets.charts.map((c) => c.id),
      ids,
    );
    assert.ok(ids.includes('alignment-scatter-1'), 'one scatter per branch, named by index');
    for (const c of assets.charts) {
      assert.equal(c.svg, `charts/${c.id}.svg`);
      assert.ok(html.includes(`<img src="${c.svg}"`), c.id);
      assert.ok(html.includes(`href="${c.png}"`), c.id);
    }
  });

  test('file images become numbered thumbnails (one per file), data URIs stay inline', () => {
    // s1 and s4 name the same file.
    assert.deepEqual(
      assets.images.map((i) => [i.sentenceId, i.source, i.file]),
      [['s1', `pictures/${HOSTILE}.jpg`, 'images/0001.png']],
    );
    const s4 = tagsOf(html).find((t) => t.name === 'img' && /sentence s4$/.test(attr(t, 'alt') ?? ''));
    assert.equal(attr(s4!, 'src'), 'images/0001.png');
    assert.ok(html.includes(`src="${PNG_URI}"`));
  });

  test('attention heatmaps: entity tokens first, one file per token panel', () => {
    const files = assets.heatmaps.map((h) => h.file);
    assert.equal(files.length, ATTENTION.tokens.length); // 6 tokens ≤ 8 panels
    assert.deepEqual(assets.heatmaps[0]!.weights, ATTENTION.weights[0]);
    assert.equal(assets.heatmaps[0]!.image, `pictures/${HOSTILE}.jpg`);
    for (const f of files) assert.ok(html.includes(`src="${f}"`), f);
    const few = buildReport({ ...fullModel(), limits: { attentionTokens: 3 } });
    // s1's gold entities are tokens 0 (PER), 2 (ORG) and 4 (LOC).
    assert.deepEqual(
      few.assets.heatmaps.map((h) => h.token),
      [0, 2, 4],
    );
  });

  test('error filters list the classes and the languages present', () => {
    const selects = tagsOf(html).filter((t) => t.name === 'select');
    assert.deepEqual(
      selects.map((s) => [attr(s, 'data-filter-for'), attr(s, 'data-filter-attr')]),
      [
        ['errors-table', 'class'],
        ['errors-table', 'lang'],
      ],
    );
    assert.ok(html.includes('<option value="wrong-type-boundary">'));
    assert.ok(html.includes('<option value="de">de</option>'));
  });

  test('the same model gives the same bytes', () => {
    assert.equal(buildReport(fullModel()).html, html);
  });

  test('a bare model (one eval file) still has every section, with notes for the missing parts', () => {
    const bare = buildReport({ runName: 'bare', eval: MULTI_REPORT });
    assert.equal(tagsOf(bare.html).filter((t) => t.name === 'section').length, REPORT_SECTIONS.length);
    assert.match(bare.html, /No text-only run to compare with/);
    assert.match(bare.html, /No training events/);
    assert.deepEqual(bare.assets.images, []);
    assert.deepEqual(bare.assets.heatmaps, []);
  });

  test('a chart id that is not a plain file name is refused', () => {
    const spec = reportCharts(fullModel())[0]!.spec;
    assert.throws(
      () => buildReport({ ...fullModel(), charts: [{ id: '../x', section: 'languages', title: 't', spec }] }),
      (e) => isMmnerError(e) && e.code === 'E_UNSAFE_NAME',
    );
  });
});
