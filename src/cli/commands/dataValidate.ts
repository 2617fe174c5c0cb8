/**
 * `mmner data validate PATH`: every problem of a data file or a dataset manifest, one line each
 * (`file:line: error CODE: message (hint)`), repetitive ones folded, then a summary. Exit 1 when
 * there is an error, 0 otherwise: warnings (BOM, CRLF, stray I- tags…) do not fail.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { findManifest, loadDataset, type SplitStats } from '../../core/data/dataset.node.js';
import {
  checkImages,
  type ImageToCheck,
  indexImageFolder,
  reportMissingFolder,
  resolveImages,
} from '../../core/data/images.node.js';
import { DatasetFormat, type MissingImagePolicy, parseTypeMap } from '../../core/data/manifest.js';
import { countProblems, type DataProblem, n, ProblemCollector } from '../../core/data/problems.js';
import { readDataFile } from '../../core/data/readFile.node.js';
import type { ReadOptions } from '../../core/data/readOptions.js';
import { formatProblem, MmnerError } from '../../core/errors.js';
import { TAG_SCHEMES } from '../../core/schemes/tags.js';
import { type Command, choiceOption, intOption, parseCommandArgs } from '../command.js';
import type { CliIO } from '../io.js';

const NAME = 'data validate';
const FORMATS = Object.values(DatasetFormat);
const FILE_ONLY = [
  'format',
  'scheme',
  'type-map',
  'types',
  'tag-column',
  'token-column',
  'lang',
  'images',
  'missing-images',
];

const OPTIONS = {
  format: { type: 'string' },
  scheme: { type: 'string' },
  'type-map': { type: 'string', multiple: true },
  types: { type: 'string' },
  'tag-column': { type: 'string' },
  'token-column': { type: 'string' },
  lang: { type: 'string' },
  images: { type: 'string' },
  'missing-images': { type: 'string' },
  'check-images': { type: 'boolean' },
  'max-line-length': { type: 'string' },
  max: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** What was read, for the report. */
interface FileSummary {
  file: string;
  format: string;
  notes: string[];
  sentences: number;
  tokens: number;
  entities: Record<string, number>;
  split?: string;
  lang?: string;
  images?: { found: number; blank: number; none: number };
}

export const dataValidate: Command = {
  name: NAME,
  summary: 'List every problem in a dataset file or manifest',
  usage: `Usage: mmner data validate PATH [options]

PATH is a data file (IMGID-CoNLL, CoNLL or JSONL; the format is detected from the first lines)
or a dataset manifest (dataset.json, or a folder holding one). Every problem is listed as
file:line: error|warning CODE: message (what to do), then a summary line.

Options for a data file (a manifest states these itself):
  --format F            imgid-conll | conll | jsonl (default: detected)
  --scheme S            the file's tag scheme: IOB1 | IOB2 | BIOES (default IOB2)
  --type-map A=B        rename entity types on reading, e.g. OTHER=MISC (repeatable)
  --types T,T,...       known entity types (after the type map); others are errors
  --tag-column N        CoNLL: tag column counted from 0 (default: the last)
  --token-column N      CoNLL: token column (default 0, or 1 when column 0 numbers tokens)
  --lang L              language of the sentences (default und)
  --images DIR          look each sentence's image up in DIR (<id>.jpg, .png, …)
  --missing-images P    error | blank: a missing image is an error, or counted (default error)
Options for both:
  --check-images        decode every image found (with --images, or the manifest's folder)
  --max-line-length N   longer lines are errors (default 1048576 characters)
  --max N               print at most N problems per code and file (default 20; 0: all)
  --json                print the report as JSON

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 bad usage or unreadable PATH.

Example: mmner data validate ../shared/data/twitter2015/test.txt --type-map OTHER=MISC
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(NAME, argv, OPTIONS);
    if (positionals.length !== 1) {
      throw new MmnerError('E_USAGE', `expected one PATH, got ${positionals.length}`, {
        hint: `See: mmner ${NAME} --help`,
      });
    }
    const arg = positionals[0]!;
    const path = isAbsolute(arg) ? arg : relative(process.cwd(), resolve(io.cwd, arg)) || '.';
    const maxShown = intOption(NAME, 'max', values.max, 20);
    const maxLineLength =
      values['max-line-length'] === undefined
        ? undefined
        : intOption(NAME, 'max-line-length', values['max-line-length'], 0);
    // --format says PATH is a data file (a JSONL file may be named .json).
    const manifest = values.format ? undefined : await findManifest(path);
    let files: FileSummary[];
    let problems: DataProblem[];
    let splits: Record<string, SplitStats> | undefined;
    if (manifest) {
      const given = FILE_ONLY.filter((o) => values[o as keyof typeof values] !== undefined);
      if (given.length > 0) {
        throw new MmnerError(
          'E_USAGE',
          `--${given.join(', --')} apply to data files; the manifest ${manifest} states them`,
          {
            hint: 'edit the manifest, or validate one data file',
          },
        );
      }
      const ds = await loadDataset(manifest, {
        mode: 'collect',
        checkImages: values['check-images'] === true,
        ...(maxLineLength !== undefined ? { maxLineLength } : {}),
      });
      problems = ds.problems;
      files = ds.files.map((f) => ({
        file: f.file,
        format: f.format,
        notes: f.notes,
        sentences: f.stats.sentences,
        tokens: f.stats.tokens,
        entities: f.stats.entities,
        split: f.split,
        lang: f.entry.lang,
      }));
      splits = ds.stats;
    } else {
      ({ files, problems } = await validateFile(path, values, maxLineLength));
    }
    const { errors, warnings } = countProblems(problems);
    const sentences = files.reduce((s, f) => s + f.sentences, 0);
    const tokens = files.reduce((s, f) => s + f.tokens, 0);
    if (values.json) {
      io.out(
        `${JSON.stringify({ path, manifest: manifest ?? null, files, problems, summary: { sentences, tokens, errors, warnings } }, null, 2)}\n`,
      );
    } else {
      printReport(io, files, splits, problems, maxShown);
      io.out(
        `${n(sentences)} sentences, ${n(tokens)} tokens, ${n(errors)} ${errors === 1 ? 'error' : 'errors'}, ${n(warnings)} ${warnings === 1 ? 'warning' : 'warnings'}\n`,
      );
    }
    return errors > 0 ? 1 : 0;
  },
};

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

async function validateFile(
  path: string,
  values: Values,
  maxLineLength: number | undefined,
): Promise<{ files: FileSummary[]; problems: DataProblem[] }> {
  const opts: Partial<ReadOptions> = { mode: 'collect' };
  if (values.format) opts.format = choiceOption(NAME, 'format', values.format, FORMATS, 'imgid-conll');
  if (values.scheme) opts.scheme = choiceOption(NAME, 'scheme', values.scheme, TAG_SCHEMES, 'IOB2');
  if (values['type-map']) {
    try {
      opts.typeMap = parseTypeMap(values['type-map']);
    } catch (e) {
      throw new MmnerError('E_USAGE', `--type-map: ${(e as Error).message}`, {
        hint: `See: mmner ${NAME} --help`,
      });
    }
  }
  if (values.types)
    opts.types = values.types
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  if (values['tag-column'] !== undefined) opts.tagColumn = nonNegative('tag-column', values['tag-column']);
  if (values['token-column'] !== undefined)
    opts.tokenColumn = nonNegative('token-column', values['token-column']);
  if (values.lang) opts.lang = values.lang;
  if (maxLineLength !== undefined) opts.maxLineLength = maxLineLength;
  const policy: MissingImagePolicy = choiceOption(
    NAME,
    'missing-images',
    values['missing-images'],
    ['error', 'blank'],
    'error',
  );
  if (values['check-images'] && !values.images) {
    throw new MmnerError('E_USAGE', '--check-images needs the image folder: --images DIR', {
      hint: 'a manifest names its image folder itself',
    });
  }
  const result = await readDataFile(path, opts);
  const summary: FileSummary = {
    file: path,
    format: result.format,
    notes: result.notes,
    sentences: result.stats.sentences,
    tokens: result.stats.tokens,
    entities: result.stats.entities,
  };
  const problems = new ProblemCollector('collect');
  problems.addAll(result.problems);
  if (values.images) {
    const index = await indexImageFolder(values.images, problems);
    const withImage = result.sentences.filter((s) => s.image !== undefined).length;
    reportMissingFolder(index, policy, withImage, problems, { file: path });
    const r = resolveImages(result.sentences, index, policy, problems);
    summary.images = { found: r.found, blank: r.blank, none: r.none };
    if (values['check-images']) {
      const toCheck = new Map<string, ImageToCheck>();
      for (const s of result.sentences) {
        const p = s.image !== undefined ? r.paths.get(s.image) : undefined;
        if (p && !toCheck.has(p)) toCheck.set(p, { path: p, ...(s.source ?? {}) });
      }
      await checkImages([...toCheck.values()], problems);
    }
  }
  return { files: [summary], problems: problems.finish() };
}

function imageLine(c: { found: number; blank: number; none: number }): string {
  return `${n(c.found)} found, ${n(c.blank)} blank, ${n(c.none)} sentences name none`;
}

function nonNegative(name: string, value: string): number {
  const v = intOption(NAME, name, value, 0);
  if (v < 0)
    throw new MmnerError('E_USAGE', `--${name} counts columns from 0; got ${v}`, {
      hint: `See: mmner ${NAME} --help`,
    });
  return v;
}

/** Notes, then problems in file and line order with at most `maxShown` per code and file. */
function printReport(
  io: CliIO,
  files: readonly FileSummary[],
  splits: Record<string, SplitStats> | undefined,
  problems: readonly DataProblem[],
  maxShown: number,
): void {
  for (const f of files) {
    const where = f.split ? ` [${f.split}, ${f.lang}]` : '';
    const types = Object.entries(f.entities)
      .sort((a, b) => b[1] - a[1])
      .map(([t, c]) => `${t} ${n(c)}`)
      .join(', ');
    io.out(
      `${f.file}${where}: ${n(f.sentences)} sentences, ${n(f.tokens)} tokens${types ? `; entities ${types}` : ''}\n`,
    );
    for (const note of f.notes) io.out(`  note: ${note}\n`);
    if (f.images) io.out(`  images: ${imageLine(f.images)}\n`);
  }
  for (const [split, st] of Object.entries(splits ?? {})) {
    const langs = Object.entries(st.languages)
      .map(([l, c]) => `${l} ${n(c)}`)
      .join(', ');
    io.out(
      `split ${split}: ${n(st.sentences)} sentences (${langs}), ${n(st.tokens)} tokens; images ${imageLine(st.images)}\n`,
    );
  }
  const order = new Map(files.map((f, i) => [f.file, i]));
  const sorted = problems
    .map((p, i) => ({ p, i }))
    .sort((x, y) => {
      const fx = order.get(x.p.file ?? '') ?? -1;
      const fy = order.get(y.p.file ?? '') ?? -1;
      return fx - fy || (x.p.line ?? 0) - (y.p.line ?? 0) || x.i - y.i;
    })
    .map((x) => x.p);
  const shown = new Map<string, number>();
  const hidden = new Map<string, { file?: string; code: string; count: number }>();
  for (const p of sorted) {
    const key = `${p.file ?? ''}\u0000${p.code}`;
    const k = (shown.get(key) ?? 0) + 1;
    shown.set(key, k);
    if (maxShown > 0 && k > maxShown) {
      const h = hidden.get(key) ?? { code: p.code, count: 0, ...(p.file ? { file: p.file } : {}) };
      h.count += p.count;
      hidden.set(key, h);
      continue;
    }
    io.out(`${formatProblem(p)}\n`);
  }
  for (const h of hidden.values()) {
    io.out(`${h.file ? `${h.file}: ` : ''}… ${n(h.count)} more ${h.code} not shown (--max 0 lists all)\n`);
  }
}
