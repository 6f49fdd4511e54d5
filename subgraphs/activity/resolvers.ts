import { GraphQLError } from 'graphql';
import type { GraphQLResolverMap } from '../../lib/graphql/subgraph-server.ts';
import type { Database } from '../../lib/postgres.ts';
import { DateTimeScalar, JSONScalar } from '../../schema/scalars.ts';
import { profileActivities, type ActivityRow } from './activity-repository.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

export interface ActivityContext {
  db: Database;
}

const MAX_PAGE = 100;

export const activityResolvers: GraphQLResolverMap<ActivityContext> = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Profile: {
    __resolveReference: (ref: { id: string }) => ref,
    activities: async (
      profile: { id: string },
      args: { first: number; after?: string | null },
      { db }: ActivityContext,
    ) => {
      if (args.first < 1 || args.first > MAX_PAGE) {
        throw new GraphQLError(`first must be between 1 and ${MAX_PAGE}`, {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
      const after = args.after == null ? undefined : decodeCursor(args.after);
      if (args.after != null && after === undefined)
        throw new GraphQLError('after is not a valid cursor', {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      // One extra row tells whether another page follows.
      const rows = await profileActivities(db, profile.id, args.first + 1, after);
      const page = rows.slice(0, args.first);
      const edges = page.map((row) => ({
        cursor: encodeCursor({ timestamp: row.timestamp, messageId: row.messageId }),
        node: row,
      }));
      return {
        edges,
        pageInfo: {
          hasNextPage: rows.length > args.first,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  },
  Activity: {
    id: (row: ActivityRow) => row.messageId,
    timestamp: (row: ActivityRow) => new Date(row.timestamp).toISOString(),
    receivedAt: (row: ActivityRow) => new Date(row.receivedAt).toISOString(),
  },
};
