import { eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Database } from '../../lib/postgres.ts';
import type { ProfileStore } from '../../lib/profile-store.ts';
import { restoreProfiles } from '../../lib/profile-restore.ts';
import { profiles } from '../../schema/db/tables.ts';
import type { StoredProfile, UserProfile } from '../../schema/profile.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';

export interface ProfileLoader {
  /** The live profile; null when neither Redis nor the snapshot table knows it. */
  load(id: string): Promise<UserProfile | null>;
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
  return {
    async load(id) {
      const [live] = await deps.store.readMany([id]);
      if (live) return live.profile;
      const [row] = await deps.db
        .select({ snapshot: profiles.snapshot })
        .from(profiles)
        .where(eq(profiles.profileId, id));
      if (!row) return null;
      const snapshot = row.snapshot as StoredProfile;
      await restoreProfiles(deps.redis, deps.layout, [snapshot], 'absent');
      return snapshot.profile;
    },
  };
}
