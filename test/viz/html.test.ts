/**
 * The HTML builders with hostile dataset text: markup, quote breakouts, ampersands, RTL overrides,
 * combining characters and emoji must come out as escaped text in every builder, in text and
 * attribute positions alike, and unsafe image sources must be refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EvalSentence } from '../../src/core/run/evalFile.js';
import { attentionOverlaySvg, attentionViewer } from '../../src/viz/html/attentionViewer.js';
import { errorTable, sentencesById } from '../../src/viz/html/errorTable.js';
import { escapeHtml, html, safeImageSrc, trusted } from '../../src/viz/html/escape.js';
import { metricsTable, subsetsTable } from '../../src/viz/html/metricsTable.js';
import { misalignedTable } from '../../src/viz/html/misalignedTable.js';
import { sentenceViewer } from '../../src/viz/html/sentenceViewer.js';
import { tokensWithSpans } from '../../src/viz/html/tokens.js';
import { languageColor, orderLanguages, typeColor } from '../../src/viz/palette.js';
import {
  AMP,
  ATTENTION,
  COMBINING,
  EMOJI,
  ERRORS,
  HOSTILE,
  MISALIGNED,
  MULTI_REPORT,
  QUOTES,
  RTL,
  SENTENCES,
  TEXT_REPORT,
} from './fixtures.js';
import { assertSafeMarkup, attr, ESCAPED, tagsOf, VIEW_TAGS } from './helpers.js';

const BY_ID = sentencesById(SENTENCES);
const PNG_URI = 'data:image/png;base64,iVBORw0KGgo=';
const IMAGES = { s1: PNG_URI, [`s2${QUOTES}`]: `images/${HOSTILE}.png`, s4: 'javascript:alert(3)' };

describe('escapeHtml and the html tag', () => {
  test('escapes the five HTML-significant characters and the backtick', () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&\``),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;',
    );
    assert.equal(escapeHtml(null), '');
    assert.equal(escapeHtml(12.5), '12.5');
    assert.equal(escapeHtml('a\u0000b'), 'a\uFFFDb');
  });

  test('leaves non-ASCII text alone: RTL, combining marks, emoji', () => {
    for (const s of [RTL, COMBINING, EMOJI]) assert.equal(escapeHtml(s), s);
  });

  test('html escapes interpolations, keeps nested html, flattens arrays, drops false/null', () => {
    const inner = html`<b>${HOSTILE}</b>`;
    const out = html`<p title="${QUOTES}">${inner}${[AMP, html`<i>x</i>`]}${false}${null}</p>`.html;
    assert.equal(out, `<p title="${ESCAPED.quotes}"><b>${ESCAPED.hostile}</b>${ESCAPED.amp}<i>x</i></p>`);
    assert.equal(html`${trusted('<br>')}`.html, '<br>');
  });
});

describe('safeImageSrc', () => {
  test('accepts base64 image data URIs and relative paths', () => {
    assert.equal(safeImageSrc(PNG_URI), PNG_URI);
    assert.equal(safeImageSrc('images/0001.png'), 'images/0001.png');
    assert.equal(safeImageSrc(`images/${HOSTILE}.png`), `images/${HOSTILE}.png`);
  });

  test('refuses script URLs, HTML data URIs, protocol-relative and control characters', () => {
    for (const bad of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'vbscript:x',
      'data:text/html;base64,PHNjcmlwdD4=',
      'data:image/png,<svg onload=alert(1)>',
      '//evil.example/x.png',
      '\\\\evil\\x.png',
      '/\\evil.example/x.png',
      'java\nscript:alert(1)',
      '',
      undefined,
    ]) {
      assert.equal(safeImageSrc(bad), undefined, String(bad));
    }
  });

  test('remote URLs only when allowed', () => {
    assert.equal(safeImageSrc('https://example.org/a.png'), 'https://example.org/a.png');
    assert.equal(safeImageSrc('https://example.org/a.png', { remote: false }), undefined);
  });
});

describe('palette', () => {
  test('orders en, fr, de, es, then others alphabetically, all last', () => {
    assert.deepEqual(orderLanguages(['pt', 'all', 'es', 'ar', 'en', 'en']), ['en', 'es', 'ar', 'pt', 'all']);
  });

  test('fixed colours for the four languages, stable ones for others', () => {
    const four = ['en', 'fr', 'de', 'es'].map(languageColor);
    assert.equal(new Set(four).size, 4);
    assert.equal(languageColor('pt'), languageColor('pt'));
    assert.ok(!four.includes(languageColor('pt')));
    assert.match(typeColor(HOSTILE), /^#[0-9a-f]{6}$/);
  });
});

/** Every builder's output on hostile input, with where its hostile strings must appear. */
function builders(): [string, string][] {
  return [
    ['tokens', tokensWithSpans(SENTENCES[0]!.tokens, [{ start: 2, end: 3, type: HOSTILE }]).html],
    ['metrics table', metricsTable(MULTI_REPORT, { compare: TEXT_REPORT, compareName: HOSTILE }).html],
    ['subsets table', subsetsTable(MULTI_REPORT, { compare: TEXT_REPORT, caption: QUOTES }).html],
    [
      'sentence viewer',
      SENTENCES.map(
        (s) => sentenceViewer(s, { image: IMAGES[s.id as keyof typeof IMAGES], note: HOSTILE }).html,
      ).join(''),
    ],
    ['error table', errorTable(ERRORS, BY_ID, { images: IMAGES, id: 'errors' }).html],
    ['misaligned table', misalignedTable(MISALIGNED, BY_ID, { images: IMAGES }).html],
    ['attention viewer', attentionViewer(ATTENTION, { image: IMAGES.s1 }).html],
    [
      'attention viewer with heatmaps',
      attentionViewer({ ...ATTENTION, sentenceId: QUOTES }, { heatmaps: { 0: `attention/${HOSTILE}.png` } })
        .html,
    ],
  ];
}

describe('HTML builders on hostile text', () => {
  test('the markup check catches unescaped text', () => {
    for (const bad of [
      `<td>${HOSTILE}</td>`,
      '<p title="a" onclick="x">',
      `<p title="${QUOTES}">`,
      '<script>alert(1)</script>',
      '<img src="javascript:alert(1)">',
    ]) {
      assert.throws(() => assertSafeMarkup(bad, VIEW_TAGS), bad);
    }
  });

  for (const [name, markup] of builders()) {
    test(`${name}: only our tags, no handlers, safe image sources`, () => {
      assertSafeMarkup(markup, VIEW_TAGS);
      assert.ok(!markup.includes(HOSTILE), 'raw markup never appears');
      assert.ok(!markup.includes('<script'), 'no script tag');
      assert.ok(!markup.includes('javascript:'), 'no script URL');
    });
  }

  test('hostile tokens, ids and types appear escaped, in text and in attributes', () => {
    const all = builders();
    const get = (name: string) => all.find(([n]) => n === name)![1];
    assert.ok(get('tokens').includes(`data-type="${ESCAPED.hostile}"`));
    assert.ok(get('tokens').includes(`<bdi class="mm-tok">${ESCAPED.hostile}</bdi>`));
    assert.ok(get('metrics table').includes(`${ESCAPED.hostile} F1 %`));
    assert.ok(get('subsets table').includes(`<caption>${ESCAPED.quotes}</caption>`));
    assert.ok(get('sentence viewer').includes(`data-sentence="s2${ESCAPED.quotes}"`));
    assert.ok(get('sentence viewer').includes(ESCAPED.amp));
    assert.ok(get('error table').includes(`data-sentence="s2${ESCAPED.quotes}"`));
    assert.ok(get('misaligned table').includes(`<bdi>s2${ESCAPED.quotes}</bdi>`));
    assert.ok(get('attention viewer with heatmaps').includes(`data-sentence="${ESCAPED.quotes}"`));
    assert.ok(get('attention viewer with heatmaps').includes(`src="attention/${ESCAPED.hostile}.png"`));
  });

  test('RTL, combining and emoji tokens are isolated text, each in its own <bdi>', () => {
    const viewer = SENTENCES.map((s) => sentenceViewer(s).html).join('');
    for (const s of [RTL, COMBINING, EMOJI]) assert.ok(viewer.includes(`>${s}</bdi>`), s);
  });
});

describe('sentence viewer', () => {
  test('gold and predicted spans side by side, coloured by type, mismatches marked', () => {
    const s = SENTENCES[0]!; // gold B-PER on Jordan, predicted B-LOC
    const markup = sentenceViewer(s, { image: PNG_URI }).html;
    const marks = tagsOf(markup).filter((t) => t.name === 'mark');
    // gold: PER, ORG, LOC; predicted: LOC, ORG, LOC
    assert.deepEqual(
      marks.map((m) => attr(m, 'data-type')),
      ['PER', 'ORG', 'LOC', 'LOC', 'ORG', 'LOC'],
    );
    assert.deepEqual(
      marks.map((m) => /mm-(match|mismatch)/.exec(m.attrs)?.[1]),
      ['mismatch', 'match', 'match', 'mismatch', 'match', 'match'],
    );
    assert.equal(attr(marks[0]!, 'style'), `background:${typeColor('PER')}`);
    assert.equal(attr(tagsOf(markup).find((t) => t.name === 'img')!, 'src'), PNG_URI);
    assert.match(markup, /Gold<\/div>.*Predicted<\/div>/s);
  });

  test('extra prediction columns and a placeholder when the image is refused', () => {
    const s = SENTENCES[0]!;
    const markup = sentenceViewer(s, {
      image: 'javascript:alert(1)',
      extra: [{ label: 'text-only', tags: s.gold }],
    }).html;
    assert.ok(!tagsOf(markup).some((t) => t.name === 'img'));
    assert.match(markup, /mm-noimage/);
    assert.match(markup, /text-only<\/div>/);
  });
});

describe('tables', () => {
  test('the metrics table has a row per language plus all, with the compared F1 and its delta', () => {
    const markup = metricsTable(MULTI_REPORT, { compare: TEXT_REPORT }).html;
    const rows = tagsOf(markup).filter((t) => t.name === 'tr' && attr(t, 'data-lang'));
    assert.deepEqual(
      rows.map((r) => attr(r, 'data-lang')),
      ['en', 'fr', 'de', 'es', 'pt', 'all'],
    );
    const en =
      MULTI_REPORT.metrics.conlleval.byLanguage.en!.overall.f1 -
      TEXT_REPORT.metrics.conlleval.byLanguage.en!.overall.f1;
    assert.ok(markup.includes(`data-value="${en}">+${en.toFixed(2)}</td>`));
  });

  test('error rows carry class, language and sentence for filtering', () => {
    const markup = errorTable(ERRORS, BY_ID).html;
    const rows = tagsOf(markup).filter((t) => t.name === 'tr' && attr(t, 'data-class'));
    assert.deepEqual(
      rows.map((r) => [attr(r, 'data-class'), attr(r, 'data-lang')]),
      ERRORS.map((e) => [e.class, e.lang]),
    );
    assert.ok(!tagsOf(markup).some((t) => t.name === 'img'), 'no image column unless images are given');
    const limited = errorTable(ERRORS, BY_ID, { limit: 2 }).html;
    assert.equal(tagsOf(limited).filter((t) => t.name === 'tr' && attr(t, 'data-class')).length, 2);
    assert.match(limited, /5 entity error\(s\), first 2 shown/);
  });

  test('an error whose sentence is unknown still shows, with a note', () => {
    const markup = errorTable([{ ...ERRORS[0]!, sentenceId: 'nope' }], new Map<string, EvalSentence>()).html;
    assert.match(markup, /sentence not in the eval file/);
  });

  test('misaligned pairs are listed lowest cosine first', () => {
    const markup = misalignedTable(MISALIGNED, BY_ID).html;
    const ids = tagsOf(markup)
      .filter((t) => t.name === 'tr' && attr(t, 'data-sentence'))
      .map((t) => attr(t, 'data-sentence'));
    assert.deepEqual(ids, ['s4', `s2${ESCAPED.quotes}`, 's1']);
  });
});

describe('attention viewer', () => {
  test('one panel per token with its gate; the overlay shades the strongest region most', () => {
    const markup = attentionViewer(ATTENTION, { image: PNG_URI, maxTokens: 3 }).html;
    const cells = tagsOf(markup).filter((t) => t.name === 'figure');
    assert.deepEqual(
      cells.map((c) => attr(c, 'data-token')),
      ['0', '1', '2'],
    );
    assert.match(markup, /gate 0\.90/);
    assert.match(markup, /3 of 6 tokens shown/);
    const svg = attentionOverlaySvg([0.1, 0.6, 0.3, 0, 0, 0], [2, 3]).html;
    const rects = tagsOf(svg).filter((t) => t.name === 'rect');
    assert.equal(rects.length, 6);
    const opacity = rects.map((r) => Number(attr(r, 'fill-opacity')));
    assert.equal(Math.max(...opacity), opacity[1]);
    assert.equal(opacity[3], 0);
    assert.deepEqual([attr(rects[4]!, 'x'), attr(rects[4]!, 'y')], ['1', '1']);
  });
});
