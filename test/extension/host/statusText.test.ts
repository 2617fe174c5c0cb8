import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusText } from '../../../src/extension/host/statusText.js';

test('the status bar names the backend and the running job with its progress', () => {
  assert.equal(statusText('wasm'), 'mmner: wasm');
  assert.equal(
    statusText('wasm', { label: 'training runs/x', fraction: 0.4 }),
    'mmner: wasm · training runs/x 40%',
  );
  assert.equal(statusText('webgpu', { label: 'evaluating runs/x' }), 'mmner: webgpu · evaluating runs/x');
  assert.equal(
    statusText('cpu', { label: 'training runs/x', fraction: 0.999 }),
    'mmner: cpu · training runs/x 99%',
  );
});
