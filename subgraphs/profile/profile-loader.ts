import { inArray } from 'drizzle-orm';
import type { RedisClient } from '../../lib/redis.ts';
import type { Database } from '../../lib/postgres.ts';
import { resolveProfileIds } from '../../profiles/identity-index.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';
import { restoreProfiles } from '../../profiles/profile-restore.ts';
import { profiles } from '../../schema/db/tables.ts';
import type { StoredProfile, UserProfile } from '../../schema/profile.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';

export interface ProfileLoader {
  /** The person's live profile, by any of its identifiers; null when nobody knows it. */
  load(id: string): Promise<UserProfile | null>;
  /**
   * Several in the order asked, each by any identifier: one MGET resolves them, one Redis
   * round trip reads them, one query serves the misses.
   */
  loadMany(ids: readonly string[]): Promise<Array<UserProfile | null>>;
}

export interface ProfileLoaderDeps {
  store: ProfileStore;
  redis: RedisClient;
  layout: RedisLayout;
  db: Database;
}

/**
 * Identifiers resolve to their canonical profile first (docs/identity.md), so the answer's
 * `id` may differ from the one asked. Then Redis; on a miss (evicted, flushed, a fresh Redis)
 * the canonical id's last snapshot in PostgreSQL, which is then put back into Redis so the
 * next read and the processor's next event find it. The re-warm only fills an empty key: a
 * profile the processor wrote meanwhile is never replaced by an older snapshot.
 *
 * The snapshot is looked up by the resolved id (its primary key), not by the identifiers it
 * lists: the identity keys live beside the profiles in Redis and come back with them from the
 * changelog, while the snapshot table has no index on identifiers (a containment query would
 * scan it on every miss, every unknown id included). Resolving first also keeps the snapshot
 * of a profile merged away (its tombstone not archived yet) from being served or re-warmed.
 */
export function createProfileLoader(deps: ProfileLoaderDeps): ProfileLoader {
  async function fromSnapshots(ids: readonly string[]): Promise<Map<string, StoredProfile>> {
    if (ids.length === 0) return new Map();
    const rows = await deps.db
      .select({ snapshot: profiles.snapshot })
      .from(profiles)
      .where(inArray(profiles.profileId, [...new Set(ids)]));
    const found = rows.map((row) => row.snapshot as StoredProfile);
    // A profile merged away while the query ran resolves elsewhere now: not re-warmed.
    const now = await resolveProfileIds(
      deps.redis,
      deps.layout,
      found.map((s) => s.profile.id),
    );
    const current = found.filter((snapshot, index) => now[index] === snapshot.profile.id);
    if (current.length > 0) await restoreProfiles(deps.redis, deps.layout, current, 'absent');
    return new Map(current.map((snapshot) => [snapshot.profile.id, snapshot]));
  }

  async function loadMany(ids: readonly string[]): Promise<Array<UserProfile | null>> {
    const canonical = await resolveProfileIds(deps.redis, deps.layout, ids);
    const live = await deps.store.readMany(canonical);
    const missing = canonical.filter((_, index) => live[index] === undefined);
    const snapshots = await fromSnapshots(missing);
    return canonical.map((id, index) => live[index]?.profile ?? snapshots.get(id)?.profile ?? null);
  }
  return {
    loadMany,
    load: async (id) => (await loadMany([id]))[0] ?? null,
  };
}
