import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_CONFIG_DIR } from '../../../config/client/sources.ts';
import { configServiceConfigSchema } from '../config.ts';
import type { SystemStatus } from './model.ts';
import { createStatusFeed } from './status-feed.ts';

const statusAt = (ms: number): SystemStatus => ({
  observedAt: new Date(ms),
  events: { total: ms, perSecond: 0 },
  consumers: [],
  deadLetters: { total: 0, latest: [] },
  services: [],
  dependencies: [],
  subscriptions: { connections: 0 },
});

describe('the status feed', () => {
  it('answers queries from the latest fresh observation and observes once when none is', async () => {
    let clock = 1_000;
    let observations = 0;
    const feed = createStatusFeed({
      observe: () => {
        observations++;
        return Promise.resolve(statusAt(clock));
      },
      intervalMs: 60_000,
      now: () => clock,
    });
    const [a, b] = await Promise.all([feed.latest(), feed.latest()]);
    expect(a).toBe(b);
    expect(observations).toBe(1);
    clock += 60_001;
    expect((await feed.latest()).events.total).toBe(clock);
    expect(observations).toBe(2);
    feed.close();
  });

  it('gives every subscriber the status now, then each new observation', async () => {
    let observations = 0;
    const feed = createStatusFeed({
      observe: () => Promise.resolve(statusAt(++observations)),
      intervalMs: 10,
    });
    const first = feed.subscribe();
    const second = feed.subscribe();
    const totals = async (iterator: AsyncIterableIterator<SystemStatus>) => [
      (await iterator.next()).value.events.total as number,
      (await iterator.next()).value.events.total as number,
    ];
    const [a, b] = await Promise.all([totals(first), totals(second)]);
    expect(a[1]).toBeGreaterThan(a[0]!);
    expect(b[1]).toBeGreaterThan(b[0]!);
    await first.return?.();
    feed.close();
    expect((await second.next()).done).toBe(true);
  });
});

describe('the status interval', () => {
  it('defaults to what config/config.yml says', async () => {
    const yml = parse(
      await readFile(path.join(DEFAULT_CONFIG_DIR, 'config.yml'), 'utf8'),
    ) as Record<string, unknown>;
    expect(yml['status']).toEqual(configServiceConfigSchema.shape.status.parse(undefined));
  });
});
