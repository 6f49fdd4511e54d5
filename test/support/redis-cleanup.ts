import { connectRedis, scanKeys } from '../../lib/redis.ts';

/**
 * Removes one namespace's keys; never FLUSHALL, other tests and services share this Redis. Each
 * key is unlinked on its own (auto-pipelined, so one round trip per node per batch): on a
 * cluster a multi-key UNLINK must name keys of one slot, and a namespace spans all of them.
 */
export async function deleteKeysWithPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = connectRedis(redisUrl, { enableAutoPipelining: true, lazyConnect: true });
  try {
    // Resolves once a cluster client knows its nodes: scanKeys scans the primaries known then.
    await redis.connect();
    for await (const keys of scanKeys(redis, `${prefix}*`)) {
      await Promise.all(keys.map((key) => redis.unlink(key)));
    }
  } finally {
    redis.disconnect();
  }
}
