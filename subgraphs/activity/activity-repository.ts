import { and, desc, eq, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../lib/postgres.ts';
import { events } from '../../schema/db/tables.ts';
import type { ActivityCursor } from './cursor.ts';

export type ActivityRow = typeof events.$inferSelect;

/** Which events to list; every filter given must match. Times are ISO 8601 strings. */
export interface ActivityFilter {
  profileId?: string | null | undefined;
  type?: string | null | undefined;
  name?: string | null | undefined;
  since?: string | null | undefined;
  until?: string | null | undefined;
}

function filterConditions(filter: ActivityFilter): Array<SQL | undefined> {
  return [
    filter.profileId == null ? undefined : eq(events.profileId, filter.profileId),
    filter.type == null ? undefined : eq(events.type, filter.type),
    filter.name == null ? undefined : eq(events.name, filter.name),
    filter.since == null ? undefined : gte(events.timestamp, filter.since),
    filter.until == null ? undefined : lt(events.timestamp, filter.until),
  ];
}

/**
 * One page of events, newest first, by keyset on (timestamp, messageId, profileId): no OFFSET, so pages
 * stay stable while new events arrive and deep pages cost what the first one does. With a
 * profile id the (profile_id, timestamp, message_id) index serves it, otherwise the timestamp one.
 */
export async function listActivities(
  db: Database,
  filter: ActivityFilter,
  limit: number,
  after: ActivityCursor | undefined,
): Promise<ActivityRow[]> {
  const afterCondition =
    after === undefined
      ? undefined
      : or(
          lt(events.timestamp, after.timestamp),
          and(eq(events.timestamp, after.timestamp), lt(events.messageId, after.messageId)),
          and(
            eq(events.timestamp, after.timestamp),
            eq(events.messageId, after.messageId),
            lt(events.profileId, after.profileId),
          ),
        );
  return db
    .select()
    .from(events)
    .where(and(...filterConditions(filter), afterCondition))
    .orderBy(desc(events.timestamp), desc(events.messageId), desc(events.profileId))
    .limit(limit);
}

export async function countEvents(db: Database): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(events);
  return row?.count ?? 0;
}

export interface ActivitySummaryRow {
  total: number;
  firstAt: string | null;
  lastAt: string | null;
  byType: Array<{ type: string; count: number }>;
  byName: Array<{ name: string; count: number }>;
}

function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

/** Most names an activity summary lists. */
export const SUMMARY_NAMES = 50;

/** A profile's event counts in one query: per type, per name and overall (grouping sets). */
export async function summarizeActivities(
  db: Database,
  profileId: string,
  since: string | undefined,
): Promise<ActivitySummaryRow> {
  const result = await db.execute<{
    type: string | null;
    name: string | null;
    by_type: boolean;
    by_name: boolean;
    count: number;
    first_at: Date | string | null;
    last_at: Date | string | null;
  }>(sql`
    select type, name, grouping(type) = 0 as by_type, grouping(name) = 0 as by_name,
           count(*)::int as count, min(timestamp) as first_at, max(timestamp) as last_at
    from ${events}
    where ${and(eq(events.profileId, profileId), since === undefined ? undefined : gte(events.timestamp, since))}
    group by grouping sets ((type), (name), ())`);
  const summary: ActivitySummaryRow = {
    total: 0,
    firstAt: null,
    lastAt: null,
    byType: [],
    byName: [],
  };
  for (const row of result.rows) {
    if (row.by_type) summary.byType.push({ type: row.type ?? '', count: row.count });
    // Events without a name (identify, group, alias) are counted by type only.
    else if (row.by_name && row.name !== null)
      summary.byName.push({ name: row.name, count: row.count });
    else if (!row.by_name) {
      summary.total = row.count;
      summary.firstAt = isoOrNull(row.first_at);
      summary.lastAt = isoOrNull(row.last_at);
    }
  }
  const largestFirst = (a: { count: number }, b: { count: number }) => b.count - a.count;
  summary.byType.sort((a, b) => largestFirst(a, b) || a.type.localeCompare(b.type));
  summary.byName.sort((a, b) => largestFirst(a, b) || a.name.localeCompare(b.name));
  summary.byName.splice(SUMMARY_NAMES);
  return summary;
}

export type VolumeUnit = 'minute' | 'hour' | 'day' | 'week' | 'month';

/**
 * Events per UTC calendar bucket in [from, to), empty buckets included, oldest first. Buckets
 * are computed on UTC wall time so days and months do not shift with the session time zone.
 */
export async function eventVolume(
  db: Database,
  unit: VolumeUnit,
  from: string,
  to: string,
  filter: Pick<ActivityFilter, 'type' | 'name'>,
): Promise<Array<{ start: string; count: number }>> {
  const step = `1 ${unit}`;
  const result = await db.execute<{ start: string; count: number }>(sql`
    with counted as (
      select date_trunc(${unit}, timestamp at time zone 'UTC') as bucket, count(*)::int as count
      from ${events}
      where ${and(
        gte(events.timestamp, from),
        lt(events.timestamp, to),
        ...filterConditions(filter),
      )}
      group by 1
    )
    select to_char(series.bucket, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as start,
           coalesce(counted.count, 0) as count
    from generate_series(
      date_trunc(${unit}, ${from}::timestamptz at time zone 'UTC'),
      ${to}::timestamptz at time zone 'UTC' - interval '1 microsecond',
      ${step}::interval
    ) as series(bucket)
    left join counted on counted.bucket = series.bucket
    order by series.bucket`);
  return result.rows;
}
