/**
 * `mmner predict`: tags new sentences with a run's selected checkpoint. JSON lines in
 * (`{"id", "tokens", "image"}`; image = a file path, or an id looked up in --images), JSON lines
 * out (`{"id", "tokens", "tags", "entities"}`), so it composes with other tools.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { indexImageFolder } from '../../core/data/images.node.js';
import { MmnerError } from '../../core/errors.js';
import { tagsToSpans } from '../../core/schemes/spans.js';
import { predictOnnx } from '../../onnx/model/predict.js';
import { type Command, noPositionals, parseCommandArgs, required } from '../command.js';
import { backendOption } from '../options.js';
import { type PredictInput, predictRun } from '../runs.node.js';

const NAME = 'predict';

/** Parses the input lines; every problem names file:line. */
export function parsePredictInput(
  text: string,
  file: string,
): { id: string; tokens: string[]; image?: string }[] {
  const out: { id: string; tokens: string[]; image?: string }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = { file, line: i + 1 };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new MmnerError('E_PREDICT_INPUT', `not JSON: ${(e as Error).message}`, {
        ...where,
        hint: 'one object per line: {"id": "s1", "tokens": ["Jordan", "won"], "image": "photo.jpg"}',
      });
    }
    const o = value as { id?: unknown; tokens?: unknown; image?: unknown };
    if (
      !Array.isArray(o?.tokens) ||
      o.tokens.length === 0 ||
      o.tokens.some((t) => typeof t !== 'string' || t === '')
    ) {
      throw new MmnerError('E_PREDICT_INPUT', '"tokens" must be a non-empty array of non-empty strings', {
        ...where,
        hint: 'split the sentence into words first, e.g. "tokens": ["Jordan", "won", "!"]',
      });
    }
    if (o.image !== undefined && o.image !== null && typeof o.image !== 'string') {
      throw new MmnerError(
        'E_PREDICT_INPUT',
        '"image" must be a string (a path or an image id) or null',
        where,
      );
    }
    out.push({
      id: typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : `line-${i + 1}`,
      tokens: o.tokens as string[],
      ...(typeof o.image === 'string' ? { image: o.image } : {}),
    });
  });
  return out;
}

export const predict: Command = {
  name: NAME,
  summary: 'Tag new sentences (JSON lines in, JSON lines out) with a trained run',
  usage: `Usage: mmner predict --run runs/NAME | --onnx FILE [--input FILE] [--output FILE] [--images DIR] [--backend B]

Reads one JSON object per line — {"id": "s1", "tokens": ["Jordan", "won", "!"], "image": "s1.jpg"} —
and writes one per line with the predicted IOB2 tags and entity spans (end exclusive):
{"id": "s1", "tokens": [...], "tags": ["B-PER", "O", "O"], "entities": [{"type": "PER", "start": 0, "end": 1}]}.
"image" is a file path, or an image id found in --images DIR (any common extension); a sentence
without an image gets the blank image, as a missing image does in training.

Options:
  --run DIR       the run folder (its best-on-dev checkpoint is used)
  --onnx FILE     instead of --run: a model written by mmner export, run on onnxruntime (cpu)
  --input FILE    JSON lines to tag (default: standard input)
  --output FILE   where to write (default: standard output)
  --images DIR    folder where image ids are looked up
  --backend B     wasm (default), cpu, webgpu, tensorflow or auto

Example:
  echo '{"id":"1","tokens":["Jordan","is","great","!"],"image":"jordan.png"}' | mmner predict --run runs/tiny
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      run: { type: 'string' },
      input: { type: 'string' },
      output: { type: 'string' },
      images: { type: 'string' },
      backend: { type: 'string' },
      onnx: { type: 'string' },
    });
    noPositionals(NAME, positionals);
    if (values.onnx && values.run) {
      throw new MmnerError('E_USAGE', 'give --run or --onnx, not both', {
        hint: 'See: mmner predict --help',
      });
    }
    const runPath = values.onnx ? '' : required(NAME, 'run', values.run);
    const inputName = values.input ?? '<stdin>';
    const text = values.input
      ? await readFile(values.input, 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new MmnerError('E_FILE_NOT_FOUND', `cannot read ${values.input}: ${e.code ?? e.message}`, {
            hint: 'check the path',
          });
        })
      : await readStdin();
    const rows = parsePredictInput(text, inputName);
    const index = values.images ? await indexImageFolder(resolve(io.cwd, values.images)) : undefined;
    const inputs: PredictInput[] = rows.map((r, i) => {
      if (!r.image) return { id: r.id, tokens: r.tokens };
      const byId = index?.byId.get(r.image);
      const path = byId ?? (isAbsolute(r.image) ? r.image : resolve(io.cwd, r.image));
      if (!byId && index && !/[\\/.]/.test(r.image)) {
        throw new MmnerError('E_IMAGE_NOT_FOUND', `image id '${r.image}' is not in ${values.images}`, {
          file: inputName,
          line: i + 1,
          hint: 'give a path, or put <id>.<jpg|png|…> in the --images folder',
        });
      }
      return { id: r.id, tokens: r.tokens, imagePath: path };
    });
    const tags = values.onnx
      ? await predictOnnx(resolve(io.cwd, values.onnx), inputs)
      : await predictRun(runPath, inputs, {
          backend: backendOption(NAME, values.backend),
          log: (line) => io.err(`${line}\n`),
        });
    const out = rows
      .map((r, i) =>
        JSON.stringify({ id: r.id, tokens: r.tokens, tags: tags[i], entities: tagsToSpans(tags[i]!) }),
      )
      .join('\n');
    if (values.output) await writeFile(values.output, `${out}\n`);
    else io.out(`${out}\n`);
    return 0;
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
