/**
 * Image lookup on disk: index an image folder once (id → file), resolve each sentence's image
 * under the dataset's missing-image policy (`error`, or `blank` and counted), and, on request,
 * open every found image with sharp to catch unreadable or corrupt files before training does.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { escapesTo, outsideMessage } from '../confine.node.js';
import { MmnerError } from '../errors.js';
import type { Sentence } from '../types.js';
import { IMAGE_EXTENSIONS, type ImageCounts, imageIdOfFileName } from './images.js';
import type { MissingImagePolicy } from './manifest.js';
import { atLines, DataCode, n, type ProblemCollector } from './problems.js';

export interface ImageIndex {
  dir: string;
  /** Image id → file path (dir joined with the file name). */
  byId: Map<string, string>;
  /** False when the folder does not exist. */
  exists: boolean;
}

export interface IndexOptions {
  /**
   * Image files that are symbolic links must lead inside this folder (the dataset's); one that
   * leads outside is an error (reported at `file`:`line`, the manifest's images.dir) and left out.
   */
  confineTo?: string;
  file?: string;
  line?: number;
}

/** Lists an image folder; a missing folder gives an empty index with `exists: false`. */
export async function indexImageFolder(
  dir: string,
  problems?: ProblemCollector,
  options: IndexOptions = {},
): Promise<ImageIndex> {
  let names: string[];
  const links = new Set<string>();
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.map((e) => e.name);
    for (const e of entries) if (e.isSymbolicLink()) links.add(e.name);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { dir, byId: new Map(), exists: false };
    throw e;
  }
  const rank = (ext: string) => IMAGE_EXTENSIONS.indexOf(ext as (typeof IMAGE_EXTENSIONS)[number]);
  const byId = new Map<string, string>();
  const chosenExt = new Map<string, string>();
  for (const name of names.sort()) {
    const parsed = imageIdOfFileName(name);
    if (!parsed) continue;
    // Only links can lead elsewhere; plain files in a folder inside are inside.
    if (options.confineTo !== undefined && links.has(name)) {
      const path = join(dir, name);
      const real = await escapesTo(options.confineTo, path);
      if (real !== undefined) {
        const { message, hint } = outsideMessage(options.confineTo, path, real, {
          what: 'image',
          folder: 'the dataset folder',
        });
        const where = {
          hint,
          ...(options.file !== undefined ? { file: options.file } : {}),
          ...(options.line !== undefined ? { line: options.line } : {}),
        };
        if (problems) problems.error(DataCode.pathOutside, message, where);
        else throw new MmnerError(DataCode.pathOutside, message, where);
        continue;
      }
    }
    const had = chosenExt.get(parsed.id);
    if (had !== undefined) {
      problems?.fold(
        DataCode.imageAmbiguous,
        { file: dir, hint: `the first of ${IMAGE_EXTENSIONS.join(', ')} is used` },
        (c) => `${n(c)} image ids have files with several extensions (e.g. '${parsed.id}')`,
      );
      if (rank(had) <= rank(parsed.ext)) continue;
    }
    chosenExt.set(parsed.id, parsed.ext);
    byId.set(parsed.id, join(dir, name));
  }
  return { dir, byId, exists: true };
}

/**
 * Finds each sentence's image in the index. Policy `error`: a missing file is an error naming
 * the sentence and the folder; `blank`: counted, and reported once as a folded warning.
 */
export function resolveImages(
  sentences: readonly Sentence[],
  index: ImageIndex,
  policy: MissingImagePolicy,
  problems: ProblemCollector,
): ImageCounts & { paths: Map<string, string> } {
  const counts = { found: 0, blank: 0, none: 0, paths: new Map<string, string>() };
  if (!index.exists) {
    // The caller reports the missing folder once (missingFolderProblem); here only counts.
    for (const s of sentences) {
      if (s.image === undefined) counts.none++;
      else if (policy === 'blank') counts.blank++;
    }
    return counts;
  }
  for (const s of sentences) {
    if (s.image === undefined) {
      counts.none++;
      continue;
    }
    const path = index.byId.get(s.image);
    if (path) {
      counts.found++;
      counts.paths.set(s.image, path);
      continue;
    }
    const where = { file: s.source?.file, line: s.source?.line };
    if (policy === 'error') {
      problems.error(DataCode.imageMissing, `no image file for id '${s.image}' in ${index.dir}`, {
        ...definedWhere(where),
        hint: `expected ${s.image}.<${IMAGE_EXTENSIONS.join('|')}> there; or set "missing": "blank" to use a blank image`,
      });
    } else {
      counts.blank++;
      problems.fold(
        DataCode.imageBlank,
        { ...definedWhere(where), hint: `no <image id>.<ext> for them in ${index.dir}` },
        (c, lines) =>
          `${n(c)} sentences have no image file and use a blank image (policy blank; ${atLines(lines, c)})`,
      );
    }
  }
  return counts;
}

/**
 * Reports a missing image folder once: an error under policy `error`, a warning under `blank`
 * (every image is then blank). Nothing when no sentence names an image.
 */
export function reportMissingFolder(
  index: ImageIndex,
  policy: MissingImagePolicy,
  sentencesWithImage: number,
  problems: ProblemCollector,
  where: { file?: string; line?: number },
): void {
  if (index.exists || sentencesWithImage === 0) return;
  const msg = `image folder ${index.dir} does not exist (${n(sentencesWithImage)} sentences name an image)`;
  if (policy === 'error') {
    problems.error(DataCode.imageDir, msg, {
      ...where,
      hint: 'create the folder, fix images.dir (or --images), or set "missing": "blank" to go on without images',
    });
  } else {
    problems.warning(DataCode.imageDirMissing, `${msg}; every image is blank (policy blank)`, {
      ...where,
      hint: 'the model sees no image for these sentences',
    });
  }
}

function definedWhere(w: { file?: string | undefined; line?: number | undefined }): {
  file?: string;
  line?: number;
} {
  return {
    ...(w.file !== undefined ? { file: w.file } : {}),
    ...(w.line !== undefined ? { line: w.line } : {}),
  };
}

/** One image to check, with the sentence that names it (for the message). */
export interface ImageToCheck {
  path: string;
  file?: string;
  line?: number;
}

/**
 * Decodes each image fully with sharp (headers alone miss truncated files); an unreadable or
 * corrupt one is an error naming the image path and the sentence's file:line.
 */
export async function checkImages(
  images: readonly ImageToCheck[],
  problems: ProblemCollector,
  concurrency = 4,
): Promise<{ checked: number; bad: number }> {
  let next = 0;
  let bad = 0;
  const worker = async () => {
    while (next < images.length) {
      const img = images[next++]!;
      const why = await imageProblem(img.path);
      if (!why) continue;
      bad++;
      problems.error(DataCode.imageCorrupt, `image ${img.path} cannot be read: ${why}`, {
        ...definedWhere(img),
        hint: 'replace the file with a valid JPEG/PNG/WebP/GIF/TIFF image, or delete it to use the missing-image policy',
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { checked: images.length, bad };
}

/** sharp, loaded on first use: every CLI command imports this module, few decode images. */
async function loadSharp(): Promise<typeof import('sharp').default> {
  try {
    return (await import('sharp')).default;
  } catch (e) {
    throw new MmnerError(
      'E_IMAGE_DECODER',
      `cannot load the image decoder (sharp): ${(e as Error).message}`,
      {
        hint: 'reinstall dependencies with npm install; sharp ships prebuilt binaries for common platforms',
      },
    );
  }
}

/** Why sharp cannot decode the file, or undefined when it decodes. */
export async function imageProblem(path: string): Promise<string | undefined> {
  const sharp = await loadSharp();
  try {
    const img = sharp(path, { failOn: 'truncated' });
    const meta = await img.metadata();
    if (!meta.width || !meta.height) return 'it has no size';
    await img.raw().toBuffer();
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return 'it is a folder';
    return ((e as Error).message ?? String(e)).split('\n')[0];
  }
}
