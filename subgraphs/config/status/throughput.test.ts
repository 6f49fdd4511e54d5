import { describe, expect, it } from 'vitest';
import { perSecond } from './throughput.ts';

describe('events per second', () => {
  it('is the growth of the total over the seconds between two observations', () => {
    expect(perSecond({ total: 100, atMs: 10_000 }, { total: 400, atMs: 12_000 })).toBe(150);
  });

  it('is 0 without an earlier observation, without elapsed time, or when the total went down', () => {
    expect(perSecond(undefined, { total: 400, atMs: 12_000 })).toBe(0);
    expect(perSecond({ total: 100, atMs: 12_000 }, { total: 400, atMs: 12_000 })).toBe(0);
    expect(perSecond({ total: 500, atMs: 10_000 }, { total: 40, atMs: 12_000 })).toBe(0);
  });
});
