import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declaresMmnerKernel } from '../../../src/extension/host/contributions.js';

test('a notebook saved with the mmner kernelspec is recognised wherever ipynb keeps its metadata', () => {
  const kernelspec = { name: 'mmner', display_name: 'mmner', language: 'typescript' };
  assert.equal(declaresMmnerKernel({ kernelspec }), true);
  assert.equal(declaresMmnerKernel({ metadata: { kernelspec } }), true);
  assert.equal(declaresMmnerKernel({ custom: { metadata: { kernelspec } } }), true);
  assert.equal(declaresMmnerKernel({ metadata: { kernelspec: { name: 'python3' } } }), false);
  assert.equal(declaresMmnerKernel({}), false);
  assert.equal(declaresMmnerKernel(undefined), false);
  assert.equal(declaresMmnerKernel({ kernelspec: 'mmner' }), false);
});
