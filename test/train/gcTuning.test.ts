import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { resetGcTuningForTests, tuneGcForHostOps } from '../../src/train/gcTuning.node.js';

test('concurrent marking is turned off once, unless the environment or the command line says otherwise', () => {
  resetGcTuningForTests();
  assert.equal(tuneGcForHostOps({ MMNER_CONCURRENT_MARKING: '1' }, []), 'kept: MMNER_CONCURRENT_MARKING=1');
  resetGcTuningForTests();
  assert.equal(tuneGcForHostOps({}, ['--concurrent-marking']), 'kept: set on the command line');
  resetGcTuningForTests();
  assert.equal(tuneGcForHostOps({}, ['--no-concurrent_marking']), 'kept: set on the command line');
  resetGcTuningForTests();
  assert.equal(tuneGcForHostOps({}, ['--max-old-space-size=4096']), 'concurrent marking off');
  // Decided once per process: a later call with another environment changes nothing.
  assert.equal(tuneGcForHostOps({ MMNER_CONCURRENT_MARKING: '1' }, []), 'concurrent marking off');
});

test('a process that turned concurrent marking off still collects garbage (typed-array churn, forced GCs)', () => {
  const script = `
    import { tuneGcForHostOps } from './src/train/gcTuning.node.ts';
    console.log(tuneGcForHostOps());
    let keep = 0;
    for (let i = 0; i < 20000; i++) { const a = new Float64Array(4096); a[i % 4096] = i; keep += a[i % 4096]; }
    globalThis.gc();
    console.log(keep, process.memoryUsage().heapUsed < 200 * 2 ** 20);
  `;
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      env: { ...process.env, MMNER_CONCURRENT_MARKING: '' },
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['concurrent marking off', `${(20000 * 19999) / 2} true`]);
});
