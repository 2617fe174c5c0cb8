/**
 * `mmner export`: writes a run's selected checkpoint as a standard ONNX graph (opset 17) that
 * `mmner predict --onnx` and any ONNX runtime can run; `--verify` compares it with the tfjs model
 * on the run's dev split.
 */
import { basename, dirname, resolve } from 'node:path';
import { findManifest, loadDataset } from '../../core/data/dataset.node.js';
import { MmnerError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/run/atomicWrite.node.js';
import { RunDir } from '../../core/run/runDir.node.js';
import { buildModel } from '../../model/build.js';
import type { MmnerModel } from '../../model/mmner.js';
import { TextVocab } from '../../model/text/vocab.js';
import { checkExportable, exportModel, type TensorSpec } from '../../onnx/export/exportModel.js';
import { compareWithTfjs } from '../../onnx/export/verify.js';
import { OnnxNerModel } from '../../onnx/model/onnxModel.js';
import { initBackend } from '../../train/backends.js';
import { restoreCheckpoint } from '../../train/checkpoint.js';
import { type Command, noPositionals, parseCommandArgs, required } from '../command.js';
import { backendOption } from '../options.js';
import { ImageTable, readRunFile, selectedCheckpoint } from '../runs.node.js';

const NAME = 'export';
/** `--verify` fails above this emission difference. */
const TOLERANCE = 1e-4;

interface RunModel {
  run: RunDir;
  model: MmnerModel;
  checkpoint: string;
  data: string;
}

/**
 * The run's model with its best-on-dev checkpoint (else the latest valid one). The config is
 * checked for exportability first, so a paper run fails before its encoders are loaded.
 */
async function openRunForExport(runPath: string, log: (line: string) => void): Promise<RunModel> {
  const run = await RunDir.open(dirname(runPath), basename(runPath), { create: false });
  try {
    const file = await readRunFile(run);
    checkExportable(file.model, run.file('config.json'));
    const { path, checkpoint } = await selectedCheckpoint(run, log);
    const model = buildModel(file.model, { vocab: TextVocab.fromJSON(file.vocab) });
    try {
      restoreCheckpoint(checkpoint, model.namedVariables(), undefined, path);
    } catch (e) {
      model.dispose();
      throw e;
    }
    return { run, model, checkpoint: run.relative(path), data: file.data };
  } catch (e) {
    await run.close();
    throw e;
  }
}

const spec = (t: TensorSpec) => `${t.name} ${t.dtype} [${t.dims.join(', ')}]`;

export const exportCommand: Command = {
  name: NAME,
  summary: "Write a run's best checkpoint as an ONNX model (for onnxruntime)",
  usage: `Usage: mmner export --run runs/NAME --onnx FILE [--verify] [--backend B]

Writes the run's selected checkpoint (checkpoints/best.safetensors) as a standard ONNX graph
(opset 17, IR version 8): text encoder, image encoder, projections, collaboration module and
emission layer. The CRF's constrained transition scores are initializers (crf.transitions
[to, from], crf.start, crf.end) that mmner's Viterbi reads; the vocabulary, tags and config are
in the model's metadata, so the file alone is enough for mmner predict --onnx FILE.
Inputs: word_ids, casing_ids, char_ids, char_lengths (int32), mask (float32) and, for multimodal
runs, images [batch, S, S, 3] (normalised). Output: emissions [batch, words, tags] (and the
projected text/image vectors of multimodal runs). Supports the tiny preset (every ablation);
the paper preset's BERT/ViT/ResNet encoders are not exported yet.

Options:
  --run DIR     the run folder (written by mmner train)
  --onnx FILE   where to write the model (.onnx)
  --verify      also run it on onnxruntime against the TensorFlow.js model on the run's dev
                split: exit 1 unless emissions agree within ${TOLERANCE} and every prediction is identical
  --backend B   TensorFlow.js backend for --verify: wasm (default), cpu, webgpu, tensorflow or auto

Example:
  mmner export --run runs/tiny --onnx runs/tiny/model.onnx --verify
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      run: { type: 'string' },
      onnx: { type: 'string' },
      verify: { type: 'boolean' },
      backend: { type: 'string' },
    });
    noPositionals(NAME, positionals);
    const runPath = resolve(io.cwd, required(NAME, 'run', values.run));
    const out = resolve(io.cwd, required(NAME, 'onnx', values.onnx));
    const backend = backendOption(NAME, values.backend);
    const log = (line: string) => io.err(`${line}\n`);
    // Without --verify nothing is computed in tfjs (the weights are only read back), so the plain
    // cpu backend is enough and starts at once.
    await initBackend(values.verify ? backend : 'cpu');
    const opened = await openRunForExport(runPath, log);
    const { run, model } = opened;
    try {
      const exported = await exportModel(model, { source: `${run.path} ${opened.checkpoint}` });
      await writeFileAtomic(out, exported.bytes).catch((e: NodeJS.ErrnoException) => {
        throw new MmnerError('E_WRITE', `cannot write ${out}: ${e.code ?? e.message}`, {
          hint: 'check that the folder exists and is writable',
        });
      });
      const k = model.tags.length;
      io.out(
        `wrote ${values.onnx} (${(exported.bytes.length / 1e6).toFixed(1)} MB): ONNX opset ${exported.opset}, IR ${exported.irVersion}, from ${opened.checkpoint}\n` +
          `inputs:  ${exported.inputs.map(spec).join(', ')}\n` +
          `outputs: ${exported.outputs.map(spec).join(', ')}\n` +
          `CRF:     initializers crf.transitions [${k}, ${k}], crf.start [${k}], crf.end [${k}] (decoded by mmner's Viterbi)\n`,
      );
      if (!values.verify) return 0;
      const manifest = opened.data ? await findManifest(opened.data) : undefined;
      if (!manifest) {
        throw new MmnerError(
          'E_DATA_NO_MANIFEST',
          `--verify needs the run's dataset, and ${opened.data || 'none'} is not one`,
          {
            hint: 'restore the dataset, or export without --verify',
          },
        );
      }
      const data = await loadDataset(manifest);
      const dev = data.splits.dev ?? [];
      const images = model.hasImages ? await ImageTable.load(data, dev, model.config.image.size) : undefined;
      const onnx = await OnnxNerModel.load(out);
      try {
        const r = await compareWithTfjs(model, onnx, dev, {
          loadImages: async (part) => images?.batch(part) ?? new Float32Array(0),
        });
        const ok = r.maxEmissionDiff <= TOLERANCE && r.samePredictions === r.sentences;
        io.out(
          `verified on ${r.sentences} dev sentences (onnxruntime cpu vs TensorFlow.js ${backend}): ` +
            `max |emission difference| ${r.maxEmissionDiff.toExponential(2)}` +
            (r.maxEmbeddingDiff !== undefined
              ? `, max |embedding difference| ${r.maxEmbeddingDiff.toExponential(2)}`
              : '') +
            `; identical predictions ${r.samePredictions}/${r.sentences}\n`,
        );
        if (!ok) {
          io.err(
            `export check failed: the ONNX model does not reproduce the TensorFlow.js model (tolerance ${TOLERANCE})\n`,
          );
          return 1;
        }
        return 0;
      } finally {
        await onnx.dispose();
      }
    } finally {
      model.dispose();
      await run.close();
    }
  },
};
