import { Redis } from 'ioredis';
import type { Component } from './lifecycle.ts';

/** An ioredis client wrapped as a component; `lazyConnect` so start() decides when to connect. */
export function createRedisComponent(url: string, name = 'redis'): Component & { client: Redis } {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: true,
  });
  return {
    name,
    client,
    start: () => client.connect(),
    stop: async () => {
      await client.quit().catch(() => client.disconnect());
    },
    ready: async () => client.status === 'ready' && (await client.ping()) === 'PONG',
  };
}
