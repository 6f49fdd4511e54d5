import { describe, expect, it } from 'vitest';
import { runOpenLoop } from './open-loop.ts';

describe('runOpenLoop', () => {
  it('sends rate × time events in ticks, counting only the window as measured', async () => {
    const sends: Array<[number, boolean]> = [];
    const totals = await runOpenLoop(
      { rate: 1_000, tickMs: 10, warmupMs: 50, durationMs: 100 },
      (count, measured) => sends.push([count, measured]),
    );
    // 150 ms at 1,000 events/s, 10 per 10 ms tick: however late the timers, nothing is owed.
    expect(totals.sent).toBe(150);
    expect(sends.reduce((sum, [count]) => sum + count, 0)).toBe(150);
    expect(totals.measured).toBe(100);
    expect(sends.filter(([, measured]) => !measured).reduce((sum, [c]) => sum + c, 0)).toBe(50);
  });

  it('spreads fractional rates without losing events', async () => {
    const totals = await runOpenLoop(
      { rate: 150, tickMs: 10, warmupMs: 0, durationMs: 200 },
      () => undefined,
    );
    expect(totals.sent).toBe(30);
  });
});
