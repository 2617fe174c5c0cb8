/**
 * Test helpers for the Hugging Face image-model fixtures (test/fixtures/hf/, written by
 * scripts/fixtures/make_hf_vision.py): their references, pipeline-normalised inputs, tolerance
 * checks, and rewritten copies (renamed, dropped, f16 or sharded weights) in temp folders.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { IMAGENET_MEAN, IMAGENET_STD, normalize } from '../../../src/core/image/options.js';
import type { SafetensorsDtype } from '../../../src/model/weights/dtype.js';
import type { Tensor } from '../../../src/model/weights/safetensors.js';
import { openCheckpoint } from '../../../src/model/weights/safetensors.node.js';
import { encodeSafetensors, type TensorToWrite } from '../../../src/model/weights/write.js';

export const HF_FIXTURES = resolve(import.meta.dirname, '../../fixtures/hf');
export type FixtureName = 'vit-tiny' | 'clip-vision-tiny' | 'resnet-tiny';
export const fixtureDir = (name: FixtureName): string => join(HF_FIXTURES, name);

export interface RefArray {
  shape: number[];
  data: number[];
}

// biome-ignore lint/suspicious/noExplicitAny: reference.json differs per fixture; tests pick their fields
export async function readReference(name: FixtureName): Promise<any> {
  return JSON.parse(await readFile(join(fixtureDir(name), 'reference.json'), 'utf8'));
}

/** 8-bit RGB `[B, H, W, 3]` → normalised as the pipeline does (ImageNet's mean/std unless given). */
export function pipelineImages(
  pixels: RefArray,
  mean: readonly [number, number, number] = IMAGENET_MEAN,
  std: readonly [number, number, number] = IMAGENET_STD,
): tf.Tensor4D {
  return tf.tensor4d(
    normalize(Uint8Array.from(pixels.data), mean, std),
    pixels.shape as [number, number, number, number],
  );
}

/** A transformer last_hidden_state `[B, 1 + N, D]` split into CLS rows `[B, D]` and patch rows `[B, N, D]`. */
export function splitCls(h: RefArray): { cls: number[]; patches: number[] } {
  const [b, t, d] = h.shape as [number, number, number];
  const cls: number[] = [];
  const patches: number[] = [];
  for (let i = 0; i < b; i++)
    for (let j = 0; j < t; j++)
      (j === 0 ? cls : patches).push(...h.data.slice((i * t + j) * d, (i * t + j + 1) * d));
  return { cls, patches };
}

/**
 * Asserts |a − e| ≤ tol·max(1, |e|) everywhere (absolute for values up to 1, relative above);
 * returns the largest absolute difference.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const diff = Math.abs(actual[i]! - e);
    assert.ok(
      diff <= tol * Math.max(1, Math.abs(e)),
      `${what}[${i}]: ${actual[i]} vs ${e} (tolerance ${tol})`,
    );
    worst = Math.max(worst, diff);
  }
  return worst;
}

/** The nearest f16 (ties to even) of a number, as its bit pattern. */
export function f16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  const roundEven = (v: number) => {
    const f = Math.floor(v);
    const r = v - f;
    return r > 0.5 || (r === 0.5 && f % 2 === 1) ? f + 1 : f;
  };
  if (a < 2 ** -14) return sign | roundEven(a / 2 ** -24); // subnormal (0x400 = the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  let m = roundEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

export interface RewriteOptions {
  /** New name for each tensor (return undefined to drop it). */
  rename?: (name: string) => string | undefined;
  /** Replace a tensor's value (e.g. a wrong shape). */
  edit?: (name: string, t: Tensor) => Tensor;
  /** Float tensors are written as F16 instead of F32. */
  f16?: boolean;
  /** Split the weights over this many shards with a model.safetensors.index.json. */
  shards?: number;
  /** Replace config.json (default: copied). */
  config?: Record<string, unknown>;
  /** Copy preprocessor_config.json (default true). */
  processor?: boolean;
}

/** A copy of a fixture folder in a temp folder, its weights rewritten as asked. */
export async function rewriteFixture(name: FixtureName, o: RewriteOptions = {}): Promise<string> {
  const src = fixtureDir(name);
  const dir = await mkdtemp(join(tmpdir(), `mmner-${name}-`));
  if (o.config) await writeFile(join(dir, 'config.json'), JSON.stringify(o.config));
  else await copyFile(join(src, 'config.json'), join(dir, 'config.json'));
  if (o.processor ?? true)
    await copyFile(join(src, 'preprocessor_config.json'), join(dir, 'preprocessor_config.json'));
  const tensors: TensorToWrite[] = [];
  await using cp = await openCheckpoint(src);
  for (const original of cp.names()) {
    const newName = o.rename ? o.rename(original) : original;
    if (newName === undefined) continue;
    let t = await cp.readTensor(original);
    if (o.edit) t = o.edit(original, t);
    let dtype: SafetensorsDtype = t.dtype === 'int32' ? 'I32' : 'F32';
    let data: ArrayBufferView = t.data;
    if (t.dtype === 'float32' && o.f16) {
      dtype = 'F16';
      data = Uint16Array.from(t.data, f16Bits);
    }
    tensors.push({ name: newName, dtype, shape: t.shape, data });
  }
  const shards = o.shards ?? 1;
  if (shards === 1) {
    await writeFile(join(dir, 'model.safetensors'), encodeSafetensors(tensors));
    return dir;
  }
  const weightMap: Record<string, string> = {};
  const per = Math.ceil(tensors.length / shards);
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = tensors.slice(s * per, (s + 1) * per);
    for (const t of part) weightMap[t.name] = file;
    await writeFile(join(dir, file), encodeSafetensors(part));
  }
  await writeFile(
    join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: {}, weight_map: weightMap }),
  );
  return dir;
}

/** regions and global of one encode, as plain arrays (disposes everything it makes). */
export function encodeToArrays(
  encoder: { encode(x: tf.Tensor4D, training: boolean): { regions: tf.Tensor3D; global: tf.Tensor2D } },
  images: tf.Tensor4D,
  training = false,
): { regions: Float32Array; global: Float32Array; regionShape: number[]; globalShape: number[] } {
  return tf.tidy(() => {
    const { regions, global } = encoder.encode(images, training);
    return {
      regions: regions.dataSync() as Float32Array,
      global: global.dataSync() as Float32Array,
      regionShape: regions.shape,
      globalShape: global.shape,
    };
  });
}
