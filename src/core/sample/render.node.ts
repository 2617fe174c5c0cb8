/**
 * Rasterises a sample scene (SVG text) to PNG bytes with sharp/librsvg: RGB without alpha and
 * without metadata, so the same SVG always gives the same bytes with the same sharp build.
 */
import sharp from 'sharp';

export async function renderScenePng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 })
    .removeAlpha()
    .png({ compressionLevel: 9, adaptiveFiltering: false, palette: false })
    .toBuffer();
}
