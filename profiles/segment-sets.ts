import type { Redis } from 'ioredis';
import type { RedisLayout } from '../schema/redis-keys.ts';

/**
 * Every segment member set of the deployment, for a profile to leave those its document no
 * longer names (a deletion, a restore of a forgotten profile). Segments are few, so a SCAN of
 * their keys is cheap.
 */
export async function segmentMemberSets(redis: Redis, layout: RedisLayout): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(
      cursor,
      'MATCH',
      layout.segmentMembersPattern,
      'COUNT',
      1_000,
    );
    for (const key of found) keys.add(key);
    cursor = next;
  } while (cursor !== '0');
  return [...keys];
}
