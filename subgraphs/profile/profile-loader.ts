import { inArray } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Database } from '../../lib/postgres.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';
import { restoreProfiles } from '../../profiles/profile-restore.ts';
import { profiles } from '../../schema/db/tables.ts';
import type { StoredProfile, UserProfile } from '../../schema/profile.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';

export interface ProfileLoader {
  /** The live profile; null when neither Redis nor the snapshot table knows it. */
  load(id: string): Promise<UserProfile | null>;
  /** Several profiles in the order asked: one Redis round trip, one query for the misses. */
  loadMany(ids: readonly string[]): Promise<Array<UserProfile | null>>;
}

export interface ProfileLoaderDeps {
  store: ProfileStore;
  redis: Redis;
  layout: RedisLayout;
  db: Database;
}

/**
 * Redis first; on a miss (evicted, flushed, a fresh Redis) the last snapshot in PostgreSQL,
 * which is then put back into Redis so the next read and the processor's next event find it.
 * The re-warm only fills an empty key: a profile the processor wrote meanwhile is never
 * replaced by an older snapshot.
 */
export function createProfileLoader(deps: ProfileLoaderDeps): ProfileLoader {
  async function loadMany(ids: readonly string[]): Promise<Array<UserProfile | null>> {
    const live = await deps.store.readMany(ids);
    const missing = ids.filter((_, index) => live[index] === undefined);
    if (missing.length === 0) return live.map((entry) => entry?.profile ?? null);
    const rows = await deps.db
      .select({ snapshot: profiles.snapshot })
      .from(profiles)
      .where(inArray(profiles.profileId, [...new Set(missing)]));
    const snapshots = new Map(
      rows.map((row) => {
        const snapshot = row.snapshot as StoredProfile;
        return [snapshot.profile.id, snapshot];
      }),
    );
    if (snapshots.size > 0)
      await restoreProfiles(deps.redis, deps.layout, [...snapshots.values()], 'absent');
    return ids.map((id, index) => live[index]?.profile ?? snapshots.get(id)?.profile ?? null);
  }
  return {
    loadMany,
    load: async (id) => (await loadMany([id]))[0] ?? null,
  };
}
