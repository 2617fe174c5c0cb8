/**
 * V8's garbage collector, tuned for the host ops (src/model/module.ts): on wasm and cpu the CRF
 * loss, BiLSTM recurrence and char CNN run in JS and allocate typed arrays every step, and with
 * V8's concurrent marking (a helper thread marks while JS runs) a real Twitter-2017 training step
 * of the text-only tiny model took 212 ms; with marking on the main thread, 168 ms, and on one
 * core 313 vs 197 ms (bench/real-step.bench.ts, docs/performance.md). So training processes turn
 * concurrent marking off when they select a host backend. Node warns that V8 flags set after
 * start-up may misbehave; this one is set before any training and every test, demo and benchmark
 * runs with it, while `--single-threaded-gc` set the same way crashed V8 at once, so it is not
 * used. `MMNER_CONCURRENT_MARKING=1` keeps V8's default.
 */
import v8 from 'node:v8';

let decided: GcTuning | undefined;

export type GcTuning =
  | 'concurrent marking off'
  | 'kept: MMNER_CONCURRENT_MARKING=1'
  | 'kept: set on the command line';

/** Turns concurrent marking off once per process (see above); says what it did. */
export function tuneGcForHostOps(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
): GcTuning {
  if (decided) return decided;
  if (env.MMNER_CONCURRENT_MARKING === '1') decided = 'kept: MMNER_CONCURRENT_MARKING=1';
  else if (execArgv.some((a) => /^--(no-)?concurrent[-_]marking$/.test(a)))
    decided = 'kept: set on the command line';
  else {
    v8.setFlagsFromString('--no-concurrent-marking');
    decided = 'concurrent marking off';
  }
  return decided;
}

/** For tests: forget the decision so the next call decides again. */
export function resetGcTuningForTests(): void {
  decided = undefined;
}
