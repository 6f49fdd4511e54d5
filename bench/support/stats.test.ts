import { describe, expect, it } from 'vitest';
import { drainRate, median, percentile, summarize } from './stats.ts';

describe('percentile (nearest rank)', () => {
  const values = Array.from({ length: 100 }, (_, index) => 100 - index); // 100..1, unsorted order

  it('picks the smallest value with at least q of the samples at or below it', () => {
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 1)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
  });

  it('returns a value that occurred, never an interpolation', () => {
    expect(percentile([10, 20], 0.5)).toBe(10);
    expect(percentile([10, 20], 0.51)).toBe(20);
    expect(percentile([7], 0.99)).toBe(7);
  });

  it('is NaN without samples and refuses quantiles outside [0, 1]', () => {
    expect(percentile([], 0.5)).toBeNaN();
    expect(() => percentile([1], 99)).toThrow(RangeError);
  });

  it('does not reorder its input', () => {
    const input = [3, 1, 2];
    percentile(input, 0.5);
    expect(input).toEqual([3, 1, 2]);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores runs that produced no number', () => {
    expect(median([NaN, 2, 4, Infinity])).toBe(3);
    expect(median([])).toBeNaN();
  });
});

describe('summarize', () => {
  it('reports count, mean, p50, p95, p99 and max', () => {
    const values = Array.from({ length: 1_000 }, (_, index) => index + 1);
    expect(summarize(values)).toEqual({
      count: 1_000,
      mean: 500.5,
      p50: 500,
      p95: 950,
      p99: 990,
      max: 1_000,
    });
  });

  it('is empty without samples', () => {
    expect(summarize([]).count).toBe(0);
    expect(summarize([]).p99).toBeNaN();
  });
});

describe('drainRate', () => {
  it('measures from the last look before any progress to the first complete look', () => {
    const samples = [
      { atMs: 0, committed: 0 },
      { atMs: 1_000, committed: 0 },
      { atMs: 1_500, committed: 1_000 },
      { atMs: 2_500, committed: 6_000 },
      { atMs: 3_000, committed: 10_000 },
      { atMs: 4_000, committed: 10_000 },
    ];
    expect(drainRate(samples, 10_000)).toEqual({ events: 10_000, seconds: 2, rate: 5_000 });
  });

  it('measures a drain that finished between two looks', () => {
    const samples = [
      { atMs: 0, committed: 0 },
      { atMs: 20, committed: 0 },
      { atMs: 40, committed: 500 },
    ];
    expect(drainRate(samples, 500)).toEqual({ events: 500, seconds: 0.02, rate: 25_000 });
  });

  it('starts at the first look when progress was already under way', () => {
    const samples = [
      { atMs: 0, committed: 2_000 },
      { atMs: 500, committed: 6_000 },
      { atMs: 1_000, committed: 10_000 },
    ];
    expect(drainRate(samples, 10_000)).toEqual({ events: 8_000, seconds: 1, rate: 8_000 });
  });

  it('is undefined when it never finished or was finished at the first look', () => {
    expect(drainRate([{ atMs: 0, committed: 10 }], 100)).toBeUndefined();
    expect(drainRate([{ atMs: 5, committed: 100 }], 100)).toBeUndefined();
  });
});
