import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisAddress } from './redis-address.ts';
import { redisTimeoutSettings, type RedisTimeouts } from './dependency-timeouts.ts';
import { settlesWithin } from './deadline.ts';
import type { Component } from './lifecycle.ts';

/**
 * A connection to Redis, one server or a Redis Cluster: every caller takes this type, so the
 * code paths are the same on both. Multi-key steps (scripts, MGET) must name keys of one hash
 * slot (schema/redis-keys.ts); several independent commands are sent together through
 * auto-pipelining, which groups them per node, never through `pipeline()` (on a cluster a
 * pipeline must stay on one node).
 */
export type RedisClient = Redis | Cluster;

/** The defaults of config/application.yml `redis.*` timeouts, for callers without settings. */
export const DEFAULT_REDIS_TIMEOUTS: RedisTimeouts = redisTimeoutSettings.parse({});

/**
 * A client for a Redis address (lib/redis-address.ts): a `Redis` for one server, a `Cluster`
 * for seed nodes, with the same per-connection options on every node.
 */
export function connectRedis(
  address: string,
  options: RedisOptions = {},
  clusterOptions: Omit<ClusterOptions, 'redisOptions'> = {},
): RedisClient {
  const parsed = parseRedisAddress(address);
  if (parsed.kind === 'single') return new Redis(parsed.url, options);
  const { lazyConnect, enableAutoPipelining, retryStrategy, ...perNode } = options;
  return new Cluster(parsed.seeds, {
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    ...(typeof retryStrategy === 'function'
      ? { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null }
      : {}),
    ...clusterOptions,
    redisOptions: {
      ...perNode,
      ...(parsed.username === undefined ? {} : { username: parsed.username }),
      ...(parsed.password === undefined ? {} : { password: parsed.password }),
      ...(parsed.tls ? { tls: {} } : {}),
    },
  });
}

/** The primaries holding the data: every master of a cluster, or the one server. */
export function primaries(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/**
 * The primaries once the client knows them: a cluster client learns its nodes when it
 * connects, so before that `primaries` would be empty and a scan would silently see nothing.
 */
export async function knownPrimaries(client: RedisClient): Promise<Redis[]> {
  if (client instanceof Cluster && client.status !== 'ready') await client.ping();
  return primaries(client);
}

/**
 * Every key matching `pattern`, in batches, from every primary (SCAN is per node). A cluster's
 * node list is the one known when the scan starts.
 */
export async function* scanKeys(client: RedisClient, pattern: string): AsyncGenerator<string[]> {
  for (const node of await knownPrimaries(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      if (keys.length > 0) yield keys;
      cursor = next;
    } while (cursor !== '0');
  }
}

/**
 * A Redis client wrapped as a component; `lazyConnect` so start() decides when to connect.
 * Every call is bounded in time, so a Redis that accepts connections but never answers fails
 * calls like one that refuses them: connectTimeout bounds a connection attempt (ioredis then
 * reconnects with its backoff), commandTimeout rejects a command without an answer, and the
 * readiness PING has its own, shorter bound.
 */
export function createRedisComponent(
  url: string,
  name = 'redis',
  timeouts: RedisTimeouts = DEFAULT_REDIS_TIMEOUTS,
): Component & { client: RedisClient } {
  const client = connectRedis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: true,
    connectTimeout: timeouts.connectTimeoutMs,
    commandTimeout: timeouts.commandTimeoutMs,
  });

  /** A PONG within readyTimeoutMs (from every primary of a cluster). */
  async function answers(): Promise<boolean> {
    if (client.status !== 'ready') return false;
    let pong = false;
    const probe = Promise.all(primaries(client).map((node) => node.ping())).then((replies) => {
      pong = replies.every((reply) => reply === 'PONG');
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
