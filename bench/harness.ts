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

/**
 * `npm run bench -- --smoke` (bench/run.ts sets D4C_BENCH_SMOKE=1 before loading the benches):
 * every bench at a tiny size, to show that it runs to the end (`npm run check` does it). Its
 * figures mean nothing.
 */
export function smoke(): boolean {
  return process.env.D4C_BENCH_SMOKE === '1';
}

/** A bench's size: `full`, or `tiny` in smoke mode. */
export function size(full: number, tiny: number): number {
  return smoke() ? tiny : full;
}

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
  return measureInterleaved([batch], opts)[0]!;
}

/**
 * Like `measure` for several contenders, taking their samples in turns (A B A B ...) so that
 * load from other processes on the machine hits all of them alike and ratios stay meaningful.
 */
export function measureInterleaved(batches: ((n: number) => unknown)[], opts: MeasureOptions = {}): number[] {
  const timeMs = smoke() ? 5 : (opts.timeMs ?? 1000);
  const samples = smoke() ? 1 : (opts.samples ?? 9);
  const warmupMs = smoke() ? 1 : (opts.warmupMs ?? 200);

  const sizes = batches.map((batch) => {
    let n = 64;
    const start = performance.now();
    while (performance.now() - start < warmupMs) {
      sink = batch(n);
      if (n < 1 << 24) n *= 2;
    }
    // Calibrate: how many operations fill one sample?
    const t0 = performance.now();
    sink = batch(n);
    const perOp = Math.max((performance.now() - t0) / n, 1e-7);
    return Math.max(1, Math.round(timeMs / samples / perOp));
  });

  const rates: number[][] = batches.map(() => []);
  for (let i = 0; i < samples; i++) {
    batches.forEach((batch, b) => {
      const ops = sizes[b]!;
      const t0 = performance.now();
      sink = batch(ops);
      rates[b]!.push(ops / ((performance.now() - t0) / 1000));
    });
  }
  return rates.map((r) => r.sort((a, b) => a - b)[r.length >> 1]!);
}
