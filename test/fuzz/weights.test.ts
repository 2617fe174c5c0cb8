/**
 * Safetensors and checkpoints under fuzzing (see targets/weights.ts).
 */
import { test } from 'node:test';
import { assertTarget } from './target.js';
import { WEIGHTS_TARGETS } from './targets/weights.js';

for (const target of WEIGHTS_TARGETS) {
  test(target.name, { skip: target.skip }, () => assertTarget(target));
}
