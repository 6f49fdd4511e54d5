import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { BatchAbandonedError, createSinkGuard } from './sink-guard.ts';

function guardWithLog() {
  const log: string[] = [];
  const guard = createSinkGuard({
    name: 'test sink',
    logger: createLogger('test', 'silent'),
    initialBackoffMs: 1,
    maxBackoffMs: 4,
    sliceMs: 1,
    pause: () => log.push('pause'),
    resume: () => log.push('resume'),
    onAvailability: (available) => log.push(available ? 'up' : 'down'),
  });
  return { guard, log };
}

describe('sink guard', () => {
  it('pauses on the first failure, retries, and resumes after the first success', async () => {
    const { guard, log } = guardWithLog();
    let calls = 0;
    const seenAvailable: boolean[] = [];
    const result = await guard.run(
      async () => {
        calls++;
        seenAvailable.push(guard.available());
        if (calls < 4) throw new Error('connect ECONNREFUSED');
        return 'written';
      },
      { isActive: () => true, heartbeat: () => Promise.resolve() },
    );
    expect(result).toBe('written');
    expect(seenAvailable).toEqual([true, false, false, false]);
    expect(log).toEqual(['pause', 'down', 'resume', 'up']);
    expect(guard.available()).toBe(true);
  });

  it('gives the batch up (throws) once the consumer stops, never reporting success', async () => {
    const { guard } = guardWithLog();
    let active = true;
    const run = guard.run(
      async () => {
        active = false;
        throw new Error('connection terminated');
      },
      { isActive: () => active, heartbeat: () => Promise.resolve() },
    );
    await expect(run).rejects.toBeInstanceOf(BatchAbandonedError);
    expect(guard.available()).toBe(false);
  });

  it('resumes the consumer when it gives a batch up, so the next assignment is fetched', async () => {
    const { guard, log } = guardWithLog();
    let active = true;
    const run = guard.run(
      async () => {
        active = false;
        throw new Error('connection terminated');
      },
      { isActive: () => active, heartbeat: () => Promise.resolve() },
    );
    await expect(run).rejects.toBeInstanceOf(BatchAbandonedError);
    expect(log).toEqual(['pause', 'down', 'resume']);
    // Still down: the next batch's first attempt decides, and pauses again if it fails.
    expect(guard.available()).toBe(false);
  });

  it('heartbeats while a slow write runs, so the member keeps its partitions', async () => {
    const { guard } = guardWithLog();
    let heartbeats = 0;
    const result = await guard.run(
      async () => {
        // Done once several slices (1 ms each here) of heartbeats went out meanwhile.
        while (heartbeats < 3) await new Promise((resolve) => setTimeout(resolve, 5));
        return 'written';
      },
      {
        isActive: () => true,
        heartbeat: () => {
          heartbeats++;
          // A rebalance reported meanwhile must not fail the write in hand.
          return Promise.reject(new Error('The group is rebalancing'));
        },
      },
    );
    expect(result).toBe('written');
    const afterWrite = heartbeats;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heartbeats, 'no heartbeats once the write is done').toBe(afterWrite);
  });

  it('gives the batch up when a heartbeat reports a rebalance', async () => {
    const { guard, log } = guardWithLog();
    const rebalance = new Error('The group is rebalancing');
    const run = guard.run(() => Promise.reject(new Error('down')), {
      isActive: () => true,
      heartbeat: () => Promise.reject(rebalance),
    });
    await expect(run).rejects.toBe(rebalance);
    expect(log.at(-1)).toBe('resume');
  });
});
