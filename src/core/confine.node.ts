/**
 * Keeping file access inside a folder. A lexical check (no `..`, no absolute path: see
 * data/manifest.ts and run/names.ts) is not enough on its own: a symbolic link inside a dataset
 * or run folder can point anywhere, and a downloaded dataset or a shared run folder may hold one.
 * Here a path counts as inside when its real location (every symlink followed, dangling ones too,
 * since a write would create their target) lies in the real location of the folder. A symlink
 * that stays inside is fine.
 */
import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MmnerError } from './errors.js';

/** Symlinks followed by hand (dangling ones) before giving up, as the OS's own limit. */
const MAX_LINKS = 40;

/**
 * The real absolute location of `path`, which need not exist: the real path of its nearest
 * existing ancestor joined with the rest. A dangling symlink is followed to where it points.
 */
export async function realLocation(path: string): Promise<string> {
  return locate(resolve(path), 0);
}

async function locate(abs: string, links: number): Promise<string> {
  try {
    return await realpath(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
  }
  const stat = await lstat(abs).catch(() => undefined);
  if (stat?.isSymbolicLink()) {
    if (links >= MAX_LINKS) throw new MmnerError('E_PATH_LOOP', `too many symbolic links at ${abs}`, {});
    return locate(resolve(dirname(abs), await readlink(abs)), links + 1);
  }
  const parent = dirname(abs);
  if (parent === abs) return abs;
  return join(await locate(parent, links), basename(abs));
}

/** Whether `inner` is `outer` or lies below it (both absolute). */
export function isInside(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  // `..x` is a name inside; only `..` as a whole first segment leaves.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Where `path` really leads when that is outside `root`'s real location; undefined when inside. */
export async function escapesTo(root: string, path: string): Promise<string | undefined> {
  const [realRoot, real] = await Promise.all([realLocation(root), realLocation(path)]);
  return isInside(realRoot, real) ? undefined : real;
}

export interface ConfineContext {
  /** What the path is, for the message: `splits.train[0].file`, `image`, `run file`. */
  what: string;
  /** The file (and line) that named the path, e.g. the manifest. */
  file?: string;
  line?: number;
  /** What the folder is, for the message: "the dataset folder", "the run folder". */
  folder?: string;
}

/** The message and hint of an escape, shared by `confine` and by collectors (data validate). */
export function outsideMessage(
  root: string,
  path: string,
  real: string,
  ctx: Pick<ConfineContext, 'what' | 'folder'>,
): { message: string; hint: string } {
  return {
    message: `${ctx.what} ${path} leads outside ${ctx.folder ?? 'its folder'} ${root} (to ${real}) through a symbolic link`,
    hint: `mmner reads and writes only inside ${ctx.folder ?? 'the folder'}; copy the file or folder in instead of linking to it, or remove the link`,
  };
}

/**
 * Returns `path` when its real location lies inside `root`'s; otherwise throws
 * `E_PATH_OUTSIDE` naming the path, where it leads, and the file and line that named it.
 * @example await confine('data/sample', 'data/sample/images/a.png', { what: 'image' }) // → the path
 */
export async function confine(root: string, path: string, ctx: ConfineContext): Promise<string> {
  const real = await escapesTo(root, path);
  if (real === undefined) return path;
  const { message, hint } = outsideMessage(root, path, real, ctx);
  throw new MmnerError('E_PATH_OUTSIDE', message, {
    hint,
    ...(ctx.file !== undefined ? { file: ctx.file } : {}),
    ...(ctx.line !== undefined ? { line: ctx.line } : {}),
  });
}
