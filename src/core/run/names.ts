/**
 * Names that become paths inside a run folder (run names, eval splits, checkpoint files), checked
 * so that none can reach outside its folder: no separators, no `.`/`..`, no absolute paths, no
 * control characters. Browser-safe.
 */
import { MmnerError } from '../errors.js';

/** Letters, digits, `.`, `_`, `-`; starts with a letter or digit; at most 128 characters. */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Returns `name` if it is a safe single path segment, else throws `E_UNSAFE_NAME`.
 * @example checkSafeName('tiny-en.1', 'run name') // → 'tiny-en.1'; checkSafeName('../x', 'run name') throws
 */
export function checkSafeName(name: string, what: string): string {
  if (typeof name !== 'string' || !SAFE_NAME.test(name) || name.includes('..')) {
    throw new MmnerError('E_UNSAFE_NAME', `${what} ${JSON.stringify(name)} is not a plain name`, {
      hint: `use 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit, no "..", no "/" or "\\"`,
    });
  }
  return name;
}
