/**
 * `mmner data stats PATH`: counts of a dataset per language and split (sentences, tokens,
 * entities per type, subset sizes such as the ambiguous subset, images found and missing), as
 * a table or JSON. Reads through the shared dataset loader; problems are counted, not hidden.
 */
import { resolve } from 'node:path';
import { findManifest, loadDataset } from '../../core/data/dataset.node.js';
import { countProblems } from '../../core/data/problems.js';
import { computeStats, formatStatsTable } from '../../core/data/stats.js';
import { MmnerError } from '../../core/errors.js';
import { type Command, parseCommandArgs } from '../command.js';

const NAME = 'data stats';

export const dataStats: Command = {
  name: NAME,
  summary: 'Counts per language, split and entity type; subset sizes (e.g. ambiguous)',
  usage: `Usage: mmner data stats PATH [--json]

PATH is a dataset manifest (dataset.json) or a folder holding one. Prints one row per language
and split, then totals: sentences, tokens, entities per type (PER, LOC, ORG, MISC, and any other
type found), the size of each subset of the manifest (the sample's ambiguous and unrelated-image),
and images found and missing. Exit 1 when the dataset has errors (mmner data validate lists them).

Options:
  --json   the same numbers as JSON

Example:
  mmner data stats data/sample
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(NAME, argv, { json: { type: 'boolean' } });
    if (positionals.length !== 1) {
      throw new MmnerError('E_USAGE', positionals.length === 0 ? 'PATH is required' : 'give one PATH', {
        hint: `e.g. mmner ${NAME} data/sample; see: mmner ${NAME} --help`,
      });
    }
    const path = resolve(io.cwd, positionals[0]!);
    const manifestPath = await findManifest(path);
    if (!manifestPath) {
      throw new MmnerError('E_NO_MANIFEST', `no dataset manifest at ${path}`, {
        hint: 'give a dataset.json or a folder holding one (mmner data sample --out DIR writes one)',
      });
    }
    const loaded = await loadDataset(manifestPath, { mode: 'collect' });
    const stats = computeStats({
      name: loaded.manifest.name,
      splits: loaded.splits,
      subsets: loaded.subsets,
      foundImages: new Set(loaded.imagePaths.keys()),
    });
    const { errors, warnings } = countProblems(loaded.problems);
    if (values.json) {
      io.out(
        `${JSON.stringify({ manifest: manifestPath, ...stats, problems: { errors, warnings } }, null, 2)}\n`,
      );
    } else {
      io.out(`${stats.name} (${manifestPath})\n\n${formatStatsTable(stats)}`);
    }
    if (errors + warnings > 0) {
      io.err(
        `mmner: the dataset has ${errors} error(s) and ${warnings} warning(s); the counts cover what could be read\n` +
          `  mmner data validate ${positionals[0]} lists them\n`,
      );
    }
    return errors > 0 ? 1 : 0;
  },
};
