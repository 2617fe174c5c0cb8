/**
 * `mmner models download REPO_ID --to DIR`: fetches the files mmner needs from a Hugging Face
 * model repository (see src/cli/download/), resumably and verified, with a progress bar.
 */
import { resolve } from 'node:path';
import { isMmnerError, MmnerError } from '../../core/errors.js';
import { type Command, intOption, parseCommandArgs, required } from '../command.js';
import { downloadModel } from '../download/download.js';
import { DEFAULT_ENDPOINT, normalizeEndpoint } from '../download/hub.js';
import { downloadReporter, formatBytes } from '../download/progress.js';
import { DEFAULT_INCLUDE } from '../download/select.js';

const NAME = 'models download';

export const modelsDownload: Command = {
  name: NAME,
  summary: 'Download a pretrained model from the Hugging Face hub into a folder (resumable, verified)',
  usage: `Usage: mmner models download REPO_ID --to DIR [--revision R] [--include GLOB]... [--exclude GLOB]...
                              [--endpoint URL] [--timeout SEC] [--retries N] [--json]

Fetches the files of a Hugging Face model repository that mmner reads into DIR, over HTTPS.
An interrupted download resumes (automatically up to --retries times, or when run again) from
DIR/.incomplete/; every file's size and hash (sha256 for LFS files) is checked before it gets
its name, and files already complete are skipped.

Default files: ${DEFAULT_INCLUDE.join(', ')}.
PyTorch .bin, TensorFlow and Flax copies of the weights are never fetched unless --include names them.

Options:
  --to DIR          the model folder to fill (created)
  --revision R      branch, tag or commit (default main)
  --include GLOB    fetch the files matching GLOB instead of the defaults (repeatable;
                    * spans folders as in huggingface-cli, ? one character, {a,b} either)
  --exclude GLOB    leave out the files matching GLOB (repeatable), e.g. 'onnx/*_fp16.onnx'
  --endpoint URL    the hub or a mirror (default: $HF_ENDPOINT, else ${DEFAULT_ENDPOINT})
  --timeout SEC     give up on a connection silent this long (default 30)
  --retries N       automatic resumes of a broken transfer (default 3)
  --json            JSON lines on stdout instead of a progress bar

Environment: HF_TOKEN (a read token, sent as a bearer token; gated and private repositories
need it), HF_ENDPOINT, HF_HUB_OFFLINE=1 (refuse to go online). Without a terminal, progress
goes to stderr as JSON lines. See docs/models-download.md.

Example:
  mmner models download google-bert/bert-base-multilingual-cased --to models/mbert
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      to: { type: 'string' },
      revision: { type: 'string' },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      endpoint: { type: 'string' },
      timeout: { type: 'string' },
      retries: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) {
      throw new MmnerError(
        'E_USAGE',
        positionals.length === 0 ? 'REPO_ID is missing' : `unexpected argument '${positionals[1]}'`,
        { hint: `See: mmner ${NAME} --help` },
      );
    }
    const repoId = positionals[0]!;
    const to = resolve(io.cwd, required(NAME, 'to', values.to));
    const timeout = values.timeout === undefined ? 30 : Number(values.timeout);
    if (!(timeout > 0)) {
      throw new MmnerError(
        'E_USAGE',
        `--timeout must be a positive number of seconds, got '${values.timeout}'`,
      );
    }
    const retries = intOption(NAME, 'retries', values.retries, 3);
    if (retries < 0) throw new MmnerError('E_USAGE', '--retries must be 0 or more');
    const env = process.env;
    const endpoint = normalizeEndpoint(values.endpoint ?? (env.HF_ENDPOINT || DEFAULT_ENDPOINT));
    if (/^(1|true|yes|on)$/i.test(env.HF_HUB_OFFLINE ?? '')) {
      throw new MmnerError('E_OFFLINE', 'HF_HUB_OFFLINE is set: mmner does not go online', {
        hint: `Unset HF_HUB_OFFLINE, or copy a model folder here by hand (see docs/pretrained.md)`,
      });
    }
    const json = Boolean(values.json);
    const report = json
      ? downloadReporter({ write: (s) => io.out(s) }, true)
      : downloadReporter({ write: (s) => io.err(s), isTTY: io.isTTY }, false);

    const controller = new AbortController();
    const onSigint = () => {
      io.err('\nmmner: stopping; the partial file is kept (Ctrl-C again to kill)\n');
      controller.abort();
      process.once('SIGINT', () => process.exit(130));
    };
    process.once('SIGINT', onSigint);
    try {
      const result = await downloadModel({
        repoId,
        to,
        revision: values.revision ?? 'main',
        endpoint,
        ...(env.HF_TOKEN ? { token: env.HF_TOKEN } : {}),
        ...(values.include ? { include: values.include } : {}),
        ...(values.exclude ? { exclude: values.exclude } : {}),
        timeoutMs: timeout * 1000,
        retries,
        signal: controller.signal,
        onEvent: report,
      });
      if (!json) {
        const fetched = result.files.filter((f) => f.status === 'downloaded');
        const skipped = result.files.length - fetched.length;
        const size = result.files.reduce((a, f) => a + f.size, 0);
        const files = `${result.files.length} file${result.files.length === 1 ? '' : 's'} (${formatBytes(size)}) in ${to}`;
        io.out(
          fetched.length === 0
            ? `${repoId}: ${files}, all already up to date\n`
            : `${repoId}: ${files}: ${fetched.length} downloaded (${formatBytes(result.bytes)} in ${result.elapsedSec.toFixed(1)} s), ${skipped} already up to date\n`,
        );
      }
      return 0;
    } catch (e) {
      report.clear();
      if (isMmnerError(e) && e.code === 'E_INTERRUPTED') {
        io.err(`mmner: ${e.message}\n`);
        return 130;
      }
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
