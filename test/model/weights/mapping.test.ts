/**
 * Mapping HF names onto ours: prefix detection both ways, alternatives, transposed Linear
 * weights, and ONE error that lists missing, mis-shaped and wrong-dtype weights with a note on
 * unused names — found from headers alone, before any tensor is read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MmnerError } from '../../../src/core/errors.js';
import {
  detectPrefix,
  loadMapped,
  planMapping,
  transpose2d,
  type WeightSpec,
} from '../../../src/model/weights/mapping.js';
import {
  safetensorsFromBytes,
  type WeightSource,
  WeightsCode,
} from '../../../src/model/weights/safetensors.js';
import { encodeSafetensors, type TensorToWrite } from '../../../src/model/weights/write.js';

const f32 = (name: string, shape: number[], start = 0): TensorToWrite => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, dtype: 'F32', shape, data: Float32Array.from({ length: n }, (_, i) => start + i) };
};

/** A source over `tensors` that counts readTensor calls. */
function source(tensors: TensorToWrite[], path = 'model.safetensors'): WeightSource & { reads: string[] } {
  const inner = safetensorsFromBytes(encodeSafetensors(tensors), path);
  const reads: string[] = [];
  return {
    ...inner,
    reads,
    readTensor: (name: string) => {
      reads.push(name);
      return inner.readTensor(name);
    },
  };
}

const BERT_SPEC: WeightSpec[] = [
  { ourName: 'embeddings/word', hfNames: ['embeddings.word_embeddings.weight'], shape: [10, 4] },
  {
    ourName: 'layer0/query/kernel',
    hfNames: ['encoder.layer.0.attention.self.query.weight'],
    shape: [4, 4],
    transpose: true,
  },
  { ourName: 'layer0/query/bias', hfNames: ['encoder.layer.0.attention.self.query.bias'], shape: [4] },
  {
    ourName: 'ln/gamma',
    hfNames: ['embeddings.LayerNorm.weight', 'embeddings.LayerNorm.gamma'],
    shape: [4],
  },
];

test('the "bert." prefix is detected and alternatives are accepted', async () => {
  const src = source([
    f32('bert.embeddings.word_embeddings.weight', [10, 4]),
    f32('bert.encoder.layer.0.attention.self.query.weight', [4, 4]),
    f32('bert.encoder.layer.0.attention.self.query.bias', [4]),
    f32('bert.embeddings.LayerNorm.gamma', [4], 100),
    f32('cls.predictions.bias', [10]),
  ]);
  const plan = planMapping(src, BERT_SPEC);
  assert.equal(plan.prefix, 'bert.');
  assert.equal(plan.resolved.get('ln/gamma'), 'bert.embeddings.LayerNorm.gamma');
  assert.deepEqual(plan.unused, ['cls.predictions.bias']);
  const w = await loadMapped(src, BERT_SPEC);
  assert.deepEqual(
    [...w.keys()],
    BERT_SPEC.map((s) => s.ourName),
  );
  assert.deepEqual([...w.get('ln/gamma')!.data], [100, 101, 102, 103]);
});

test('a spec written with a prefix loads a checkpoint saved without it, and the reverse', () => {
  const spec: WeightSpec[] = [
    { ourName: 'w', hfNames: ['vision_model.embeddings.patch_embedding.weight'], shape: [2] },
  ];
  assert.equal(
    planMapping(source([f32('embeddings.patch_embedding.weight', [2])]), spec).resolved.get('w'),
    'embeddings.patch_embedding.weight',
  );
  const bare: WeightSpec[] = [{ ourName: 'w', hfNames: ['embeddings.patch_embedding.weight'], shape: [2] }];
  const clip = source([
    f32('vision_model.embeddings.patch_embedding.weight', [2]),
    f32('text_model.embeddings.patch_embedding.weight', [2]),
  ]);
  // CLIPModel holds both towers: a tie goes to vision_model. (KNOWN_PREFIXES order) unless told
  assert.equal(detectPrefix(clip.names(), bare), 'vision_model.');
  assert.equal(
    planMapping(clip, bare, { prefix: 'text_model.' }).resolved.get('w'),
    'text_model.embeddings.patch_embedding.weight',
  );
  const vision: WeightSpec[] = [
    { ourName: 'w', hfNames: ['vision_model.embeddings.patch_embedding.weight'], shape: [2] },
  ];
  assert.equal(planMapping(clip, vision).resolved.get('w'), 'vision_model.embeddings.patch_embedding.weight');
  // nested prefixes are detected too
  assert.equal(detectPrefix(['model.vision_model.embeddings.patch_embedding.weight'], vision), 'model.');
  assert.equal(
    detectPrefix(['model.vision_model.embeddings.patch_embedding.weight'], bare),
    'model.vision_model.',
  );
});

test('transpose turns HF [out, in] into [in, out]', async () => {
  assert.deepEqual([...transpose2d(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3)], [1, 4, 2, 5, 3, 6]);
  const src = source([f32('dense.weight', [2, 3])]); // [out=2, in=3]: rows 0 1 2 / 3 4 5
  const w = await loadMapped(src, [
    { ourName: 'kernel', hfNames: ['dense.weight'], shape: [3, 2], transpose: true },
  ]);
  assert.deepEqual(w.get('kernel')!.shape, [3, 2]);
  assert.deepEqual([...w.get('kernel')!.data], [0, 3, 1, 4, 2, 5]);
});

test('missing, mis-shaped and wrong-dtype weights come in ONE error, before anything is read', async () => {
  const src = source([
    f32('bert.embeddings.word_embeddings.weight', [12, 4]),
    f32('bert.encoder.layer.0.attention.self.query.weight', [4, 4]),
    {
      name: 'bert.encoder.layer.0.attention.self.query.bias',
      dtype: 'I64',
      shape: [4],
      data: new BigInt64Array(4),
    },
    f32('cls.predictions.bias', [10]),
    f32('cls.predictions.transform.dense.weight', [4, 4]),
  ]);
  await assert.rejects(loadMapped(src, BERT_SPEC, { what: 'the BERT text encoder' }), (e: MmnerError) => {
    assert.equal(e.code, WeightsCode.mapping);
    assert.equal(e.file, 'model.safetensors');
    assert.equal(
      e.detail,
      [
        'the checkpoint does not fit the BERT text encoder: 1 missing, 1 mis-shaped, 1 of the wrong dtype of 4 weights (names prefixed "bert.")',
        '  missing (1):',
        '    "bert.embeddings.LayerNorm.weight" (our ln/gamma); also tried 3 other names',
        '  mis-shaped (1):',
        '    "bert.embeddings.word_embeddings.weight": expected [10, 4], found [12, 4]',
        '  wrong dtype (1):',
        '    "bert.encoder.layer.0.attention.self.query.bias": expected float32, found I64',
        '  note: 2 names in the checkpoint are not used, e.g. "cls.predictions.bias", "cls.predictions.transform.dense.weight"',
      ].join('\n'),
    );
    assert.match(e.hint!, /config/);
    return true;
  });
  assert.deepEqual(src.reads, [], 'no tensor read');
});

test('a transposed mis-shape shows the shape expected in the file', () => {
  const plan = planMapping(source([f32('dense.weight', [3, 5])]), [
    { ourName: 'k', hfNames: ['dense.weight'], shape: [3, 5], transpose: true },
  ]);
  assert.deepEqual(plan.misShaped, [
    { ourName: 'k', hfName: 'dense.weight', expected: [5, 3], found: [3, 5] },
  ]);
});

test('hundreds of problems are listed sensibly: 20 per section, then a count', async () => {
  const spec: WeightSpec[] = Array.from({ length: 300 }, (_, i) => ({
    ourName: `w${i}`,
    hfNames: [`layer.${i}.weight`],
    shape: [1],
  }));
  const src = source(Array.from({ length: 50 }, (_, i) => f32(`other.${i}.bias`, [1])));
  await assert.rejects(loadMapped(src, spec), (e: MmnerError) => {
    const lines = e.detail.split('\n');
    assert.equal(lines[0], 'the checkpoint does not fit the model: 300 missing of 300 weights');
    assert.equal(lines.length, 1 + 1 + 20 + 1 + 1);
    assert.equal(lines[22], '    … and 280 more');
    assert.match(
      lines[23]!,
      /^ {2}note: 50 names in the checkpoint are not used, e\.g\. "other\.0\.bias", .*, …$/,
    );
    assert.match(e.hint!, /most weights are missing/);
    return true;
  });
});

test('a transpose flag on a non-2-D shape is a programming error', () => {
  assert.throws(
    () => planMapping(source([]), [{ ourName: 'b', hfNames: ['b'], shape: [3], transpose: true }]),
    /not 2-D/,
  );
});
