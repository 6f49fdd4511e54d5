import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../lib/postgres.ts';
import { events } from '../../schema/db/tables.ts';
import type { ActivityCursor } from './cursor.ts';

export type ActivityRow = typeof events.$inferSelect;

/** One page of a profile's events, newest first, by keyset (no OFFSET: stable and fast). */
export async function profileActivities(
  db: Database,
  profileId: string,
  limit: number,
  after: ActivityCursor | undefined,
): Promise<ActivityRow[]> {
  const afterCondition =
    after === undefined
      ? undefined
      : or(
          lt(events.timestamp, after.timestamp),
          and(eq(events.timestamp, after.timestamp), lt(events.messageId, after.messageId)),
        );
  return db
    .select()
    .from(events)
    .where(and(eq(events.profileId, profileId), afterCondition))
    .orderBy(desc(events.timestamp), desc(events.messageId))
    .limit(limit);
}

export async function countEvents(db: Database): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(events);
  return row?.count ?? 0;
}
