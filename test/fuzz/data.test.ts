/**
 * The data-file readers and whole datasets under fuzzing (see targets/data.ts, dataset.ts);
 * `FUZZ_SEED=<n>` replays a run.
 */
import { test } from 'node:test';
import { assertTarget } from './target.js';
import { DATA_TARGETS } from './targets/data.js';
import { DATASET_TARGETS } from './targets/dataset.js';

for (const target of [...DATA_TARGETS, ...DATASET_TARGETS]) {
  test(target.name, { skip: target.skip }, () => assertTarget(target));
}
