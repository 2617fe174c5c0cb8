/**
 * Writes a report folder: `charts/*.svg` and `*.png`, `images/` thumbnails, `attention/` heatmaps,
 * then `index.html` last. Each file is written atomically (temp + rename), so a reader sees a
 * complete old or new file, and the page only names files that are already there. Only the files
 * of the report are touched: the folder may hold other things.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { MmnerError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/run/atomicWrite.node.js';
import { attentionHeatmapPng, type HeatmapOptions, readImageSource } from './attention.node.js';
import { buildReport } from './build.js';
import type { ReportModel } from './model.js';
import { renderChartSvg, svgToPng } from './render.node.js';

export interface WriteReportOptions {
  /** Folder that relative image paths of the model resolve against (default the working folder). */
  imageRoot?: string;
  /** PNG density for charts (default 144 DPI, 2× the SVG size). */
  density?: number;
  /** Longest side of image thumbnails in pixels (default 256). */
  thumbnailSize?: number;
  heatmap?: HeatmapOptions;
}

export interface WrittenReport {
  /** Absolute paths. */
  dir: string;
  index: string;
  charts: string[];
  images: string[];
  heatmaps: string[];
}

async function thumbnail(bytes: Buffer, size: number, source: string): Promise<Buffer> {
  try {
    return await sharp(bytes)
      .rotate()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .png({ compressionLevel: 9 })
      .toBuffer();
  } catch (e) {
    throw new MmnerError('E_REPORT_IMAGE', `cannot decode the image (${(e as Error).message})`, {
      file: source.startsWith('data:') ? 'data URI' : source,
      cause: e,
    });
  }
}

export async function writeReport(
  model: ReportModel,
  outDir: string,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const { html, assets } = buildReport(model);
  const dir = resolve(outDir);
  const root = options.imageRoot ?? '.';
  for (const sub of ['charts', 'images', 'attention']) await mkdir(join(dir, sub), { recursive: true });
  const put = async (file: string, data: string | Uint8Array) => {
    const path = join(dir, file);
    await writeFileAtomic(path, data, { durable: false });
    return path;
  };

  const charts: string[] = [];
  for (const chart of assets.charts) {
    const svg = await renderChartSvg(chart.spec);
    charts.push(
      await put(chart.svg, svg),
      await put(chart.png, await svgToPng(svg, { density: options.density ?? 144 })),
    );
  }

  const sources = new Map<string, Promise<Buffer>>();
  const read = (src: string) => {
    if (!sources.has(src)) sources.set(src, readImageSource(src, root));
    return sources.get(src)!;
  };
  const images = await Promise.all(
    assets.images.map(async (img) =>
      put(img.file, await thumbnail(await read(img.source), options.thumbnailSize ?? 256, img.source)),
    ),
  );
  const heatmaps = await Promise.all(
    assets.heatmaps.map(async (h) =>
      put(
        h.file,
        await attentionHeatmapPng(
          h.image === undefined ? undefined : await read(h.image),
          h.weights,
          h.grid,
          options.heatmap,
        ),
      ),
    ),
  );

  // Last, and durable: the page appears only once everything it names is in place.
  const index = join(dir, 'index.html');
  await writeFileAtomic(index, html);
  return { dir, index, charts, images, heatmaps };
}
