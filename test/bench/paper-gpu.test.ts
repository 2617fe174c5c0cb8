/**
 * bench/paper-gpu.bench.ts, which scripts/gpu-run.sh runs on the GPU machine, at its small size on
 * wasm: the paper preset's whole multimodal model (BERT, a fine-tuned ViT, a frozen ResNet, the
 * collaboration module, NT-Xent, CRF) builds from random weights and trains, and the figures the
 * GPU run reports are there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paperGpu } from '../../bench/paper-gpu.bench.js';

test('the paper multimodal model (small) trains on wasm; the GPU run reports its step times and memory', async () => {
  const r = await paperGpu({ backend: 'wasm', size: 'small', batch: 2, steps: 3 });
  assert.equal(r.backend, 'wasm');
  assert.equal(r.losses.length, 3);
  assert.equal(r.stepMs.length, 3);
  assert.ok(r.losses.every(Number.isFinite), `losses ${r.losses}`);
  assert.ok(r.losses[2]! < r.losses[0]!, `one batch, three steps: the loss falls (${r.losses})`);
  assert.ok(r.params.trainable > 1e6, 'BERT, ViT, projections and the CRF train');
  assert.ok(r.params.frozen > 0, 'the ResNet is frozen');
  assert.ok(r.medianStepMs > 0);
  assert.equal(typeof r.memory.numTensors, 'number');
});
