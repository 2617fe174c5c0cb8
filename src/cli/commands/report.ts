/**
 * `mmner report`: a self-contained static report of a run — per-language F1, comparison with a
 * text-only run, training curves, confusion, errors with their images, image helped / hurt,
 * contrastive alignment, attention maps and misaligned pairs — as index.html with SVG/PNG charts.
 */
import { type Command, choiceOption, noPositionals, parseCommandArgs, required } from '../command.js';
import { reportRun } from '../report.node.js';

const NAME = 'report';

export const report: Command = {
  name: NAME,
  summary: 'Write a static HTML report of a run (charts, errors, alignment, attention)',
  usage: `Usage: mmner report --run runs/NAME [--compare runs/OTHER] [--split test] [--out DIR]
                    [--data DIR] [--projection pca|umap]

Reads runs/NAME/eval/<split>.json (run \`mmner eval\` first; \`mmner train\` writes dev and
test), its inspection views and training events, and writes DIR/index.html (default
runs/NAME/report) with charts as SVG and PNG, image thumbnails and attention heatmaps. Open it in
any browser; it loads nothing from the network.

Options:
  --run DIR        the run to report on (multimodal, for alignment and attention)
  --compare DIR    a text-only run on the same data: side-by-side F1, image helped / hurt
  --split S        the evaluated split (default test)
  --out DIR        where to write (default runs/NAME/report)
  --data DIR       the dataset holding the images, if it moved since training
  --projection P   the alignment map: pca (default, fast) or umap

Example:
  mmner report --run runs/demo/multimodal --compare runs/demo/text-only
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      run: { type: 'string' },
      compare: { type: 'string' },
      split: { type: 'string' },
      out: { type: 'string' },
      data: { type: 'string' },
      projection: { type: 'string' },
    });
    noPositionals(NAME, positionals);
    const written = await reportRun(required(NAME, 'run', values.run), {
      ...(values.compare ? { compare: values.compare } : {}),
      ...(values.split ? { split: values.split } : {}),
      ...(values.out ? { out: values.out } : {}),
      ...(values.data ? { data: values.data } : {}),
      projection: choiceOption(NAME, 'projection', values.projection, ['pca', 'umap'] as const, 'pca'),
      log: (line) => io.err(`${line}\n`),
    });
    io.out(
      `wrote ${written.index}\n  ${written.charts.length} chart files, ${written.images.length} images, ${written.heatmaps.length} attention maps\n`,
    );
    return 0;
  },
};
