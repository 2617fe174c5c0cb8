/**
 * A contact sheet of a sample dataset for the docs: one row of images per entity type, one of
 * ambiguous sentences (surface → type the image tells) and one of unrelated images, each with
 * its label. Labels are SVG text, so this picture (unlike the dataset) depends on the fonts.
 */
import sharp, { type OverlayOptions } from 'sharp';
import { ENTITY_TYPES } from '../types.js';
import { itemSceneSvg, type SampleDataset, type SampleItem } from './generate.js';
import { renderScenePng } from './render.node.js';
import { IMAGE_SIZE } from './scenes.js';

export interface ContactSheetOptions {
  /** Images per row (default 8). */
  columns?: number;
}

const PAD = 8;
const LABEL = 14;
const HEADER = 104;

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

/** `k` items spread evenly over the list (so every language shows up). */
function spread(items: readonly SampleItem[], k: number): SampleItem[] {
  if (items.length <= k) return items.slice();
  return Array.from({ length: k }, (_, i) => items[Math.floor((i * items.length) / k)]!);
}

export async function renderContactSheet(ds: SampleDataset, opts: ContactSheetOptions = {}): Promise<Buffer> {
  const columns = opts.columns ?? 8;
  const plain = ds.items.filter((it) => !it.ambiguous && !it.unrelated);
  const rows: { title: string; items: SampleItem[]; label: (it: SampleItem) => string }[] = [
    ...ENTITY_TYPES.map((type) => ({
      title: type,
      items: spread(
        plain.filter((it) => it.keyType === type),
        columns,
      ),
      label: (it: SampleItem) => `${it.keySurface}`,
    })),
    {
      title: 'ambiguous',
      items: spread(
        ds.items.filter((it) => it.ambiguous && !it.unrelated),
        columns,
      ),
      label: (it) => `${it.keySurface} → ${it.keyType}`,
    },
    {
      title: 'unrelated',
      items: spread(
        ds.items.filter((it) => it.unrelated),
        columns,
      ),
      label: (it) => `${it.keyType}: ${it.keySurface}`,
    },
  ];
  const cellW = IMAGE_SIZE + PAD;
  const cellH = IMAGE_SIZE + LABEL + PAD;
  const width = HEADER + columns * cellW + PAD;
  const height = rows.length * cellH + PAD;
  const tiles: OverlayOptions[] = [];
  const text: string[] = [];
  for (const [r, row] of rows.entries()) {
    const top = PAD + r * cellH;
    text.push(
      `<text x="${PAD}" y="${top + IMAGE_SIZE / 2 + 5}" font-size="14" font-weight="bold">${escapeXml(row.title)}</text>`,
    );
    for (const [c, item] of row.items.entries()) {
      const left = HEADER + c * cellW;
      tiles.push({ input: await renderScenePng(itemSceneSvg(ds, item)), left, top });
      const label = row.label(item);
      const short = label.length > 17 ? `${label.slice(0, 16)}…` : label;
      text.push(`<text x="${left}" y="${top + IMAGE_SIZE + 11}" font-size="10">${escapeXml(short)}</text>`);
    }
  }
  const overlay = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="DejaVu Sans, Arial, sans-serif" fill="#222">${text.join('')}</g></svg>`;
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([...tiles, { input: Buffer.from(overlay), left: 0, top: 0 }])
    .png({ compressionLevel: 9 })
    .toBuffer();
}
