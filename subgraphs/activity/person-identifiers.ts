import { sql } from 'drizzle-orm';
import type { Database } from '../../lib/postgres.ts';
import { profiles } from '../../schema/db/tables.ts';

/**
 * Every identifier of the person `id` belongs to, from the profile snapshots (the identity
 * graph's durable record, fed from profile-changelog): the `identifiers` of the canonical
 * profile's snapshot, whether `id` is that profile's id or one merged into it. An id no
 * snapshot knows yet (a profile the archiver has not snapshotted) is a person of its own.
 * The canonical id is the primary key; an identifier merged away is found by containment in
 * the snapshots' `identifiers`, which the identifiers index serves (schema/db/tables.ts).
 */
export async function personIdentifiers(db: Database, id: string): Promise<string[]> {
  const identifiers = sql`${profiles.snapshot} -> 'profile' -> 'identifiers'`;
  const own = await db.execute<{ identifiers: unknown }>(
    sql`select ${identifiers} as identifiers from ${profiles} where ${profiles.profileId} = ${id}`,
  );
  const found =
    own.rows[0] ??
    (
      await db.execute<{ identifiers: unknown }>(
        sql`select ${identifiers} as identifiers from ${profiles}
            where ${identifiers} @> jsonb_build_array(${id}::text) limit 1`,
      )
    ).rows[0];
  return withIdentifier(found?.identifiers, id);
}

/** The snapshot's identifiers as strings, always including the one asked for. */
export function withIdentifier(listed: unknown, id: string): string[] {
  const identifiers = Array.isArray(listed)
    ? listed.filter((value): value is string => typeof value === 'string')
    : [];
  return identifiers.includes(id) ? identifiers : [id, ...identifiers];
}
