/**
 * Image lookup by id, the browser-safe half: which file names hold which image id. An id may
 * itself hold dots and commas (`03433732---81KcMoDB8YL._SR500,500_`), so only a known image
 * extension at the very end is taken off.
 */

/** Extensions tried for `<id>.<ext>`, matched case-insensitively; earlier ones win a tie. */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'bmp', 'tif', 'tiff'] as const;
export type ImageExtension = (typeof IMAGE_EXTENSIONS)[number];

/** The image id a file name holds (`1015799.JPG` → `1015799`), or undefined if it is no image. */
export function imageIdOfFileName(name: string): { id: string; ext: ImageExtension } | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ext = name.slice(dot + 1).toLowerCase();
  return (IMAGE_EXTENSIONS as readonly string[]).includes(ext)
    ? { id: name.slice(0, dot), ext: ext as ImageExtension }
    : undefined;
}

/** Counts of a lookup: sentences whose image file was found, and those given a blank image. */
export interface ImageCounts {
  found: number;
  blank: number;
  /** Sentences that name no image at all (CoNLL files, JSONL with image null). */
  none: number;
}
