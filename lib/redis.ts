import { Redis } from 'ioredis';
import { redisTimeoutSettings, type RedisTimeouts } from './dependency-timeouts.ts';
import { settlesWithin } from './deadline.ts';
import type { Component } from './lifecycle.ts';

/** The defaults of config/application.yml `redis.*` timeouts, for callers without settings. */
export const DEFAULT_REDIS_TIMEOUTS: RedisTimeouts = redisTimeoutSettings.parse({});

/**
 * An ioredis client wrapped as a component; `lazyConnect` so start() decides when to connect.
 * Every call is bounded in time, so a Redis that accepts connections but never answers fails
 * calls like one that refuses them: connectTimeout bounds a connection attempt (ioredis then
 * reconnects with its backoff), commandTimeout rejects a command without an answer, and the
 * readiness PING has its own, shorter bound.
 */
export function createRedisComponent(
  url: string,
  name = 'redis',
  timeouts: RedisTimeouts = DEFAULT_REDIS_TIMEOUTS,
): Component & { client: Redis } {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: true,
    connectTimeout: timeouts.connectTimeoutMs,
    commandTimeout: timeouts.commandTimeoutMs,
  });

  /** A PONG within readyTimeoutMs. */
  async function answers(): Promise<boolean> {
    if (client.status !== 'ready') return false;
    let pong = false;
    const probe = client.ping().then((reply) => {
      pong = reply === 'PONG';
    });
    const inTime = await settlesWithin(probe, timeouts.readyTimeoutMs);
    return inTime && pong;
  }

  return {
    name,
    client,
    start: () => client.connect(),
    stop: async () => {
      await client.quit().catch(() => client.disconnect());
    },
    ready: answers,
  };
}
