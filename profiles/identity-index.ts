import type { RedisClient } from '../lib/redis.ts';
import type { UserProfile } from '../schema/profile.ts';
import type { RedisLayout } from '../schema/redis-keys.ts';

/**
 * The canonical profile id of each identifier, in the order asked, in one round trip (one GET
 * each, sent together: each identity key is in its own hash slot): the
 * profile it was linked to or merged into, else the identifier itself (docs/identity.md).
 * One hop is enough: a merge re-points every identifier of the profile it merges away.
 */
export async function resolveProfileIds(
  redis: RedisClient,
  layout: RedisLayout,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const targets = await Promise.all(ids.map((id) => redis.get(layout.identity(id))));
  return ids.map((id, index) => targets[index] ?? id);
}

/**
 * Writes the identity keys that restored profiles imply (from profile-changelog, the archive):
 * each identifier of a profile other than its own id resolves to it, and a profile it merged
 * (an older copy that came back with the restore) is removed. Run after the profiles
 * themselves were restored; idempotent. Returns how many merged-away copies were removed.
 */
export async function restoreIdentities(
  redis: RedisClient,
  layout: RedisLayout,
  profiles: ReadonlyArray<{ profile: Pick<UserProfile, 'id' | 'identifiers' | 'mergedFrom'> }>,
): Promise<number> {
  const pointers: Array<Promise<unknown>> = [];
  const unlinks: Array<Promise<number>> = [];
  for (const { profile } of profiles) {
    for (const identifier of profile.identifiers)
      if (identifier !== profile.id)
        pointers.push(redis.set(layout.identity(identifier), profile.id));
    for (const merged of profile.mergedFrom) unlinks.push(redis.unlink(layout.profile(merged)));
  }
  const [, removed] = await Promise.all([Promise.all(pointers), Promise.all(unlinks)]);
  return removed.filter((count) => count === 1).length;
}
