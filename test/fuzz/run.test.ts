/**
 * Run-directory files under fuzzing: events.jsonl, the inspection file, config.json (see
 * targets/run.ts).
 */
import { test } from 'node:test';
import { assertTarget } from './target.js';
import { RUN_TARGETS } from './targets/run.js';

for (const target of RUN_TARGETS) {
  test(target.name, { skip: target.skip }, () => assertTarget(target));
}
