/** One measured number of a benchmark, as bench/run.ts prints and stores it. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}
