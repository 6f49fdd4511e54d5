import { scanKeys, type RedisClient } from '../lib/redis.ts';
import type { RedisLayout } from '../schema/redis-keys.ts';

/**
 * Every segment member set of the deployment (every shard of every segment), for a profile to
 * leave those its document no longer names (a deletion, a restore of a forgotten profile).
 * Segments are few, so a SCAN of their keys is cheap; it runs on every primary, since on Redis
 * Cluster each node holds its own shards.
 */
export async function segmentMemberSets(
  redis: RedisClient,
  layout: RedisLayout,
): Promise<string[]> {
  const keys = new Set<string>();
  for await (const found of scanKeys(redis, layout.segmentMembersPattern))
    for (const key of found) keys.add(key);
  return [...keys];
}
