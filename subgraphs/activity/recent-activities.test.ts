import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecentActivity } from '../../profiles/recent-activity.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { freePort } from '../../test/support/child-service.ts';
import { startOwnRedis, type OwnRedis } from '../../test/support/redis-server.ts';
import { createRecentActivityReader } from './recent-activities.ts';

const layout = redisLayout('recent-reader-test:');

const activity: RecentActivity = {
  messageId: 'm1',
  profileId: 'u1',
  type: 'page',
  name: 'Home',
  timestamp: '2026-03-01T10:00:00.000Z',
  receivedAt: '2026-03-01T10:00:00.000Z',
  properties: null,
  traits: null,
  context: { locale: 'en' },
};

describe('the recent-activity reader of the Activity subgraph', () => {
  let server: OwnRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await startOwnRedis();
    redis = new Redis(server.url);
    await redis.rpush(layout.recentActivity('u1'), JSON.stringify(activity), 'not json', '{}');
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
  });

  it('reads a profile’s list, skipping entries that are not activities', async () => {
    const read = createRecentActivityReader(redis, layout, () => 1_000);
    expect(await read('u1')).toEqual([activity]);
    expect(await read('nobody')).toEqual([]);
  });

  it('answers an empty list at once when Redis is not connected', async () => {
    const away = new Redis(`redis://127.0.0.1:${await freePort()}`, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    const started = Date.now();
    expect(await createRecentActivityReader(away, layout, () => 1_000)('u1')).toEqual([]);
    expect(Date.now() - started).toBeLessThan(500);
    away.disconnect();
  });

  it('answers an empty list when Redis does not answer in time', async () => {
    const admin = new Redis(server.url);
    try {
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const started = Date.now();
      expect(await createRecentActivityReader(redis, layout, () => 100)('u1')).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      admin.disconnect();
    }
  });
});
