/**
 * A fuzz target: one property over one reader, run briefly by the test files (`ciRuns`) and at
 * length by scripts/fuzz.ts. Every property is async so both can drive them the same way.
 */
import fc from 'fast-check';

export interface CheckParams {
  numRuns: number;
  seed?: number;
  path?: string;
}

export interface CheckResult {
  failed: boolean;
  numRuns: number;
  seed: number;
  /** fast-check's report (seed, path, minimal counterexample, error) when it failed. */
  report?: string;
}

export interface FuzzTarget {
  /** `reader: what the inputs are`, e.g. `imgid-conll: mutated real files`. */
  name: string;
  /** The reader it exercises, for per-reader totals. */
  reader: string;
  /** Runs in the test files; together the fuzz folder stays within ~20 s on one core. */
  ciRuns: number;
  /** A reason to skip (real data missing), or false. */
  skip: string | false;
  check(params: CheckParams): Promise<CheckResult>;
}

/** Wraps an async predicate over `arb` (it throws to fail) as a target. */
export function fuzzTarget<T>(
  spec: { name: string; reader: string; ciRuns: number; skip?: string | false },
  arb: fc.Arbitrary<T>,
  predicate: (input: T) => unknown,
): FuzzTarget {
  // Built on the first check and reused by the later ones (the script checks in batches).
  let property: fc.IAsyncPropertyWithHooks<[T]> | undefined;
  return {
    name: spec.name,
    reader: spec.reader,
    ciRuns: spec.ciRuns,
    skip: spec.skip ?? false,
    async check(params) {
      property ??= fc.asyncProperty(arb, async (input) => {
        await predicate(input);
      });
      const details = await fc.check(property, params);
      const result: CheckResult = { failed: details.failed, numRuns: details.numRuns, seed: details.seed };
      if (details.failed) {
        const error = details.errorInstance;
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        result.report = clip(`${(await fc.asyncDefaultReportMessage(details)) ?? ''}\nError: ${message}`);
      }
      return result;
    },
  };
}

/** Long lines (a 50 k-byte counterexample) cut to a readable length. */
function clip(report: string, max = 800): string {
  return report
    .split('\n')
    .map((l) => (l.length > max ? `${l.slice(0, max)}… (${l.length} characters)` : l))
    .join('\n');
}

/** The seed for CI runs: `FUZZ_SEED` when set (to replay), else fast-check's own. */
export function ciSeed(): number | undefined {
  const s = process.env.FUZZ_SEED;
  return s === undefined || s === '' ? undefined : Number(s);
}

/** Runs a target for the test files; throws fast-check's report on failure. */
export async function assertTarget(target: FuzzTarget): Promise<void> {
  const seed = ciSeed();
  const r = await target.check({ numRuns: target.ciRuns, ...(seed === undefined ? {} : { seed }) });
  if (r.failed) throw new Error(`${target.name}\n${r.report ?? '(no report)'}`);
}
