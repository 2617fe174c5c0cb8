/**
 * ONNX export of the tiny preset, checked against the tfjs model on the embedded sample data:
 * every ablation that changes the graph (and a 2-layer BiLSTM), with every weight perturbed from
 * its initial value so that biases, LayerNorm gains and gate order all matter, and Viterbi paths
 * vary. The graph is also checked with the onnx Python package's checker where it is installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ImageTable } from '../../src/cli/runs.node.js';
import { type LoadedDataset, loadDataset } from '../../src/core/data/dataset.node.js';
import { Rng } from '../../src/core/random.js';
import { generateSample } from '../../src/core/sample/generate.js';
import { writeSample } from '../../src/core/sample/write.node.js';
import { checkScheme } from '../../src/core/schemes/check.js';
import type { Sentence } from '../../src/core/types.js';
import { buildModel } from '../../src/model/build.js';
import { type Ablation, presetConfig, type RunConfig } from '../../src/model/config.js';
import type { MmnerModel } from '../../src/model/mmner.js';
import { TextVocab } from '../../src/model/text/vocab.js';
import { checkExportable, exportModel, INPUTS, OUTPUTS } from '../../src/onnx/export/exportModel.js';
import { GraphBuilder } from '../../src/onnx/export/graph.js';
import { OPSET } from '../../src/onnx/export/proto.js';
import { compareWithTfjs } from '../../src/onnx/export/verify.js';
import { OnnxNerModel } from '../../src/onnx/model/onnxModel.js';
import { initBackend } from '../../src/train/backends.js';

/** The Python with the onnx package (Debian's python3-onnx); another one for a check of the skip. */
const PYTHON = process.env.MMNER_TEST_PYTHON ?? '/usr/bin/python3';

const root = mkdtempSync(join(tmpdir(), 'mmner-onnx-export-'));
after(() => rmSync(root, { recursive: true, force: true }));

let data: LoadedDataset;
let test64: Sentence[];
let images: ImageTable;
let vocab: TextVocab;

before(async () => {
  await initBackend('wasm');
  await writeSample(join(root, 'data'), generateSample({ seed: 4, size: 'tiny' }));
  data = await loadDataset(join(root, 'data', 'dataset.json'));
  test64 = data.splits.test!;
  images = await ImageTable.load(data, test64, 64);
  vocab = TextVocab.build(data.splits.train!);
});

/** A tiny model with every variable moved off its initial value by seeded noise. */
function perturbedModel(config: RunConfig['model']): MmnerModel {
  const model = buildModel(config, { vocab });
  const rng = new Rng('onnx-export-test');
  for (const [name, v] of model.namedVariables()) {
    const r = rng.derive(name);
    // Embeddings and kernels keep their scale; biases, gains and CRF scores get visible offsets.
    const scale = /kernel|embedding|w1|w2/.test(name) ? 0.3 * Math.sqrt(1 / (v.shape.at(-1) ?? 1)) : 0.1;
    const noise = Float32Array.from({ length: v.size }, () => r.range(-scale, scale));
    // A loud emission layer, so the tags follow the words rather than the biases and paths vary.
    const gain = name === 'emission.kernel' ? 4 : 1;
    tf.tidy(() => v.assign(tf.mul(tf.add(v, tf.tensor(noise, v.shape)), gain)));
  }
  return model;
}

const loadImages = async (part: readonly Sentence[]) => images.batch(part);

const VARIANTS: { name: string; config: () => RunConfig['model'] }[] = [
  ...(['none', 'text-only', 'no-gate', 'no-contrastive', 'token-align'] as Ablation[]).map((ablation) => ({
    name: ablation,
    config: () => presetConfig('tiny', ['PER', 'LOC', 'ORG', 'MISC'], { seed: 3, ablation }).model,
  })),
  {
    name: 'text-only, BIOES tags',
    config: () => ({
      ...presetConfig('tiny', ['PER', 'LOC', 'ORG', 'MISC'], { seed: 3, ablation: 'text-only' }).model,
      tagScheme: 'BIOES',
    }),
  },
  {
    name: 'text-only, 2-layer BiLSTM, char window 5',
    config: () => {
      const m = presetConfig('tiny', ['PER', 'LOC', 'ORG', 'MISC'], { seed: 3, ablation: 'text-only' }).model;
      if (m.text.kind === 'tiny') m.text.options = { ...m.text.options, layers: 2, charWidth: 5, hidden: 24 };
      return m;
    },
  },
];

const written = new Map<string, string>();

for (const variant of VARIANTS) {
  test(`export '${variant.name}': emissions within 1e-4 of tfjs, identical predictions`, async (t) => {
    const config = variant.config();
    const model = perturbedModel(config);
    try {
      const exported = await exportModel(model);
      assert.equal(exported.opset, OPSET);
      const multimodal = config.image.branches.length > 0;
      assert.deepEqual(
        exported.inputs.map((i) => i.name),
        [
          INPUTS.wordIds,
          INPUTS.casingIds,
          INPUTS.charIds,
          INPUTS.charLengths,
          INPUTS.mask,
          ...(multimodal ? [INPUTS.images] : []),
        ],
      );
      const outputs = [
        OUTPUTS.emissions,
        ...(multimodal && config.contrastive ? [OUTPUTS.textEmbedding, OUTPUTS.imageEmbedding('cnn')] : []),
      ];
      assert.deepEqual(
        exported.outputs.map((o) => o.name),
        outputs,
      );
      const file = join(root, `${variant.name.replace(/[^a-z0-9]+/gi, '-')}.onnx`);
      writeFileSync(file, exported.bytes);
      written.set(variant.name, file);
      const onnx = await OnnxNerModel.load(file);
      try {
        assert.deepEqual(
          [...onnx.inputNames],
          exported.inputs.map((i) => i.name),
        );
        assert.deepEqual([...onnx.outputNames], outputs);
        const r = await compareWithTfjs(model, onnx, test64, { batchSize: 32, loadImages });
        assert.equal(r.sentences, test64.length);
        assert.ok(r.maxEmissionDiff <= 1e-4, `max emission difference ${r.maxEmissionDiff}`);
        assert.equal(r.samePredictions, r.sentences, `${r.sentences - r.samePredictions} sentences differ`);
        if (multimodal && config.contrastive)
          assert.ok(r.maxEmbeddingDiff! <= 1e-4, `embeddings ${r.maxEmbeddingDiff}`);
        t.diagnostic(
          `max |emission difference| ${r.maxEmissionDiff.toExponential(2)}; identical predictions ${r.samePredictions}/${r.sentences}`,
        );
        // One sentence per batch (no padding at all) and a one-word sentence agree too.
        const one = await compareWithTfjs(
          model,
          onnx,
          [...test64.slice(0, 4), { ...test64[0]!, tokens: ['Jordan'], tags: ['O'] }],
          {
            batchSize: 1,
            loadImages,
          },
        );
        assert.ok(one.maxEmissionDiff <= 1e-4 && one.samePredictions === 5, JSON.stringify(one));
        // The comparison means something only if the paths vary: several tags, all valid IOB2.
        const paths = await onnx.predict({
          tokens: test64.map((s) => s.tokens),
          ...(multimodal ? { images: images.batch(test64) } : {}),
        });
        const used = new Set(paths.flat());
        assert.ok(used.size >= 3, `predictions use only ${[...used].join(', ')}`);
        // Valid IOB2 whatever scheme the CRF decodes in (a BIOES one is read back as IOB2).
        for (const p of paths) {
          assert.ok(
            p.every((t) => /^(O|[BI]-)/.test(t)),
            p.join(' '),
          );
          assert.deepEqual(checkScheme(p, 'IOB2'), [], p.join(' '));
        }
      } finally {
        await onnx.dispose();
      }
    } finally {
      model.dispose();
    }
  });
}

test('the exported graphs pass onnx.checker (full check, with shape inference)', async (t) => {
  const probe = spawnSync(PYTHON, ['-c', 'import onnx; print(onnx.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0) {
    const reason = `${PYTHON} with the onnx package is not available (${(probe.stderr || String(probe.error)).trim().split('\n').at(-1)})`;
    console.log(`skipped: ${reason}`);
    t.skip(reason);
    return;
  }
  // The files the export tests wrote; when they were filtered out, export two variants here.
  for (const v of written.size > 0 ? [] : VARIANTS.slice(0, 2)) {
    const model = perturbedModel(v.config());
    const file = join(root, `checker-${v.name}.onnx`);
    writeFileSync(file, (await exportModel(model)).bytes);
    model.dispose();
    written.set(v.name, file);
  }
  const script = [
    'import onnx, sys',
    'for path in sys.argv[1:]:',
    '    m = onnx.load(path)',
    '    onnx.checker.check_model(m, full_check=True)',
    '    print(path, m.ir_version, [o.version for o in m.opset_import])',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', script, ...written.values()], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, written.size);
  assert.match(r.stdout, new RegExp(` 8 \\[${OPSET}\\]`));
});

test('the paper preset is refused before anything is loaded, naming the unsupported parts', () => {
  const config = presetConfig('paper', ['PER', 'LOC', 'ORG', 'MISC']).model;
  assert.throws(
    () => checkExportable(config, 'runs/paper/config.json'),
    (e: Error & { code?: string }) =>
      e.code === 'E_EXPORT_UNSUPPORTED' &&
      /runs\/paper\/config\.json: .*BERT text encoder, the ViT image branch, the ResNet-152 image branch/.test(
        e.message,
      ) &&
      /--preset tiny/.test(e.message),
  );
  const vitOnly = presetConfig('paper', ['PER'], { ablation: 'vit-only' }).model;
  assert.throws(() => checkExportable(vitOnly), /BERT text encoder, the ViT image branch$/m);
});

test('loading a file that is not an mmner export says what it is and how to make one', async () => {
  const garbage = join(root, 'garbage.onnx');
  writeFileSync(garbage, Buffer.from('this is not protobuf \xff\xff\xff\xff'));
  await assert.rejects(OnnxNerModel.load(garbage), (e: Error & { code?: string }) => {
    return (
      e.code === 'E_ONNX_MODEL' && e.message.includes('garbage.onnx') && /mmner export --run/.test(e.message)
    );
  });
  // A valid ONNX model, but not one of ours: no mmner metadata.
  const g = new GraphBuilder();
  g.output(g.node('Relu', [g.input('x', 'float', ['n'])]), 'y', 'float', ['n']);
  const foreign = join(root, 'foreign.onnx');
  writeFileSync(foreign, g.encode({ graphName: 'relu', docString: '', producerVersion: '0', metadata: {} }));
  await assert.rejects(
    OnnxNerModel.load(foreign),
    /foreign\.onnx: not an ONNX model exported by mmner: no mmner\.format/,
  );
  await assert.rejects(OnnxNerModel.load(join(root, 'missing.onnx')), /cannot read .*missing\.onnx: ENOENT/);
});
