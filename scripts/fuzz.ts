/**
 * The reader fuzz properties of test/fuzz, run at length: every target in turn, with fresh
 * seeds, until the time is spent; then, per reader, the inputs tried and the failures, each
 * with fast-check's report (seed and path replay it: `FUZZ_SEED=<seed>` in the test files).
 *
 *   node --import tsx scripts/fuzz.ts [--seconds N] [--seed S] [--only TEXT]
 *
 * Writes nothing outside the temp folder: the readers' scratch files, and on failure the full
 * reports in /tmp/mmner-fuzz-<time>.txt. Exits 1 when any property failed.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FuzzTarget } from '../test/fuzz/target.js';
import { DATA_TARGETS } from '../test/fuzz/targets/data.js';
import { DATASET_TARGETS } from '../test/fuzz/targets/dataset.js';
import { MANIFEST_TARGETS } from '../test/fuzz/targets/manifest.js';
import { RUN_TARGETS } from '../test/fuzz/targets/run.js';
import { WEIGHTS_TARGETS } from '../test/fuzz/targets/weights.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    seed: { type: 'string' },
    only: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);

const all = [...DATA_TARGETS, ...DATASET_TARGETS, ...MANIFEST_TARGETS, ...RUN_TARGETS, ...WEIGHTS_TARGETS];
const targets = all.filter((t) => !t.skip && (!values.only || t.name.includes(values.only)));
for (const t of all) if (t.skip) console.log(`skipped ${t.name}: ${t.skip}`);

interface Tally {
  target: FuzzTarget;
  inputs: number;
  batches: number;
  failures: number;
  /** Distinct failures (by their error line) with one report each. */
  distinct: Map<string, string>;
  /** Runs per batch, tuned so that a batch takes about a second. */
  batch: number;
}

const tallies: Tally[] = targets.map((target) => ({
  target,
  inputs: 0,
  batches: 0,
  failures: 0,
  distinct: new Map(),
  batch: target.ciRuns,
}));

/** The line that names what went wrong, to tell failures apart. */
function errorLine(report: string): string {
  const line = report.split('\n').find((l) => l.startsWith('Error: ')) ?? report.split('\n')[0]!;
  return line.replace(/\d+(\.\d+)?/g, 'N').slice(0, 200);
}

let seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const started = Date.now();
const deadline = started + seconds * 1000;
console.log(`fuzzing ${targets.length} targets for ${seconds} s (first seed ${seed})`);

while (Date.now() < deadline) {
  for (const t of tallies) {
    if (Date.now() >= deadline) break;
    const t0 = performance.now();
    const r = await t.target.check({ numRuns: t.batch, seed: seed++ });
    const ms = performance.now() - t0;
    t.inputs += r.numRuns;
    t.batches++;
    if (r.failed) {
      t.failures++;
      const report = r.report ?? '(no report)';
      const key = errorLine(report);
      if (!t.distinct.has(key)) {
        t.distinct.set(key, `seed ${r.seed}\n${report}`);
        console.log(`FAIL ${t.target.name}: ${key}`);
      }
    } else {
      t.batch = Math.max(10, Math.min(20_000, Math.round((t.batch * 1000) / Math.max(ms, 1))));
    }
  }
}

const elapsed = (Date.now() - started) / 1000;
console.log(
  `\n${elapsed.toFixed(0)} s, ${tallies.reduce((a, t) => a + t.inputs, 0).toLocaleString('en-US')} inputs\n`,
);
const pad = (s: string | number, w: number, left = false) =>
  left ? String(s).padEnd(w) : String(s).padStart(w);
console.log(`${pad('target', 48, true)}${pad('inputs', 10)}${pad('failures', 10)}`);
for (const t of tallies)
  console.log(
    `${pad(t.target.name, 48, true)}${pad(t.inputs.toLocaleString('en-US'), 10)}${pad(t.failures, 10)}`,
  );

const readers = new Map<string, { inputs: number; failures: number }>();
for (const t of tallies) {
  const r = readers.get(t.target.reader) ?? { inputs: 0, failures: 0 };
  r.inputs += t.inputs;
  r.failures += t.failures;
  readers.set(t.target.reader, r);
}
console.log(`\n${pad('reader', 16, true)}${pad('inputs', 10)}${pad('failures', 10)}`);
for (const [name, r] of readers)
  console.log(`${pad(name, 16, true)}${pad(r.inputs.toLocaleString('en-US'), 10)}${pad(r.failures, 10)}`);

const failed = tallies.filter((t) => t.failures > 0);
if (failed.length > 0) {
  const path = join(tmpdir(), `mmner-fuzz-${started}.txt`);
  const text = failed
    .flatMap((t) => [...t.distinct.values()].map((report) => `== ${t.target.name}\n${report}\n`))
    .join('\n');
  writeFileSync(path, text);
  console.log(`\nfailure reports: ${path}`);
  process.exitCode = 1;
}
