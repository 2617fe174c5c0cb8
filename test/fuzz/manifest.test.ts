/**
 * The located JSON parser and the dataset manifest under fuzzing (see targets/manifest.ts).
 */
import { test } from 'node:test';
import { assertTarget } from './target.js';
import { MANIFEST_TARGETS } from './targets/manifest.js';

for (const target of MANIFEST_TARGETS) {
  test(target.name, { skip: target.skip }, () => assertTarget(target));
}
