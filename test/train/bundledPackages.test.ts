/**
 * provideOptionalPackage, as scripts/gpu-pack.mjs's bundle uses it: the backend's package is
 * loaded only when selected, after navigator.gpu is set, and a missing one is named exactly.
 * Fake Dawn and tfjs-backend-webgpu modules stand in (their own file: this changes module state).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../src/core/errors.js';
import { initBackend, provideOptionalPackage } from '../../src/train/backends.js';

const fakeDawn = {
  globals: {},
  create: () => ({ requestAdapter: async () => ({ fake: true }) }),
};

test('a bundled backend package missing its own dependency is named exactly (not as `webgpu`)', async () => {
  provideOptionalPackage('webgpu', async () => fakeDawn);
  provideOptionalPackage('@tensorflow/tfjs-backend-webgpu', async () => {
    throw Object.assign(
      new Error("Cannot find package '@tensorflow/tfjs-backend-webgpu' imported from x.mjs"),
      {
        code: 'ERR_MODULE_NOT_FOUND',
      },
    );
  });
  await assert.rejects(initBackend('webgpu'), (e: unknown) => {
    assert.ok(e instanceof MmnerError);
    assert.equal(e.code, 'E_BACKEND_MISSING');
    assert.match(e.detail, /needs @tensorflow\/tfjs-backend-webgpu, which is not installed/);
    return true;
  });
});

test('a bundled backend package is imported only when selected, after navigator.gpu is set', async () => {
  let sawGpu: unknown;
  provideOptionalPackage('webgpu', async () => fakeDawn);
  provideOptionalPackage('@tensorflow/tfjs-backend-webgpu', async () => {
    // What the real package does on import: register only when WebGPU is there.
    sawGpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
    if (sawGpu)
      tf.registerBackend(
        'webgpu',
        () => new (tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend)(),
      );
    return {};
  });
  assert.equal(tf.findBackendFactory('webgpu'), null);
  const choice = await initBackend('webgpu');
  assert.ok(sawGpu, 'navigator.gpu was set before the package loaded');
  assert.equal(choice.name, 'webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
});
