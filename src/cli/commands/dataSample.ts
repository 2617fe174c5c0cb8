/**
 * `mmner data sample`: writes the embedded multilingual multimodal sample dataset (IMGID-CoNLL,
 * images, manifest, subsets) to a folder, deterministically from a seed; optionally a contact
 * sheet of its images for the docs.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { MmnerError } from '../../core/errors.js';
import { renderContactSheet } from '../../core/sample/contactSheet.node.js';
import { generateSample, SAMPLE_SIZE_NAMES, type SampleSize } from '../../core/sample/generate.js';
import { writeSample } from '../../core/sample/write.node.js';
import { type Command, choiceOption, intOption, parseCommandArgs } from '../command.js';

const NAME = 'data sample';

function shareOption(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (!(x >= 0 && x <= 0.9)) {
    throw new MmnerError('E_USAGE', `--unrelated must be a share between 0 and 0.9, got '${value}'`, {
      hint: `See: mmner ${NAME} --help`,
    });
  }
  return x;
}

export const dataSample: Command = {
  name: NAME,
  summary: 'Write the embedded multilingual multimodal sample dataset',
  usage: `Usage: mmner data sample --out DIR [--seed N] [--size small|medium] [--unrelated SHARE] [--force]
                         [--contact-sheet PNG]

Writes a synthetic dataset in en/fr/de/es with PER/LOC/ORG/MISC in IOB2: DIR/dataset.json,
DIR/<lang>/{train,dev,test}.txt (IMGID-CoNLL), one 96×96 PNG per sentence in DIR/images/,
DIR/subsets/ambiguous.txt (sentences only the image resolves) and DIR/subsets/unrelated-image.txt.
The same seed and size give byte-identical files.

Options:
  --out DIR            folder to write (new, empty, or an earlier sample)
  --seed N             integer seed (default 1)
  --size SIZE          small: 300/60/100 sentences per language for train/dev/test (default);
                       medium: 5× that; tiny: 30/10/16, for tests
  --unrelated SHARE    share of sentences with an entity whose image is unrelated (default 0.15)
  --force              write into a non-empty folder that is not an earlier sample
  --contact-sheet PNG  also write a grid of sample images with their labels

Example:
  mmner data sample --out data/sample --seed 1 --size small
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      out: { type: 'string' },
      seed: { type: 'string' },
      size: { type: 'string' },
      unrelated: { type: 'string' },
      force: { type: 'boolean' },
      'contact-sheet': { type: 'string' },
    });
    if (positionals.length > 0) {
      throw new MmnerError('E_USAGE', `unexpected argument '${positionals[0]}'`, {
        hint: `the folder goes after --out; see: mmner ${NAME} --help`,
      });
    }
    if (!values.out) {
      throw new MmnerError('E_USAGE', '--out DIR is required', {
        hint: `e.g. mmner ${NAME} --out data/sample`,
      });
    }
    const size = choiceOption<SampleSize>(NAME, 'size', values.size, SAMPLE_SIZE_NAMES, 'small');
    const seed = intOption(NAME, 'seed', values.seed, 1);
    const unrelatedShare = shareOption(values.unrelated, 0.15);
    const out = resolve(io.cwd, values.out);

    const started = performance.now();
    const ds = generateSample({ seed, size, unrelatedShare });
    let lastDrawn = -1;
    const result = await writeSample(out, ds, {
      force: values.force ?? false,
      onProgress: io.isTTY
        ? (done, total) => {
            const pct = Math.floor((100 * done) / total);
            if (pct === lastDrawn && done !== total) return;
            lastDrawn = pct;
            io.err(`\rrendering images ${done}/${total} (${pct} %)${done === total ? '\n' : ''}`);
          }
        : undefined,
    });
    if (values['contact-sheet']) {
      await writeFile(resolve(io.cwd, values['contact-sheet']), await renderContactSheet(ds));
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const ambiguous = ds.items.filter((it) => it.ambiguous).length;
    const unrelated = ds.items.filter((it) => it.unrelated).length;
    io.out(
      `wrote ${ds.name} (seed ${seed}) to ${out}: ${ds.items.length} sentences in 4 languages, ` +
        `${result.images} images, ${ambiguous} ambiguous, ${unrelated} unrelated-image, ` +
        `${(result.bytes / 1e6).toFixed(1)} MB in ${seconds} s\n`,
    );
    return 0;
  },
};
