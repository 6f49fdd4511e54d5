import type { RedisClient } from '../../lib/redis.ts';
import { settlesWithin } from '../../lib/deadline.ts';
import { parseRecentActivity, type RecentActivity } from '../../profiles/recent-activity.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';

/** A profile's recent activities (the processor's `recent:{id}` list), in no particular order. */
export type RecentActivityReader = (profileId: string) => Promise<RecentActivity[]>;

/**
 * Reads the recent-activity list of a canonical profile. The list only bridges the archive's
 * lag, so it never fails a query: Redis not connected, an error, or no answer within
 * `timeoutMs()` (activity.yml `recentActivity.readTimeoutMs`) reads as an empty list, and the
 * archive alone answers, as it did before the event was announced.
 */
export function createRecentActivityReader(
  redis: RedisClient,
  layout: RedisLayout,
  timeoutMs: () => number,
): RecentActivityReader {
  return async (profileId) => {
    if (redis.status !== 'ready') return [];
    let entries: string[] = [];
    const read = redis.lrange(layout.recentActivity(profileId), 0, -1).then((list) => {
      entries = list;
    });
    if (!(await settlesWithin(read, timeoutMs()))) return [];
    const activities: RecentActivity[] = [];
    for (const entry of entries) {
      const activity = parseRecentActivity(entry);
      if (activity !== undefined) activities.push(activity);
    }
    return activities;
  };
}
