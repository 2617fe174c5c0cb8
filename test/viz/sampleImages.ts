/**
 * Small generated pictures for the report-writing tests: a PNG with a hostile file name, a JPEG
 * and a data URI, each with shapes in known places so a screenshot shows they are real images.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { HOSTILE, QUOTES } from './fixtures.js';

function sceneSvg(background: string, width: number, height: number): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${background}"/><circle cx="${width * 0.3}" cy="${height * 0.35}" r="${height * 0.2}" fill="#ffffff"/><rect x="${width * 0.6}" y="${height * 0.55}" width="${width * 0.3}" height="${height * 0.35}" fill="#202020"/></svg>`,
  );
}

/**
 * Writes the pictures into `dir` and returns the report's image table: s1 and s4 share a PNG file
 * named with markup, s3 has a JPEG given by an absolute path, s2 a data URI.
 */
export async function sampleImages(dir: string): Promise<Record<string, string>> {
  const hostileName = `${HOSTILE}.png`;
  await writeFile(
    join(dir, hostileName),
    await sharp(sceneSvg('#3b82f6', 320, 240))
      .png()
      .toBuffer(),
  );
  const jpeg = join(dir, 'landscape.jpg');
  await writeFile(
    jpeg,
    await sharp(sceneSvg('#16a34a', 400, 200))
      .jpeg()
      .toBuffer(),
  );
  const data = await sharp(sceneSvg('#f59e0b', 120, 160))
    .png()
    .toBuffer();
  return {
    s1: hostileName,
    [`s2${QUOTES}`]: `data:image/png;base64,${data.toString('base64')}`,
    s3: jpeg,
    s4: hostileName,
  };
}
