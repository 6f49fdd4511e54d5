import { and, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../lib/postgres.ts';
import { events } from '../../schema/db/tables.ts';
import type { ActivityCursor } from './cursor.ts';

export type ActivityRow = typeof events.$inferSelect;

/** Which events to list; every filter given must match. Times are ISO 8601 strings. */
export interface ActivityFilter {
  /** A person's events: those whose profile id (the event key) is any of these identifiers. */
  profileIds?: readonly string[] | undefined;
  type?: string | null | undefined;
  name?: string | null | undefined;
  since?: string | null | undefined;
  until?: string | null | undefined;
}

/** The conditions besides the profile, which `listActivities` applies per identifier. */
function eventConditions(filter: ActivityFilter): Array<SQL | undefined> {
  return [
    filter.type == null ? undefined : eq(events.type, filter.type),
    filter.name == null ? undefined : eq(events.name, filter.name),
    filter.since == null ? undefined : gte(events.timestamp, filter.since),
    filter.until == null ? undefined : lt(events.timestamp, filter.until),
  ];
}

function filterConditions(filter: ActivityFilter): Array<SQL | undefined> {
  return [
    filter.profileIds === undefined ? undefined : inArray(events.profileId, [...filter.profileIds]),
    ...eventConditions(filter),
  ];
}

/**
 * One page of events, newest first, by keyset on (timestamp, messageId, profileId): no OFFSET, so pages
 * stay stable while new events arrive and deep pages cost what the first one does.
 */
export async function listActivities(
  db: Database,
  filter: ActivityFilter,
  limit: number,
  after: ActivityCursor | undefined,
): Promise<ActivityRow[]> {
  if (filter.profileIds !== undefined)
    return listPersonActivities(db, filter.profileIds, filter, limit, after);
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

type RawActivityRow = Omit<ActivityRow, 'timestamp' | 'receivedAt'> & {
  timestamp: Date | string;
  receivedAt: Date | string;
};

/**
 * The page for a person's identifiers: per identifier, a walk of `events_profile_newest_idx`
 * in its own order (DESC NULLS LAST, as the index is built: a plain DESC would not match it
 * and PostgreSQL would read and sort every event of the profile), at most `limit` rows each,
 * merged across the month partitions; the few rows of all identifiers are then sorted.
 * `profile_id = any(...)` instead reads every event of every identifier before sorting.
 * The cursor's (timestamp, messageId) bound is an index condition; its profileId tie-break
 * (two identifiers with one messageId at one instant) filters the one row at the bound.
 */
async function listPersonActivities(
  db: Database,
  profileIds: readonly string[],
  filter: ActivityFilter,
  limit: number,
  after: ActivityCursor | undefined,
): Promise<ActivityRow[]> {
  const afterCondition =
    after === undefined
      ? undefined
      : sql`(${events.timestamp}, ${events.messageId}) <= (${after.timestamp}::timestamptz, ${after.messageId})
            and ((${events.timestamp}, ${events.messageId}) < (${after.timestamp}::timestamptz, ${after.messageId})
                 or person.id < ${after.profileId})`;
  const conditions = and(
    sql`${events.profileId} = person.id`,
    ...eventConditions(filter),
    afterCondition,
  );
  const result = await db.execute<RawActivityRow>(sql`
    select page.* from unnest(array[${sql.join(
      profileIds.map((id) => sql`${id}`),
      sql`, `,
    )}]::text[]) as person(id)
    cross join lateral (
      select ${events.messageId} as "messageId", ${events.type} as "type", ${events.name} as "name",
             ${events.profileId} as "profileId", ${events.userId} as "userId",
             ${events.anonymousId} as "anonymousId", ${events.properties} as "properties",
             ${events.traits} as "traits", ${events.context} as "context", ${events.extra} as "extra",
             ${events.timestamp} as "timestamp", ${events.receivedAt} as "receivedAt",
             ${events.sourcePartition} as "sourcePartition", ${events.sourceOffset} as "sourceOffset"
      from ${events}
      where ${conditions}
      order by ${events.timestamp} desc nulls last, ${events.messageId} desc nulls last
      limit ${limit}
    ) as page
    order by page."timestamp" desc, page."messageId" desc, page."profileId" desc
    limit ${limit}`);
  return result.rows.map((row) => ({
    ...row,
    timestamp: new Date(row.timestamp).toISOString(),
    receivedAt: new Date(row.receivedAt).toISOString(),
    sourceOffset: Number(row.sourceOffset),
  }));
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

/**
 * A person's event counts (the events of all its identifiers) in one query: per type, per name
 * and overall (grouping sets). Every matching row is counted anyway, so `= any` suits it.
 */
export async function summarizeActivities(
  db: Database,
  profileIds: readonly string[],
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
    where ${and(inArray(events.profileId, [...profileIds]), since === undefined ? undefined : gte(events.timestamp, since))}
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
