/**
 * Prediction speed of an exported tiny model on onnxruntime-node (cpu) against the same model on
 * TensorFlow.js (wasm), side by side in one process: tokens → tags including id building and
 * Viterbi, images decoded beforehand (both paths decode them the same way). Multimodal (the
 * default tiny model) and text-only, batches of 64 (as predict/eval) and of 1 (one request).
 *   node --import tsx bench/onnx-export.bench.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageTable } from '../src/cli/runs.node.js';
import { loadDataset } from '../src/core/data/dataset.node.js';
import { generateSample } from '../src/core/sample/generate.js';
import { writeSample } from '../src/core/sample/write.node.js';
import type { Sentence } from '../src/core/types.js';
import { chunks, makeBatch } from '../src/model/batch.js';
import { buildModel } from '../src/model/build.js';
import { type Ablation, presetConfig } from '../src/model/config.js';
import { TextVocab } from '../src/model/text/vocab.js';
import { exportModel } from '../src/onnx/export/exportModel.js';
import { compareWithTfjs } from '../src/onnx/export/verify.js';
import { OnnxNerModel } from '../src/onnx/model/onnxModel.js';
import { initBackend } from '../src/train/backends.js';
import type { BenchRow } from './types.js';

const PASSES = 3;

/** Best sentences/s over PASSES timed passes after one warm-up pass. */
async function throughput(
  sentences: readonly Sentence[],
  batchSize: number,
  run: (part: Sentence[]) => Promise<unknown>,
) {
  const parts = chunks(sentences, batchSize);
  for (const part of parts.slice(0, 2)) await run(part);
  let best = 0;
  for (let p = 0; p < PASSES; p++) {
    const t0 = performance.now();
    for (const part of parts) await run(part);
    best = Math.max(best, sentences.length / ((performance.now() - t0) / 1000));
  }
  return best;
}

export async function benchOnnxExport(): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'mmner-bench-onnx-'));
  const rows: BenchRow[] = [];
  try {
    const backend = await initBackend('wasm');
    await writeSample(join(root, 'data'), generateSample({ seed: 1, size: 'small' }));
    const data = await loadDataset(join(root, 'data', 'dataset.json'));
    const test = data.splits.test!;
    const vocab = TextVocab.build(data.splits.train!);
    const images = await ImageTable.load(data, test, 64);
    for (const ablation of ['none', 'text-only'] as Ablation[]) {
      // Seeded initial weights: the speed does not depend on training.
      const model = buildModel(presetConfig('tiny', ['PER', 'LOC', 'ORG', 'MISC'], { ablation }).model, {
        vocab,
      });
      const file = join(root, `${ablation}.onnx`);
      writeFileSync(file, (await exportModel(model)).bytes);
      const onnx = await OnnxNerModel.load(file);
      const label = ablation === 'none' ? 'multimodal' : 'text-only';
      try {
        const check = await compareWithTfjs(model, onnx, test, {
          batchSize: 64,
          loadImages: async (p) => images.batch(p),
        });
        const pix = (part: Sentence[]) => (model.hasImages ? images.batch(part) : undefined);
        for (const batchSize of [64, 1]) {
          const subset = batchSize === 1 ? test.slice(0, 64) : test;
          const tfjs = await throughput(subset, batchSize, (part) =>
            model.predict(makeBatch(model, part, pix(part), false)),
          );
          const ort = await throughput(subset, batchSize, (part) => {
            const im = pix(part);
            return onnx.predict({ tokens: part.map((s) => s.tokens), ...(im ? { images: im } : {}) });
          });
          const what = `tiny ${label}, batch ${batchSize}, ${subset.length} sentences`;
          rows.push(
            {
              name: `onnx export: tfjs ${backend.name} predict (${label}, batch ${batchSize})`,
              value: Math.round(tfjs),
              unit: 'sentences/s',
              note: what,
            },
            {
              name: `onnx export: onnxruntime cpu predict (${label}, batch ${batchSize})`,
              value: Math.round(ort),
              unit: 'sentences/s',
              note: what,
            },
            {
              name: `onnx export: onnxruntime / tfjs (${label}, batch ${batchSize})`,
              value: Math.round((ort / tfjs) * 100) / 100,
              unit: '×',
              note: `same process, same model; ${availableParallelism()} CPUs; MMNER_WASM_THREADS=${process.env.MMNER_WASM_THREADS ?? 'unset'}`,
            },
          );
        }
        rows.push({
          name: `onnx export: max |emission difference| (${label})`,
          value: Number(check.maxEmissionDiff.toExponential(2)),
          unit: '',
          note: `identical predictions ${check.samePredictions}/${check.sentences}`,
        });
      } finally {
        await onnx.dispose();
        model.dispose();
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await benchOnnxExport()) {
    console.log(`${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}`);
  }
  // tfjs-wasm worker threads may keep the process alive.
  process.exit(0);
}
