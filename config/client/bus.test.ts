import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/http.ts';
import { startOwnRedis, type OwnRedis } from '../../test/support/redis-server.ts';
import { createConfigBus, type ConfigNotice } from './bus.ts';

const CHANNEL = 'config-bus-test';
const notice: ConfigNotice = {
  applications: ['gateway'],
  version: 'v1',
  label: 'main',
  origin: 'setConfig',
  at: '2026-01-01T00:00:00.000Z',
};

/** A bus on the test channel, recording what it hands over, warns and reports. */
function recordingBus(redisUrl: string, subscribeTimeoutMs?: number) {
  const seen = { notices: [] as ConfigNotice[], warnings: [] as string[], subscribed: 0 };
  const ignore = () => undefined;
  const bus = createConfigBus({
    redisUrl,
    channel: CHANNEL,
    logger: { debug: ignore, info: ignore, error: ignore, warn: (_o, m) => seen.warnings.push(m) },
    onNotice: (n) => seen.notices.push(n),
    onSubscribed: () => seen.subscribed++,
    ...(subscribeTimeoutMs === undefined ? {} : { subscribeTimeoutMs }),
  });
  return { bus, seen };
}

describe('the config bus', () => {
  let server: OwnRedis;
  let publisher: Redis;

  beforeAll(async () => {
    server = await startOwnRedis();
    publisher = new Redis(server.url, { maxRetriesPerRequest: null });
    publisher.on('error', () => undefined); // reconnects while the server restarts
  });
  afterAll(async () => {
    publisher?.disconnect();
    await server?.dispose();
  });

  it('hands notices over, ignores malformed ones, and says when it (re)subscribed', async () => {
    const { bus, seen } = recordingBus(server.url);
    await bus.start();
    try {
      expect(seen.subscribed).toBe(1);
      await publisher.publish(CHANNEL, 'not a notice');
      await publisher.publish(CHANNEL, JSON.stringify(notice));
      await eventually(async () => (seen.notices.length > 0 ? true : undefined));
      expect(seen.notices).toEqual([notice]);
      expect(seen.warnings).toEqual(['ignored a malformed configuration notice']);

      // Notices published while Redis was away are lost: the bus says so once it is back.
      await server.kill();
      await server.restart();
      await eventually(async () => (seen.subscribed === 2 ? true : undefined));
      await publisher.publish(CHANNEL, JSON.stringify({ ...notice, version: 'v2' }));
      await eventually(async () => (seen.notices.length === 2 ? true : undefined));
    } finally {
      await bus.stop();
    }
  });

  it('starts without Redis, warns, and subscribes once Redis answers', async () => {
    await server.kill();
    const { bus, seen } = recordingBus(server.url, 200);
    await bus.start();
    try {
      expect(seen.warnings).toEqual([
        'configuration change channel not reachable yet; live updates resume once Redis answers',
      ]);
      expect(seen.subscribed).toBe(0);
      await server.restart();
      await eventually(async () => (seen.subscribed === 1 ? true : undefined));
    } finally {
      await bus.stop();
    }
  });
});
