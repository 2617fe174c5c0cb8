/**
 * Hand-built payloads for every mmner MIME type, with hostile text (markup, quote breakers,
 * right-to-left text, emoji) in tokens, ids and names, and one image given as a URL that the
 * renderer must refuse. Images are small generated PNGs with shapes in known places, so the
 * screenshots show real pictures.
 */
import sharp from 'sharp';
import type {
  AlignmentPayload,
  AttentionPayload,
  ChartPayload,
  ErrorsPayload,
  MetricsPayload,
  MisalignedPayload,
  ProgressPayload,
  SentencesPayload,
} from '../../src/core/protocol/mime.js';
import { chartFrame } from '../../src/viz/charts/common.js';

/** Markup that runs script if it ever reaches the page unescaped. */
export const HOSTILE = '<img src=x onerror=alert(1)>';
/** Breaks out of a quoted attribute. */
export const QUOTES = `"'><script>alert(2)</script>`;
export const RTL = 'مرحبا بالعالم';
export const EMOJI = '👩🏽‍🚀🇫🇷';
/** An image that is not inline: the renderer must not load it. */
export const REMOTE_IMAGE = 'https://example.com/cat.png';

async function scene(background: string, size = 128): Promise<string> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="${background}"/><circle cx="${size * 0.3}" cy="${size * 0.3}" r="${size * 0.18}" fill="#ffffff"/><rect x="${size * 0.55}" y="${size * 0.55}" width="${size * 0.35}" height="${size * 0.35}" fill="#202020"/></svg>`;
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

export interface Payloads {
  chart: ChartPayload;
  remoteChart: ChartPayload;
  metrics: MetricsPayload;
  sentences: SentencesPayload;
  attention: AttentionPayload;
  alignment: AlignmentPayload;
  errors: ErrorsPayload;
  misaligned: MisalignedPayload;
  progress: ProgressPayload;
  progressDone: ProgressPayload;
}

export const CHART_TITLE = `F1 per language ${HOSTILE}`;

export async function payloads(): Promise<Payloads> {
  const [blue, green, slate] = await Promise.all([scene('#3b82f6'), scene('#16a34a'), scene('#64748b', 256)]);
  const langs = ['en', 'fr', 'de', 'es', `x${HOSTILE}`];
  const sentenceText: Record<string, string[]> = {
    s1: ['Jordan', 'visited', HOSTILE, 'in', 'Paris'],
    [`s2${QUOTES}`]: ['Orange', 'annonce', 'des', 'résultats', EMOJI],
    s3: ['Amazon', 'eröffnet', 'in', 'Berlin'],
    s4: ['Victoria', 'llegó', 'a', 'Madrid'],
    s5: RTL.split(' ').concat('القاهرة'),
  };
  const ids = Object.keys(sentenceText);
  return {
    chart: {
      title: CHART_TITLE,
      spec: {
        ...chartFrame(CHART_TITLE, 'hand-built scores'),
        data: { values: langs.map((lang, i) => ({ lang, f1: 55 + i * 7 })) },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'lang', type: 'nominal', title: 'Language', sort: langs },
          y: { field: 'f1', type: 'quantitative', title: 'F1 (%)', scale: { domain: [0, 100] } },
        },
        width: 300,
        height: 160,
      },
    },
    remoteChart: {
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        data: { url: 'https://example.com/data.json' },
        mark: 'point',
      },
    },
    metrics: {
      split: `dev ${HOSTILE}`,
      rows: [
        { lang: 'all', sentences: 40, precision: 71.5, recall: 68.25, f1: 69.84, strictF1: 68.1 },
        { lang: 'fr', sentences: 10, precision: 64, recall: 61, f1: 62.46, strictF1: 60.2 },
        { lang: 'en', sentences: 10, precision: 80, recall: 78, f1: 78.99, strictF1: 77.5 },
        { lang: 'es', sentences: 10, precision: 70, recall: 66, f1: 67.94, strictF1: 66 },
        { lang: 'de', sentences: 10, precision: 72, recall: 69, f1: 70.47, strictF1: 69.9 },
      ],
      subsets: { ambiguous: 58.3, [`odd ${HOSTILE}`]: 12.5 },
    },
    sentences: {
      sentences: [
        {
          id: 's1',
          lang: 'en',
          tokens: sentenceText.s1!,
          gold: ['B-PER', 'O', 'B-MISC', 'O', 'B-LOC'],
          pred: ['B-LOC', 'O', 'B-MISC', 'O', 'B-LOC'],
          imageUri: blue,
          subsets: ['ambiguous'],
        },
        {
          id: 's5',
          lang: 'ar',
          tokens: sentenceText.s5!,
          gold: ['O', 'O', 'B-LOC'],
          pred: ['O', 'O', 'B-LOC'],
          imageUri: REMOTE_IMAGE,
        },
      ],
    },
    attention: {
      image: slate,
      view: {
        sentenceId: `s1${QUOTES}`,
        branch: 'vit',
        tokens: ['Jordan', HOSTILE, EMOJI, 'Paris'],
        grid: [4, 4],
        // Each token looks at one corner of the picture (cells 0, 3, 12, 15), a little elsewhere.
        weights: [0, 3, 12, 15].map((hot) => Array.from({ length: 16 }, (_, c) => (c === hot ? 0.55 : 0.03))),
        gate: [0.9, 0.1, 0.35, 0.6],
      },
    },
    alignment: {
      branch: 'vit',
      method: 'pca',
      points: ids.flatMap((id, i) => {
        const lang = ['en', 'fr', 'de', 'es', 'ar'][i]!;
        return [
          { id, lang, kind: 'text' as const, x: i * 2, y: i % 2 === 0 ? 1 : 3 },
          { id, lang, kind: 'image' as const, x: i * 2 + 1.2, y: i % 2 === 0 ? 4 : 0.5 },
        ];
      }),
      sentences: Object.fromEntries(
        ids.map((id, i) => [
          id,
          { tokens: sentenceText[id]!, ...(i < 2 ? { imageUri: i === 0 ? blue : green } : {}) },
        ]),
      ),
    },
    errors: {
      errors: [
        {
          sentenceId: 's1',
          lang: 'en',
          class: 'wrong-type',
          gold: { type: 'PER', start: 0, end: 1 },
          pred: { type: 'LOC', start: 0, end: 1 },
        },
        { sentenceId: `s2${QUOTES}`, lang: 'fr', class: 'missed', gold: { type: 'ORG', start: 0, end: 1 } },
        { sentenceId: 's3', lang: 'de', class: 'spurious', pred: { type: 'LOC', start: 3, end: 4 } },
        {
          sentenceId: 's4',
          lang: 'es',
          class: 'wrong-boundary',
          gold: { type: 'LOC', start: 3, end: 4 },
          pred: { type: 'LOC', start: 2, end: 4 },
        },
        { sentenceId: 's5', lang: 'ar', class: 'missed', gold: { type: 'LOC', start: 2, end: 3 } },
      ],
      tokens: sentenceText,
    },
    misaligned: {
      pairs: [
        { sentenceId: 's3', lang: 'de', branch: 'vit', cosine: 0.12, changedByImage: true },
        { sentenceId: 's1', lang: 'en', branch: 'vit', cosine: -0.08 },
        { sentenceId: 's4', lang: 'es', branch: 'resnet', cosine: 0.31, changedByImage: false },
        { sentenceId: `s2${QUOTES}`, lang: 'fr', branch: 'resnet', cosine: 0.02 },
      ],
      tokens: sentenceText,
      images: { s1: blue, s3: green, s4: REMOTE_IMAGE },
    },
    progress: {
      step: 10,
      totalSteps: 100,
      epoch: 1,
      loss: 1.23456,
      devF1: 41.5,
      examplesPerSec: 12.5,
      etaSec: 754,
      state: 'running',
    },
    progressDone: {
      step: 100,
      totalSteps: 100,
      epoch: 8,
      loss: 0.31,
      devF1: 72.25,
      examplesPerSec: 13.1,
      etaSec: 0,
      state: 'done',
    },
  };
}
