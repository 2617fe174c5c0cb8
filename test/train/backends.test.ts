import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmnerError } from '../../src/core/errors.js';
import { availableBackends, initBackend } from '../../src/train/backends.js';

const status = new Map(availableBackends().map((s) => [s.name, s]));

test('availableBackends lists all four; wasm and cpu are installed here', () => {
  assert.deepEqual([...status.keys()], ['wasm', 'webgpu', 'tensorflow', 'cpu']);
  assert.equal(status.get('wasm')?.installed, true);
  assert.equal(status.get('cpu')?.installed, true);
  for (const s of status.values()) if (!s.installed) assert.match(s.hint ?? '', /npm install/);
});

async function rejectsMissing(name: 'webgpu' | 'tensorflow', hint: RegExp): Promise<void> {
  await assert.rejects(initBackend(name), (e: unknown) => {
    assert.ok(e instanceof MmnerError);
    assert.equal(e.code, 'E_BACKEND_MISSING');
    assert.match(e.hint ?? '', hint);
    return true;
  });
}

test('webgpu without the `webgpu` package: an MmnerError with the install hint', async (t) => {
  if (status.get('webgpu')?.installed) return t.skip('webgpu is installed on this machine');
  await rejectsMissing('webgpu', /npm install webgpu .*libvulkan1/);
});

test('tensorflow without tfjs-node: an MmnerError with the install hint', async (t) => {
  if (status.get('tensorflow')?.installed) return t.skip('tfjs-node is installed on this machine');
  await rejectsMissing('tensorflow', /npm install @tensorflow\/tfjs-node/);
});

test('an unknown name is an MmnerError listing the choices', async () => {
  await assert.rejects(initBackend('metal' as 'cpu'), { code: 'E_BACKEND_UNKNOWN', hint: /auto, wasm/ });
});

test('cpu is selected without the "install our node backend" banner', async () => {
  const warned: unknown[][] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => void warned.push(a);
  try {
    assert.equal((await initBackend('cpu')).name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    tf.tensor([1, 2]).dispose();
  } finally {
    console.warn = orig;
  }
  assert.deepEqual(warned, []);
});

test('auto picks wasm here and says why, with our kernels registered', async (t) => {
  if (status.get('tensorflow')?.installed || status.get('webgpu')?.installed) {
    return t.skip('a faster backend is installed on this machine');
  }
  const r = await initBackend('auto');
  assert.equal(r.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(r.note, /tensorflow not installed; webgpu not installed; using wasm/);
  assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'));
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
});
