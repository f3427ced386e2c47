// Shared benchmark plumbing. A bench file (bench/NAME.bench.ts) default-exports an async
// function returning BenchResult[]; bench/run.ts runs every such file and prints, per group,
// ops/s and the ratio to the group's baseline measured in the same process.

export interface BenchResult {
  /** Results in one group are compared with each other. */
  group: string;
  name: string;
  opsPerSec: number;
  /** The result the others in its group are divided by (at most one per group). */
  baseline?: boolean;
}

export type BenchFn = () => Promise<BenchResult[]>;

/** Whatever benchmarks compute goes here, so the optimiser cannot drop the work. */
export let sink: unknown;

export interface MeasureOptions {
  /** Total time spent measuring, after warm-up. */
  timeMs?: number;
  warmupMs?: number;
  samples?: number;
}

/**
 * Ops/s of `batch(n)`, which must do n operations. Runs warm-up, sizes batches to the sample
 * length, and reports the median of the samples (robust to a GC pause in one of them).
 */
export function measure(batch: (n: number) => unknown, opts: MeasureOptions = {}): number {
  const timeMs = opts.timeMs ?? 1000;
  const samples = opts.samples ?? 7;
  const warmupMs = opts.warmupMs ?? 200;

  let n = 64;
  let start = performance.now();
  while (performance.now() - start < warmupMs) {
    sink = batch(n);
    if (n < 1 << 24) n *= 2;
  }
  // Calibrate: how many operations fill one sample?
  start = performance.now();
  sink = batch(n);
  const perOp = Math.max((performance.now() - start) / n, 1e-7);
  const ops = Math.max(1, Math.round(timeMs / samples / perOp));

  const rates: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    sink = batch(ops);
    rates.push(ops / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[samples >> 1]!;
}
