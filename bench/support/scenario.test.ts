import { describe, expect, it } from 'vitest';
import { alternateRuns, compareRuns } from './scenario.ts';

describe('compareRuns', () => {
  it('reports the medians and the median of the per-run ratios', () => {
    expect(
      compareRuns([
        { value: 50, baseline: 100 }, // 0.5
        { value: 90, baseline: 100 }, // 0.9
        { value: 30, baseline: 50 }, // 0.6
      ]),
    ).toEqual({ value: 50, baseline: 100, ratio: 0.6 });
  });
});

describe('alternateRuns', () => {
  it('runs the baseline first on odd runs and PulseHub first on even runs, reporting each', async () => {
    const order: string[] = [];
    const seen: number[] = [];
    const results = await alternateRuns(
      3,
      async (run) => (order.push(`pulsehub ${run}`), run * 10),
      async (run) => (order.push(`baseline ${run}`), run),
      ({ run }) => seen.push(run),
    );
    expect(order).toEqual([
      'baseline 1',
      'pulsehub 1',
      'pulsehub 2',
      'baseline 2',
      'baseline 3',
      'pulsehub 3',
    ]);
    expect(seen).toEqual([1, 2, 3]);
    expect(results[1]).toEqual({ run: 2, measured: 20, baseline: 2 });
  });
});
