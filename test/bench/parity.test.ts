/**
 * The loss-agreement check that bench/parity.bench.ts prepares for the GPU machine, on the CPU:
 * mmner's paper-preset text model (BERT → CRF, AdamW, clipping) trained on wasm from the same
 * initial weights as PyTorch's independent implementation (bench/torch/bert.py) must give the
 * same losses, step by step. Skips with the reason when python3 has no torch.
 * At lr 1e-3 the two agree within 5e-7 relative here; scaling attention by 1/√(dₕ+1) instead of
 * 1/√dₕ moved them 4e-6 apart and ReLU for GELU 1e-2, hence the 2e-6 bound.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bertParity, SMALL_BERT } from '../../bench/parity.bench.js';
import { torchMissing } from '../../bench/torchRunner.js';

const missing = torchMissing();

test('BERT text model: mmner on wasm and PyTorch on the CPU give the same losses over 4 steps', {
  skip: missing,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmner-parity-test-'));
  try {
    const r = await bertParity(
      {
        backend: 'wasm',
        device: 'cpu',
        precisions: ['fp32'],
        bert: SMALL_BERT,
        batch: 4,
        steps: 4,
        threads: 1,
        lr: 1e-3,
      },
      dir,
    );
    assert.equal(r.ours.losses.length, 4);
    assert.equal(r.torch[0]!.losses.length, 4);
    r.relDiff.forEach((d, i) => {
      assert.ok(d < 2e-6, `step ${i + 1}: mmner ${r.ours.losses[i]} vs PyTorch ${r.torch[0]!.losses[i]}`);
    });
    // The steps really train (the same from both sides, by the check above).
    assert.ok(r.ours.losses[3]! < r.ours.losses[0]!, `losses ${r.ours.losses.join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
