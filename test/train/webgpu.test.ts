/**
 * The webgpu backend's code path, on the CPU: Dawn's OpenGL ES backend on Mesa's llvmpipe
 * (`MMNER_WEBGPU_SOFTWARE=1`), in child processes so that Dawn stays out of the test runner.
 * Needs the optional packages `webgpu` and `@tensorflow/tfjs-backend-webgpu` and Mesa's EGL; skips
 * with the reason without them, unless MMNER_TEST_WEBGPU=required (CI), where a skip is a failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { generateSample } from '../../src/core/sample/generate.js';
import { writeSample } from '../../src/core/sample/write.node.js';

const BIN = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
const BACKENDS = new URL('../../src/train/backends.ts', import.meta.url).href;
const CLIP = new URL('../../src/train/clip.ts', import.meta.url).href;
const INSTALL = 'npm install --no-save webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0';
const root = mkdtempSync(join(tmpdir(), 'mmner-webgpu-'));
const data = join(root, 'data');
const env = { ...process.env, MMNER_WEBGPU_SOFTWARE: '1' };

function missingPackage(): string | undefined {
  for (const pkg of ['webgpu', '@tensorflow/tfjs-backend-webgpu']) {
    try {
      import.meta.resolve(pkg);
    } catch {
      return `${pkg} is not installed (${INSTALL})`;
    }
  }
  return undefined;
}

/** Skips with a printed reason; under MMNER_TEST_WEBGPU=required the reason fails the test instead. */
function unavailable(t: TestContext, reason: string): void {
  if (process.env.MMNER_TEST_WEBGPU === 'required') assert.fail(`webgpu test required: ${reason}`);
  console.log(`skipped: ${reason}`);
  t.skip(reason);
}

/** A child's E_BACKEND_UNAVAILABLE (no adapter: Mesa's EGL missing) is a reason to skip. */
function noAdapter(stderr: string): string | undefined {
  return /backend 'webgpu' cannot run here: (.*)/.exec(stderr)?.[1];
}

const cli = (args: string[], childEnv: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], {
    encoding: 'utf8',
    env: childEnv,
    timeout: 300_000,
  });

before(async () => {
  await writeSample(data, generateSample({ seed: 2, size: 'tiny' }));
});
after(() => rmSync(root, { recursive: true, force: true }));

test('webgpu: AddN over 45 inputs and the global gradient norm equal the CPU sums; a device error stops the run', (t) => {
  const missing = missingPackage();
  if (missing) return unavailable(t, missing);
  // 45 inputs: one per variable of `tiny`, as the gradient clipping sums them; the stock kernel
  // binds them all to one shader, over WebGPU's 8 storage buffers, and leaves the output unwritten.
  const code = `
    import * as tf from '@tensorflow/tfjs';
    const { initBackend } = await import(${JSON.stringify(BACKENDS)});
    const { clipByGlobalNorm } = await import(${JSON.stringify(CLIP)});
    await initBackend('webgpu');
    const values = Array.from({ length: 45 }, (_, i) =>
      Array.from({ length: 35 }, (_, j) => Math.sin(i * 35 + j) * (1 + (i % 5))));
    const want = values[0].map((_, j) => values.reduce((s, v) => s + v[j], 0));
    const got = await tf.addN(values.map((v) => tf.tensor2d(v, [7, 5]))).data();
    const sumErr = Math.max(...want.map((w, j) => Math.abs(w - got[j])));
    const grads = new Map(values.map((v, i) => ['g' + i, tf.tensor1d(v)]));
    const clipped = clipByGlobalNorm(grads, 5);
    const norm = (await clipped.norm.data())[0];
    const wantNorm = Math.sqrt(values.flat().reduce((s, x) => s + x * x, 0));
    // No device error so far; then a deliberate one (an invalid buffer usage) must stop the run.
    const { checkBackendErrors } = await import(${JSON.stringify(BACKENDS)});
    checkBackendErrors();
    tf.backend().device.createBuffer({ size: 4, usage: 0xffff });
    await new Promise((r) => setTimeout(r, 200));
    let stopped = {};
    try { checkBackendErrors(); } catch (e) { stopped = { code: e.code, message: e.message, hint: e.hint }; }
    console.log(JSON.stringify({ backend: tf.getBackend(), sumErr, norm, wantNorm, stopped }));
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    env,
    timeout: 120_000,
  });
  const why = noAdapter(r.stderr);
  if (why) return unavailable(t, why);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number | string> & {
    stopped: { code?: string; message?: string; hint?: string };
  };
  assert.equal(out.backend, 'webgpu');
  assert.ok((out.sumErr as number) < 1e-4, `AddN max error ${out.sumErr}`);
  const rel = Math.abs((out.norm as number) - (out.wantNorm as number)) / (out.wantNorm as number);
  assert.ok(rel < 1e-5, `global norm ${out.norm}, want ${out.wantNorm}`);
  assert.equal(out.stopped.code, 'E_BACKEND_GPU', 'a device error stops the run');
  assert.match(out.stopped.message ?? '', /^the WebGPU device reported an error: .*BufferUsage/);
  assert.match(out.stopped.hint ?? '', /not trustworthy.*--backend wasm/);
});

test('webgpu: tiny trains, evaluates and predicts with the losses and tags of wasm', (t) => {
  const missing = missingPackage();
  if (missing) return unavailable(t, missing);
  const train = (backend: string) => {
    const out = join(root, backend);
    const args = [
      'train',
      '--data',
      data,
      '--out',
      out,
      '--backend',
      backend,
      '--epochs',
      '2',
      '--limit',
      '40',
    ];
    return { r: cli(args, env), out };
  };
  const gpu = train('webgpu');
  const why = noAdapter(gpu.r.stderr);
  if (why) return unavailable(t, why);
  assert.equal(gpu.r.status, 0, gpu.r.stderr);
  assert.match(gpu.r.stderr, /backend: webgpu/);
  const ref = train('wasm');
  assert.equal(ref.r.status, 0, ref.r.stderr);

  type Step = { type: string; loss: Record<string, number>; gradNorm: number };
  const steps = (dir: string) =>
    readFileSync(join(dir, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Step)
      .filter((e) => e.type === 'step');
  const [a, b] = [steps(gpu.out), steps(ref.out)];
  assert.equal(a.length, 4);
  assert.equal(a.length, b.length);
  const close = (x: number, y: number, what: string) =>
    assert.ok(Math.abs(x - y) <= 1e-4 * Math.max(1, Math.abs(y)), `${what}: webgpu ${x}, wasm ${y}`);
  a.forEach((s, i) => {
    for (const part of Object.keys(b[i]!.loss))
      close(s.loss[part]!, b[i]!.loss[part]!, `step ${i + 1} ${part}`);
    close(s.gradNorm, b[i]!.gradNorm, `step ${i + 1} gradient norm`);
  });

  // eval/test.json: the same tags for (nearly) every token; float rounding may flip a near-tie.
  type Row = { pred: string[] };
  const preds = (dir: string) =>
    (JSON.parse(readFileSync(join(dir, 'eval', 'test.json'), 'utf8')).sentences as Row[]).flatMap(
      (s) => s.pred,
    );
  const [pa, pb] = [preds(gpu.out), preds(ref.out)];
  assert.equal(pa.length, pb.length);
  const agree = pa.filter((tag, i) => tag === pb[i]).length / pb.length;
  assert.ok(agree >= 0.98, `test tags agree on ${(100 * agree).toFixed(1)} % of tokens`);

  const input = join(root, 'in.jsonl');
  writeFileSync(input, '{"id":"a","tokens":["Jordan","is","in","Paris","!"]}\n');
  const predict = (backend: string) =>
    cli(['predict', '--run', gpu.out, '--input', input, '--backend', backend], env);
  const [pg, pw] = [predict('webgpu'), predict('wasm')];
  assert.equal(pg.status, 0, pg.stderr);
  assert.equal(pw.status, 0, pw.stderr);
  assert.equal(JSON.parse(pg.stdout).tags.length, 5);
  assert.deepEqual(JSON.parse(pg.stdout).tags, JSON.parse(pw.stdout).tags);
});
