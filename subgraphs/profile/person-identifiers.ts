import { sql } from 'drizzle-orm';
import type { RedisClient } from '../../lib/redis.ts';
import type { Database } from '../../lib/postgres.ts';
import { resolveProfileIds } from '../../profiles/identity-index.ts';
import { parseStoredProfile, type UserProfile } from '../../schema/profile.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';

/** A person as a deletion must erase it: its canonical id first, then its other identifiers. */
export interface Person {
  canonical: string;
  /** Every identifier known to resolve to the person, the canonical id first. */
  identifiers: string[];
}

export interface PersonSources {
  redis: RedisClient;
  layout: RedisLayout;
  db: Database;
}

type Listed = Pick<UserProfile, 'id' | 'identifiers' | 'mergedFrom'>;

/**
 * The snapshots that name `ids` as their id or among their identifiers: the primary key and
 * the identifiers index (schema/db/tables.ts), one containment test per id so the planner
 * combines index scans. It is what lets a deletion that failed half-way be finished by the
 * same call with a non-canonical identifier whose identity key the first attempt removed.
 */
async function snapshotsNaming(db: Database, ids: readonly string[]): Promise<Listed[]> {
  const wanted = [...new Set(ids)];
  const listed = wanted.map(
    (id) => sql`snapshot -> 'profile' -> 'identifiers' @> jsonb_build_array(${id}::text)`,
  );
  const result = await db.execute<{ profile: Partial<Listed> }>(sql`
    select snapshot -> 'profile' as profile from profiles
    where profile_id in ${wanted} or ${sql.join(listed, sql` or `)}`);
  return result.rows.flatMap(({ profile }) =>
    typeof profile.id === 'string'
      ? [
          {
            id: profile.id,
            identifiers: Array.isArray(profile.identifiers) ? profile.identifiers : [],
            mergedFrom: Array.isArray(profile.mergedFrom) ? profile.mergedFrom : [],
          },
        ]
      : [],
  );
}

/**
 * Who `id` is: the canonical profile it resolves to (its identity key), and every identifier
 * of that person, from the live document and from the snapshots (which outlive a deletion's
 * Redis step until its PostgreSQL step, so a re-called deletion still finds them all).
 */
export async function personOf(sources: PersonSources, id: string): Promise<Person> {
  const [resolved = id] = await resolveProfileIds(sources.redis, sources.layout, [id]);
  const doc = await sources.redis.hget(sources.layout.profile(resolved), 'doc');
  const live = doc === null ? undefined : parseStoredProfile(resolved, doc).profile;
  const snapshots = await snapshotsNaming(sources.db, [id, resolved]);
  // Without a live document (evicted, or erased by an earlier attempt) the snapshot naming
  // the id tells whose it is.
  const canonical =
    live?.id ??
    snapshots.find((s) => s.id === resolved || s.identifiers.includes(id))?.id ??
    resolved;
  const identifiers = new Set([canonical, id, resolved]);
  for (const profile of [...(live ? [live] : []), ...snapshots]) {
    identifiers.add(profile.id);
    for (const each of [...profile.identifiers, ...profile.mergedFrom]) identifiers.add(each);
  }
  identifiers.delete(canonical);
  return { canonical, identifiers: [canonical, ...[...identifiers].sort()] };
}
