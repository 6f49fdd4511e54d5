import { sql } from 'drizzle-orm';
import type { Database } from '../lib/postgres.ts';
import type { ErasureFence } from './erasure-fence.ts';

/** What deletes and reads the archive's erasures: the pool, or a transaction on it. */
type Executor = Pick<Database, 'execute'>;

/** The ids as one jsonb parameter (drizzle would spread an array into a parameter each). */
const idList = (ids: readonly string[]) => sql`${JSON.stringify([...new Set(ids)])}::jsonb`;

/**
 * Records (or moves on) the fences of a person's identifiers in `erasures`, one row each, in
 * one statement committed before anything is erased.
 */
export async function recordErasures(
  db: Executor,
  fences: ReadonlyMap<string, ErasureFence>,
): Promise<void> {
  if (fences.size === 0) return;
  const rows = [...fences].map(([profileId, fence]) => ({
    profile_id: profileId,
    fence_id: fence.id,
    offsets: fence.offsets,
  }));
  await db.execute(sql`
    insert into erasures (profile_id, fence_id, offsets, erased_at)
    select profile_id, fence_id, offsets, now()
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as r(profile_id text, fence_id text, offsets jsonb)
    on conflict (profile_id) do update
      set fence_id = excluded.fence_id, offsets = excluded.offsets, erased_at = excluded.erased_at`);
}

/** The fences of those of `profileIds` that were erased (one indexed lookup). */
export async function fencesOf(
  db: Executor,
  profileIds: readonly string[],
): Promise<Map<string, ErasureFence>> {
  if (profileIds.length === 0) return new Map();
  const result = await db.execute<{
    profile_id: string;
    fence_id: string;
    offsets: Record<string, number>;
  }>(sql`select profile_id, fence_id, offsets from erasures
         where profile_id in (select jsonb_array_elements_text(${idList(profileIds)}))`);
  return new Map(
    result.rows.map((row) => [row.profile_id, { id: row.fence_id, offsets: row.offsets }]),
  );
}

/**
 * Deletes the archived events of `profileIds` that lie below their profile's fence, with their
 * dedupe keys, in one statement; returns how many events went. Events at or above the fence
 * (sent after the deletion) stay. A profile without a fence loses nothing.
 */
export async function purgeErasedEvents(
  db: Executor,
  profileIds: readonly string[],
): Promise<number> {
  if (profileIds.length === 0) return 0;
  const result = await db.execute<{ n: number }>(sql`
    with fence as (
      select profile_id, offsets from erasures
      where profile_id in (select jsonb_array_elements_text(${idList(profileIds)}))
    ), gone as (
      delete from events e using fence f
      where e.profile_id = f.profile_id
        and e.source_offset < coalesce((f.offsets ->> e.source_partition::text)::bigint, 0)
      returning e.profile_id, e.message_id
    ), keys as (
      delete from event_keys k using gone g
      where k.profile_id = g.profile_id collate "C" and k.message_id = g.message_id collate "C"
    )
    select count(*)::int as n from gone`);
  return result.rows[0]?.n ?? 0;
}
