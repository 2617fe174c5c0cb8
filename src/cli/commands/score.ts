/**
 * `mmner score`: conlleval.pl's report (same lines, same numbers) from conlleval's input, or from
 * a gold and a predicted tag file; `--strict` for seqeval-style strict entities, `--json` for the
 * result object.
 */
import { MmnerError } from '../../core/errors.js';
import { scoreConllevalFile, scoreTagFiles } from '../../core/metrics/files.node.js';
import { formatConllevalReport } from '../../core/metrics/report.js';
import { type ScoreResult, STRICT_SCHEMES } from '../../core/metrics/result.js';
import { type Command, choiceOption, parseCommandArgs } from '../command.js';

const USAGE = `Usage: mmner score [options] FILE
       mmner score [options] --gold GOLD --pred PRED

Scores entities exactly as conlleval.pl (CoNLL-2000, 2004-01-26) does and prints its report.

FILE is conlleval's input ('-' for standard input): columns split on single spaces (or on tabs
when the first line has one), the last two are the gold and the predicted tag; blank lines and
lines starting with -X- separate sentences (-DOCSTART- lines are ordinary tokens, as in
conlleval).

Options:
  --gold G, --pred P   two tag files instead of FILE (CoNLL columns or IMGID-CoNLL; the last
                       column is the tag); tokens and sentence breaks must line up
  --strict             strict entities (seqeval mode='strict'): only B-X I-X... count
  --scheme S           strict mode's scheme: IOB2 (default) or BIOES
  --json               print the result object as JSON instead of the report
  --delimiter D        column separator of FILE: space, tab, or one character (default: detect)
  --raw                conlleval -r: tags without B-/I- prefixes, one token per entity
  --outside-tag T      conlleval -o: the outside tag of --raw input (default O)

Example:
  mmner score predictions.txt
  mmner score --strict --gold data/test.txt --pred runs/x/test.pred.txt
`;

const DELIMITERS: Readonly<Record<string, string>> = { space: ' ', tab: '\t', '\\t': '\t' };

export const score: Command = {
  name: 'score',
  summary: 'Score predictions exactly as conlleval does (or strict IOB2)',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('score', argv, {
      gold: { type: 'string' },
      pred: { type: 'string' },
      strict: { type: 'boolean' },
      scheme: { type: 'string' },
      json: { type: 'boolean' },
      delimiter: { type: 'string' },
      raw: { type: 'boolean' },
      'outside-tag': { type: 'string' },
    });
    const usage = (detail: string) => new MmnerError('E_USAGE', detail, { hint: 'See: mmner score --help' });
    const scheme = choiceOption('score', 'scheme', values.scheme, STRICT_SCHEMES, 'IOB2');
    if (values.scheme !== undefined && !values.strict) throw usage('--scheme only applies with --strict');
    const mode = values.strict ? 'strict' : 'conlleval';
    const twoFiles = values.gold !== undefined || values.pred !== undefined;

    let result: ScoreResult;
    if (twoFiles) {
      if (values.gold === undefined || values.pred === undefined)
        throw usage('--gold and --pred go together');
      if (positionals.length > 0) throw usage('give either FILE or --gold/--pred, not both');
      if (values.delimiter !== undefined || values.raw || values['outside-tag'] !== undefined) {
        throw usage('--delimiter, --raw and --outside-tag apply to FILE, not to --gold/--pred');
      }
      result = scoreTagFiles(values.gold, values.pred, { mode, scheme });
    } else {
      if (positionals.length !== 1) throw usage('give one FILE (or --gold G --pred P)');
      if (values['outside-tag'] !== undefined && !values.raw) {
        throw usage('--outside-tag only applies with --raw (as conlleval -o)');
      }
      let delimiter: string | undefined;
      if (values.delimiter !== undefined) {
        delimiter = Object.hasOwn(DELIMITERS, values.delimiter)
          ? DELIMITERS[values.delimiter]!
          : values.delimiter;
        if (delimiter.length !== 1)
          throw usage(`--delimiter must be space, tab or one character; got '${values.delimiter}'`);
      }
      const { result: r, input } = scoreConllevalFile(positionals[0]!, {
        mode,
        scheme,
        delimiter,
        raw: values.raw === true,
        outsideTag: values['outside-tag'],
      });
      result = r;
      if (input.crLines > 0) {
        // Not an error: conlleval reads such files too, with the CR as part of the last tag.
        io.err(
          `mmner: warning: ${input.crLines} line(s) end in CR (Windows line ends); conlleval keeps the CR ` +
            `in the predicted tag, and so does this report. Convert with dos2unix for meaningful scores.\n`,
        );
      }
    }
    io.out(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatConllevalReport(result));
    return 0;
  },
};
