import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../../src/core/errors.js';
import { type BertEncoder, bertWeightSpec, resolveBertConfig } from '../../../src/model/text/bert.js';
import {
  loadBertFolder,
  readBertArchitecture,
  readBertTokenizer,
} from '../../../src/model/text/bertFolder.node.js';
import { loadMapped } from '../../../src/model/weights/mapping.js';
import { openCheckpoint } from '../../../src/model/weights/safetensors.node.js';
import type { TensorToWrite } from '../../../src/model/weights/write.js';
import { initBackend } from '../../../src/train/backends.js';
import { batchOf, FIXTURE, fixtureCopy, fixtureTensors, maxAbsDiff, readReference } from './bertFixture.js';

await initBackend('cpu');
const reference = await readReference();
const batch = batchOf(reference.map((c) => c.words));
const original = await fixtureTensors();

const encodeWords = (enc: BertEncoder) =>
  tf.tidy(() => enc.encode(batch, false).words.dataSync() as Float32Array);
const baseline = await (async () => {
  const enc = await loadBertFolder(FIXTURE);
  const out = encodeWords(enc);
  enc.dispose();
  return out;
})();

/** Loads a fixture copy with `tensors`, runs `check` on the encoder, cleans up. */
async function withCopy(
  tensors: readonly TensorToWrite[],
  check: (enc: BertEncoder) => void | Promise<void>,
  options: { shards?: number } = {},
): Promise<void> {
  const copy = await fixtureCopy(tensors, options);
  try {
    const enc = await loadBertFolder(copy.dir);
    try {
      await check(enc);
    } finally {
      enc.dispose();
    }
  } finally {
    await copy.remove();
  }
}

/** The reason a load fails, for assertions on one error. */
async function loadError(dir: string, options = {}): Promise<MmnerError> {
  try {
    const enc = await loadBertFolder(dir, options);
    enc.dispose();
  } catch (e) {
    assert.ok(e instanceof MmnerError, `not an MmnerError: ${String(e)}`);
    return e;
  }
  assert.fail('the folder loaded');
}

test('the fixture folder loads: bert. prefix, pooler / pretraining heads / position_ids unused', async () => {
  const names = original.map((t) => t.name);
  assert.ok(names.includes('bert.pooler.dense.weight') && names.includes('cls.predictions.bias'));
  assert.ok(names.includes('bert.embeddings.position_ids'));
  const enc = await loadBertFolder(FIXTURE);
  assert.equal(enc.config.numLayers, 2);
  assert.equal(enc.config.maxPositions, 40);
  assert.equal(enc.config.layerNormEps, 1e-12);
  assert.equal(enc.tokenizer.options.lowercase, false);
  assert.equal(enc.namedVariables().size, 5 + 2 * 16);
  enc.dispose();
});

test('names without the bert. prefix and old gamma/beta LayerNorm names load the same weights', async () => {
  const renamed = original
    .filter((t) => t.name.startsWith('bert.'))
    .map((t) => ({
      ...t,
      name: t.name
        .slice('bert.'.length)
        .replace(/LayerNorm\.weight$/, 'LayerNorm.gamma')
        .replace(/LayerNorm\.bias$/, 'LayerNorm.beta'),
    }));
  assert.ok(renamed.some((t) => t.name === 'embeddings.LayerNorm.gamma'));
  await withCopy(renamed, (enc) => assert.equal(maxAbsDiff(encodeWords(enc), baseline), 0));
});

test('a sharded checkpoint (index + 3 shards) loads the same weights', async () => {
  await withCopy(original, (enc) => assert.equal(maxAbsDiff(encodeWords(enc), baseline), 0), { shards: 3 });
});

/** Nearest-even rounding of a float32 value to f16 bits (finite values in f16 range). */
function toF16Bits(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === 0) return sign;
  if (a < 2 ** -14) return sign | Math.round(a / 2 ** -24); // subnormal (ties are measure-zero here)
  let e = Math.floor(Math.log2(a));
  if (a / 2 ** e >= 2) e++;
  if (a / 2 ** e < 1) e--;
  const scaled = (a / 2 ** e - 1) * 1024;
  let m = Math.floor(scaled);
  const rest = scaled - m;
  if (rest > 0.5 || (rest === 0.5 && m % 2 === 1)) m++;
  if (m === 1024) {
    m = 0;
    e++;
  }
  return sign | ((e + 15) << 10) | m;
}

/** Nearest-even rounding of float32 values to bf16 bits (the upper half of the f32 pattern). */
function toBf16Bits(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  return Uint16Array.from(bits, (b) => (b + 0x7fff + ((b >>> 16) & 1)) >>> 16);
}

/** `relative`: half an ulp, the most that rounding to the type moves a weight (relative). */
const halfPrecision = [
  { dtype: 'F16' as const, bits: (v: Float32Array) => Uint16Array.from(v, toF16Bits), relative: 2 ** -11 },
  { dtype: 'BF16' as const, bits: toBf16Bits, relative: 2 ** -8 },
];

for (const { dtype, bits, relative } of halfPrecision) {
  test(`${dtype} weights load and agree with the f32 ones within ${dtype}'s precision`, async () => {
    const converted = original.map((t) =>
      t.dtype === 'F32' ? { ...t, dtype, data: bits(t.data as Float32Array) } : t,
    );
    const cp = await openCheckpoint(join(FIXTURE, 'model.safetensors'));
    const exact = await loadMapped(
      cp,
      bertWeightSpec(resolveBertConfig(await readBertArchitecture(FIXTURE))),
    );
    await cp.close();
    await withCopy(converted, (enc) => {
      for (const [name, v] of enc.namedVariables()) {
        const want = exact.get(name)!.data;
        const got = v.dataSync();
        for (let i = 0; i < want.length; i++) {
          const err = Math.abs(got[i]! - want[i]!);
          assert.ok(
            err <= relative * Math.abs(want[i]!) + 2 ** -25,
            `${name}[${i}]: ${got[i]} vs ${want[i]}`,
          );
        }
      }
      const diff = maxAbsDiff(encodeWords(enc), baseline);
      // Two layers amplify the weights' rounding about 10× here (seen: 4.6e-3 f16, 3.8e-2 bf16).
      assert.ok(diff > 0 && diff < 20 * relative, `${dtype} output max |Δ| ${diff}`);
    });
  });
}

test('a missing and a mis-shaped weight: ONE MmnerError listing both', async () => {
  const broken = original
    .filter((t) => t.name !== 'bert.encoder.layer.1.attention.self.key.weight')
    .map((t) =>
      t.name === 'bert.encoder.layer.0.intermediate.dense.bias'
        ? { ...t, shape: [63], data: (t.data as Float32Array).subarray(0, 63) }
        : t,
    );
  const copy = await fixtureCopy(broken);
  try {
    const e = await loadError(copy.dir);
    assert.equal(e.code, 'E_WEIGHTS_MAPPING');
    assert.match(e.message, /1 missing, 1 mis-shaped/);
    assert.match(e.message, /bert\.encoder\.layer\.1\.attention\.self\.key\.weight/);
    assert.match(
      e.message,
      /"bert\.encoder\.layer\.0\.intermediate\.dense\.bias": expected \[64\], found \[63\]/,
    );
    assert.equal(e.file, join(copy.dir, 'model.safetensors'));
  } finally {
    await copy.remove();
  }
});

test('layer k loads only the layers it runs', async () => {
  // Layer 2's weights are absent, which is fine for layer 1 and an error for the last layer.
  const oneLayer = original.filter((t) => !t.name.startsWith('bert.encoder.layer.1.'));
  const copy = await fixtureCopy(oneLayer);
  try {
    const enc = await loadBertFolder(copy.dir, { layer: 1 });
    assert.ok(![...enc.namedVariables().keys()].some((n) => n.startsWith('layers.1.')));
    enc.dispose();
    assert.match((await loadError(copy.dir)).message, /16 missing/);
  } finally {
    await copy.remove();
  }
});

test('missing folder and files: errors name the path and say what to do', async () => {
  const missing = await loadError('/nonexistent/bert-folder');
  assert.equal(missing.code, 'E_FILE_NOT_FOUND');
  assert.match(missing.message, /\/nonexistent\/bert-folder/);
  assert.match(missing.message, /huggingface-cli download/);
  assert.match(missing.message, /--text-model/);
  assert.match((await loadError(join(FIXTURE, 'config.json'))).message, /is a file, not a model folder/);

  const noConfig = await fixtureCopy(original, { without: ['config.json'] });
  const e = await loadError(noConfig.dir);
  assert.equal(e.file, join(noConfig.dir, 'config.json'));
  assert.match(e.message, /no config\.json/);
  await noConfig.remove();

  const noTokenizer = await fixtureCopy(original, { without: ['tokenizer.json', 'vocab.txt'] });
  assert.match((await loadError(noTokenizer.dir)).message, /neither tokenizer\.json nor vocab\.txt/);
  await noTokenizer.remove();

  const noWeights = await fixtureCopy(original);
  await rm(join(noWeights.dir, 'model.safetensors'));
  assert.equal((await loadError(noWeights.dir)).code, 'E_WEIGHTS_NO_CHECKPOINT');
  await noWeights.remove();
});

test('config.json: only BERT with exact GELU and absolute positions', async () => {
  const base = JSON.parse(await readFile(join(FIXTURE, 'config.json'), 'utf8')) as Record<string, unknown>;
  const copy = await fixtureCopy(original);
  try {
    const refused = async (change: Record<string, unknown>, pattern: RegExp) => {
      await writeFile(join(copy.dir, 'config.json'), JSON.stringify({ ...base, ...change }));
      const e = await loadError(copy.dir);
      assert.equal(e.code, 'E_MODEL_CONFIG');
      assert.equal(e.file, join(copy.dir, 'config.json'));
      assert.match(e.message, pattern);
    };
    await refused({ hidden_act: 'gelu_new' }, /hidden_act is "gelu_new"/);
    await refused({ hidden_act: 'relu' }, /"gelu" \(exact, erf\) only/);
    await refused({ model_type: 'roberta' }, /model_type is "roberta", not "bert"/);
    await refused({ position_embedding_type: 'relative_key' }, /only "absolute"/);
    await refused({ hidden_size: undefined }, /no "hidden_size"/);
    await refused({ num_attention_heads: 5 }, /not a multiple of num_attention_heads 5/);
    await writeFile(join(copy.dir, 'config.json'), JSON.stringify({ ...base, vocab_size: 100 }));
    assert.match(
      (await loadError(copy.dir)).message,
      /the tokenizer has 304 tokens but config\.json's vocab_size is 100/,
    );
    await writeFile(join(copy.dir, 'config.json'), JSON.stringify(base));
    assert.match((await loadError(copy.dir, { layer: 3 })).message, /layer must be an integer from -3 to 2/);
  } finally {
    await copy.remove();
  }
});

test('vocab.txt without tokenizer.json: casing from tokenizer_config.json, else from the vocabulary', async () => {
  const copy = await fixtureCopy(original, { without: ['tokenizer.json'] });
  try {
    const cased = await readBertTokenizer(copy.dir);
    assert.equal(cased.options.lowercase, false);
    assert.deepEqual(cased.tokenize('Montréal'), ['Montréal']);
    await writeFile(join(copy.dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true }));
    const lower = await readBertTokenizer(copy.dir);
    assert.equal(lower.options.lowercase, true);
    assert.equal(lower.options.stripAccents, true);
    // This vocabulary has "Paris" but not "paris": lower-cased, the word falls apart into pieces.
    assert.deepEqual(lower.tokenize('PARIS'), ['p', '##ar', '##i', '##s']);
    await rm(join(copy.dir, 'tokenizer_config.json'));
    // The fixture's vocabulary has upper-case entries, so it is a cased model's.
    assert.equal((await readBertTokenizer(copy.dir)).options.lowercase, false);
    const enc = await loadBertFolder(copy.dir);
    assert.equal(maxAbsDiff(encodeWords(enc), baseline), 0);
    enc.dispose();
  } finally {
    await copy.remove();
  }
});
