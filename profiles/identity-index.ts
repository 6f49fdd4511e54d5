import type { Redis } from 'ioredis';
import type { UserProfile } from '../schema/profile.ts';
import type { RedisLayout } from '../schema/redis-keys.ts';

/**
 * The canonical profile id of each identifier, in the order asked, in one round trip: the
 * profile it was linked to or merged into, else the identifier itself (docs/identity.md).
 * One hop is enough: a merge re-points every identifier of the profile it merges away.
 */
export async function resolveProfileIds(
  redis: Redis,
  layout: RedisLayout,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const targets = await redis.mget(ids.map((id) => layout.identity(id)));
  return ids.map((id, index) => targets[index] ?? id);
}

/**
 * Writes the identity keys that restored profiles imply (from profile-changelog, the archive):
 * each identifier of a profile other than its own id resolves to it, and a profile it merged
 * (an older copy that came back with the restore) is removed. Run after the profiles
 * themselves were restored; idempotent. Returns how many merged-away copies were removed.
 */
export async function restoreIdentities(
  redis: Redis,
  layout: RedisLayout,
  profiles: ReadonlyArray<{ profile: Pick<UserProfile, 'id' | 'identifiers' | 'mergedFrom'> }>,
): Promise<number> {
  const pipeline = redis.pipeline();
  for (const { profile } of profiles) {
    for (const identifier of profile.identifiers)
      if (identifier !== profile.id) pipeline.set(layout.identity(identifier), profile.id);
    for (const merged of profile.mergedFrom) pipeline.unlink(layout.profile(merged));
  }
  if (pipeline.length === 0) return 0;
  let removed = 0;
  for (const [error, reply] of (await pipeline.exec()) ?? []) {
    if (error) throw error;
    // SET answers OK, UNLINK the number of keys it removed.
    if (reply === 1) removed += 1;
  }
  return removed;
}
