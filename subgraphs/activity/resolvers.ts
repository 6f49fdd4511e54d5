import type { GraphQLResolverMap } from '../../lib/graphql/subgraph-server.ts';
import type { Database } from '../../lib/postgres.ts';
import { DateTimeScalar, JSONScalar } from '../../schema/scalars.ts';
import {
  eventVolume,
  listActivities,
  summarizeActivities,
  type ActivityFilter,
  type ActivityRow,
} from './activity-repository.ts';
import { afterCursor, eventType, pageSize, volumeRange, type VolumeInterval } from './arguments.ts';
import { encodeCursor } from './cursor.ts';
import { unlessUnavailable } from './unavailable.ts';

export interface ActivityContext {
  db: Database;
}

interface PageArgs {
  first: number;
  after?: string | null;
}

/** A Relay connection page of the events matching `filter`. */
async function activityPage(db: Database, filter: ActivityFilter, args: PageArgs) {
  const first = pageSize(args.first);
  const after = afterCursor(args.after);
  const checked = { ...filter, type: eventType(filter.type) };
  // One extra row tells whether another page follows.
  const rows = await unlessUnavailable(() => listActivities(db, checked, first + 1, after));
  const edges = rows.slice(0, first).map((row) => ({
    cursor: encodeCursor({
      timestamp: row.timestamp,
      messageId: row.messageId,
      profileId: row.profileId,
    }),
    node: row,
  }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

export const activityResolvers: GraphQLResolverMap<ActivityContext> = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    activities: (
      _: unknown,
      args: PageArgs & { filter?: ActivityFilter | null },
      { db }: ActivityContext,
    ) => activityPage(db, args.filter ?? {}, args),
    eventVolume: (
      _: unknown,
      args: {
        interval: VolumeInterval;
        from: string;
        to: string;
        type?: string | null;
        name?: string | null;
      },
      { db }: ActivityContext,
    ) => {
      const range = volumeRange(args.interval, args.from, args.to);
      const filter = { type: eventType(args.type), name: args.name };
      return unlessUnavailable(() => eventVolume(db, range.unit, range.from, range.to, filter));
    },
  },
  Profile: {
    __resolveReference: (ref: { id: string }) => ref,
    activities: (
      profile: { id: string },
      args: PageArgs & { type?: string | null; name?: string | null },
      { db }: ActivityContext,
    ) => activityPage(db, { profileId: profile.id, type: args.type, name: args.name }, args),
    activitySummary: (
      profile: { id: string },
      args: { since?: string | null },
      { db }: ActivityContext,
    ) => unlessUnavailable(() => summarizeActivities(db, profile.id, args.since ?? undefined)),
  },
  Activity: {
    id: (row: ActivityRow) => row.messageId,
    timestamp: (row: ActivityRow) => new Date(row.timestamp).toISOString(),
    receivedAt: (row: ActivityRow) => new Date(row.receivedAt).toISOString(),
  },
};
