import type { GraphQLResolverMap } from '../../lib/graphql/subgraph-server.ts';
import type { Database } from '../../lib/postgres.ts';
import { DateTimeScalar, JSONScalar } from '../../schema/scalars.ts';
import {
  eventVolume,
  listActivities,
  summarizeActivities,
  type ActivityFilter,
} from './activity-repository.ts';
import type { RecentActivity } from '../../profiles/recent-activity.ts';
import { mergeActivityPage, type ActivityNode } from './activity-page-merge.ts';
import { afterCursor, eventType, pageSize, volumeRange, type VolumeInterval } from './arguments.ts';
import { encodeCursor } from './cursor.ts';
import { personIdentifiers, withIdentifier } from './person-identifiers.ts';
import type { RecentActivityReader } from './recent-activities.ts';
import { unlessUnavailable } from './unavailable.ts';

export interface ActivityContext {
  db: Database;
  /** The processor's recent-activity list of a canonical profile; empty when Redis is away. */
  recent: RecentActivityReader;
}

interface PageArgs {
  first: number;
  after?: string | null;
}

/**
 * A Relay connection page of the events matching `filter`. With `recent` (a person's page),
 * every page, not only the first, merges the person's recent activities past its cursor: the
 * archive may lack any of them yet, old timestamps included (mergeActivityPage). A page whose
 * cursor lies beyond all of them is the archive's alone.
 */
async function activityPage(
  db: Database,
  filter: ActivityFilter,
  args: PageArgs,
  recent?: () => Promise<readonly RecentActivity[]>,
) {
  const first = pageSize(args.first);
  const after = afterCursor(args.after);
  const checked = { ...filter, type: eventType(filter.type) };
  // One extra row tells whether another page follows.
  const limit = first + 1;
  const [archive, recentActivities] = await Promise.all([
    unlessUnavailable(() => listActivities(db, checked, limit, after)),
    recent?.() ?? [],
  ]);
  const rows = mergeActivityPage({
    recent: recentActivities,
    archive,
    filter: checked,
    after,
    limit,
  });
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

/** The filter of `Query.activities` other than its profile. */
type QueryFilter = Omit<ActivityFilter, 'profileIds'>;

/** A Profile entity as the gateway references it, with the identifiers it requires. */
interface ProfileReference {
  id: string;
  identifiers?: readonly string[] | null;
}

/** The person's identifiers; the id alone if a reference came without them. */
function identifiersOf(profile: ProfileReference): string[] {
  return withIdentifier(profile.identifiers, profile.id);
}

export const activityResolvers: GraphQLResolverMap<ActivityContext> = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    activities: async (
      _: unknown,
      args: PageArgs & { filter?: (QueryFilter & { profileId?: string | null }) | null },
      { db }: ActivityContext,
    ) => {
      const { profileId, ...filter } = args.filter ?? {};
      // Any identifier names its whole person, as `profile(id)` does.
      const profileIds =
        profileId == null
          ? undefined
          : await unlessUnavailable(() => personIdentifiers(db, profileId));
      return activityPage(db, { ...filter, profileIds }, args);
    },
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
    // The gateway sends `identifiers` with the reference (`@requires(fields: "identifiers")`).
    __resolveReference: (ref: ProfileReference) => ref,
    activities: (
      profile: ProfileReference,
      args: PageArgs & { type?: string | null; name?: string | null },
      { db, recent }: ActivityContext,
    ) =>
      activityPage(
        db,
        { profileIds: identifiersOf(profile), type: args.type, name: args.name },
        args,
        // The canonical profile's list holds its merged identifiers' events too.
        () => recent(profile.id),
      ),
    activitySummary: (
      profile: ProfileReference,
      args: { since?: string | null },
      { db }: ActivityContext,
    ) =>
      unlessUnavailable(() =>
        summarizeActivities(db, identifiersOf(profile), args.since ?? undefined),
      ),
  },
  Activity: {
    id: (node: ActivityNode) => node.messageId,
    timestamp: (node: ActivityNode) => new Date(node.timestamp).toISOString(),
    receivedAt: (node: ActivityNode) => new Date(node.receivedAt).toISOString(),
  },
};
