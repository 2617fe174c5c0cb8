/**
 * Which files of a model repository to fetch. By default the ones mmner reads (config,
 * tokenizer, preprocessor, safetensors weights or ONNX exports), never the PyTorch `.bin`,
 * TensorFlow or Flax copies of the same weights, which would triple the download.
 */

/** mmner's default selection, as globs over repository paths. */
export const DEFAULT_INCLUDE: readonly string[] = [
  'config.json',
  'tokenizer.json',
  'vocab.txt',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'preprocessor_config.json',
  'model.safetensors',
  'model-*-of-*.safetensors',
  'model.safetensors.index.json',
  'onnx/*.onnx',
  // ONNX files over 2 GB keep their tensors beside them; the .onnx alone is useless.
  'onnx/*.onnx_data',
  'onnx/*.onnx.data',
];

/**
 * A glob as a RegExp over repository paths, with huggingface_hub's (fnmatch) meaning so that
 * patterns behave as with `huggingface-cli download --include`: `*` matches any characters,
 * `/` included (`*.onnx` also matches `onnx/model.onnx`), `?` one character; a trailing `/`
 * means the whole folder. mmner adds `{a,b}` (either).
 */
export function globToRegExp(glob: string): RegExp {
  const g = glob.endsWith('/') ? `${glob}*` : glob;
  let re = '';
  let braces = 0;
  for (const c of g) {
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}${')'.repeat(braces)}$`, 's');
}

/**
 * The repository paths kept by `include` (default: DEFAULT_INCLUDE) minus `exclude`, in the
 * repository's order; `unmatched` lists the user's include globs that matched nothing.
 */
export function selectFiles(
  paths: readonly string[],
  include: readonly string[] | undefined,
  exclude: readonly string[] = [],
): { selected: string[]; unmatched: string[] } {
  const inc = (include && include.length > 0 ? include : DEFAULT_INCLUDE).map((g) => ({
    re: globToRegExp(g),
  }));
  const exc = exclude.map(globToRegExp);
  const selected = paths.filter((p) => inc.some((g) => g.re.test(p)) && !exc.some((re) => re.test(p)));
  const unmatched =
    include && include.length > 0 ? include.filter((g) => !paths.some((p) => globToRegExp(g).test(p))) : [];
  return { selected, unmatched };
}

/** True for files that hold weights mmner can load. */
export function isWeights(path: string): boolean {
  return /\.safetensors$|\.onnx$/.test(path);
}

/**
 * A repository path that is safe to write under the target folder: relative, `/`-separated, no
 * `..`, no empty or hidden-control segments. The hub never sends others; a rogue server might.
 */
export function isSafeRepoPath(path: string): boolean {
  if (path.length === 0 || path.length > 1000 || path.startsWith('/') || path.includes('\\')) return false;
  if (/[\x00-\x1f]/.test(path) || /^[A-Za-z]:/.test(path)) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}
