/** Latency (or any sample) distribution as the tables and JSON report it. */
export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of `values` by the nearest-rank method: the smallest value with at
 * least q of the samples at or below it, so a p99 is always a latency that really occurred.
 * NaN for no samples.
 */
export function percentile(values: readonly number[], q: number): number {
  if (q < 0 || q > 1) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return quantileOfSorted(sorted, q);
}

function quantileOfSorted(sorted: readonly number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    p50: quantileOfSorted(sorted, 0.5),
    p95: quantileOfSorted(sorted, 0.95),
    p99: quantileOfSorted(sorted, 0.99),
    max: sorted[sorted.length - 1] as number,
  };
}

/** One sample of a consumer group's progress: committed events at a moment (ms). */
export interface ProgressSample {
  atMs: number;
  committed: number;
  /** CPU time the consumer's process had used by then, seconds (when watched). */
  cpuSeconds?: number;
}

/**
 * Events per second of a drain: from the last sample before any progress (or, when progress
 * was already under way at the first look, that first sample) to the first sample showing
 * `total`. Every consumer, PulseHub's and the baselines', is timed by this same yardstick
 * however long it takes to start and join its group; the error is at most one poll interval.
 * Undefined when the samples never show `total`, or show it already at the first look.
 */
export function drainRate(
  samples: readonly ProgressSample[],
  total: number,
): { events: number; seconds: number; rate: number; cpuSeconds?: number } | undefined {
  const done = samples.findIndex((sample) => sample.committed >= total);
  if (done <= 0) return undefined;
  const firstProgress = samples.findIndex((sample) => sample.committed > 0);
  const start = samples[Math.max(0, firstProgress - 1)] as ProgressSample;
  const end = samples[done] as ProgressSample;
  const events = total - start.committed;
  const seconds = (end.atMs - start.atMs) / 1_000;
  if (events <= 0 || seconds <= 0) return undefined;
  const cpuSeconds =
    start.cpuSeconds !== undefined && end.cpuSeconds !== undefined
      ? { cpuSeconds: end.cpuSeconds - start.cpuSeconds }
      : {};
  return { events, seconds, rate: events / seconds, ...cpuSeconds };
}
