import { describe, expect, it } from 'vitest';
import { compareRuns } from './scenario.ts';

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
