import type { RedisClient } from '../../lib/redis.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';

/** Every member of a segment: the union of its shards (schema/redis-keys.ts), sorted. */
export async function segmentMembersIn(
  redis: RedisClient,
  layout: RedisLayout,
  segment: string,
): Promise<string[]> {
  const shards = await Promise.all(
    layout.segmentMemberShards(segment).map((key) => redis.smembers(key)),
  );
  return shards.flat().toSorted();
}

/** How many profiles a segment holds: SCARD summed over its shards. */
export async function segmentSize(
  redis: RedisClient,
  layout: RedisLayout,
  segment: string,
): Promise<number> {
  const counts = await Promise.all(
    layout.segmentMemberShards(segment).map((key) => redis.scard(key)),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
