/**
 * `mmner eval`: scores a run's selected (best-on-dev) checkpoint on one split, writes
 * `runs/NAME/eval/<split>.json` (per-sentence tokens, gold, prediction, image id; metrics per
 * language, type and subset) and prints the per-language table.
 */
import { type Command, noPositionals, parseCommandArgs, required } from '../command.js';
import { featureOptions } from '../featureOptions.js';
import { backendOption } from '../options.js';
import { evalRun } from '../runs.node.js';
import { formatLanguageTable } from '../tables.js';

const NAME = 'eval';

export const evaluate: Command = {
  name: NAME,
  summary: "Score a run's best checkpoint on a split; write eval/<split>.json",
  usage: `Usage: mmner eval --run runs/NAME [--split test] [--data DIR] [--backend B] [--json]
                  [--feature-cache DIR] [--onnx-provider P]

Scores the checkpoint that dev selected (checkpoints/best.safetensors; the latest valid one if
the run has none yet) on a split of the run's dataset, writes runs/NAME/eval/<split>.json and
prints P/R/F1 per language (conlleval), strict IOB2 F1, and F1 on each named subset.

Options:
  --run DIR     the run folder (written by mmner train)
  --split S     the split to score (default test)
  --data DIR    another dataset (manifest or folder) instead of the run's own
  --backend B   wasm (default), cpu, webgpu, tensorflow or auto
  --json        print the metrics as JSON instead of the table
  --feature-cache DIR  for runs with ONNX image branches: the feature cache (default:
                .mmner-cache/features beside the runs folder)
  --onnx-provider P    auto (default), cuda, webgpu or cpu, for those branches' exports

Example:
  mmner eval --run runs/tiny --split test
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      run: { type: 'string' },
      split: { type: 'string' },
      data: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
      'feature-cache': { type: 'string' },
      'onnx-provider': { type: 'string' },
    });
    noPositionals(NAME, positionals);
    const runPath = required(NAME, 'run', values.run);
    const split = values.split ?? 'test';
    const { report, opened } = await evalRun(runPath, split, {
      ...(values.data ? { data: values.data } : {}),
      backend: backendOption(NAME, values.backend),
      ...featureOptions(NAME, values),
      log: (line) => io.err(`${line}\n`),
    });
    if (values.json) {
      io.out(`${JSON.stringify(report.metrics, null, 2)}\n`);
    } else {
      io.out(formatLanguageTable(report));
      io.out(
        `\ncheckpoint: ${opened.checkpoint}; wrote ${opened.run.relative(opened.run.file('eval', `${split}.json`))}\n`,
      );
    }
    return 0;
  },
};
