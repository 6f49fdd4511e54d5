import { describe, expect, it } from 'vitest';
import { runClosedLoop } from './closed-loop.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runClosedLoop', () => {
  it('keeps `concurrency` operations in flight and counts only the measured window', async () => {
    let inFlight = 0;
    let most = 0;
    const result = await runClosedLoop(
      async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(5);
        inFlight--;
      },
      { concurrency: 4, warmupMs: 50, durationMs: 200 },
    );
    expect(most).toBe(4);
    expect(result.errors).toBe(0);
    // 4 loops of ~5 ms operations for 200 ms: at most 160 fit; timers on a busy machine are late.
    expect(result.operations).toBeGreaterThan(10);
    expect(result.operations).toBeLessThanOrEqual(160);
    expect(result.perSecond).toBe(result.operations / 0.2);
    expect(result.latency.count).toBe(result.operations);
    expect(result.latency.p50).toBeGreaterThanOrEqual(4);
  });

  it('counts failures of the window and keeps the first message', async () => {
    const result = await runClosedLoop(
      async (_loop, iteration) => {
        await sleep(2);
        if (iteration % 2 === 1) throw new Error(`boom ${iteration}`);
      },
      { concurrency: 1, warmupMs: 0, durationMs: 60 },
    );
    expect(result.errors).toBeGreaterThan(0);
    expect(result.firstError).toBe('boom 1');
  });
});
