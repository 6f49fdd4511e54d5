import { GraphQLError } from 'graphql';
import type { Caller } from '../../lib/graphql/identity-headers.ts';
import type { GraphQLResolverMap } from '../../lib/graphql/subgraph-server.ts';
import { ErrorCode } from '../../schema/errors.ts';
import { DateTimeScalar, JSONScalar } from '../../schema/scalars.ts';
import type { Device, UserProfile } from '../../schema/profile.ts';
import type { ProfileEraser } from './delete-profile.ts';
import type { ProfileLoader } from './profile-loader.ts';
import { decodeMemberCursor, type SegmentReader } from './segment-members.ts';

export interface ProfileContext {
  /** Redis first, the PostgreSQL snapshot on a miss. */
  loader: ProfileLoader;
  eraser: ProfileEraser;
  segments: SegmentReader;
  /** Who is calling, as the gateway forwarded it. */
  caller?: Caller | undefined;
}

/** Most ids `profiles(ids)` takes, and the largest page of segment members. */
const MAX_IDS = 100;
const MAX_PAGE = 100;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BadUserInput } });
}

export const profileResolvers: GraphQLResolverMap<ProfileContext> = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    profile: (_: unknown, args: { id: string }, { loader }: ProfileContext) => loader.load(args.id),
    profiles: (_: unknown, args: { ids: string[] }, { loader }: ProfileContext) => {
      if (args.ids.length > MAX_IDS) throw badInput(`ids takes at most ${MAX_IDS} profile ids`);
      return loader.loadMany(args.ids);
    },
    segment: (_: unknown, args: { name: string }) => ({ name: args.name }),
    viewer: (_: unknown, _args: unknown, { caller }: ProfileContext) => {
      // The gateway lets only authenticated callers reach this field.
      if (caller === undefined)
        throw new GraphQLError('no caller identity', {
          extensions: { code: ErrorCode.Unauthenticated },
        });
      return { subject: caller.subject, scopes: [...caller.scopes].sort() };
    },
  },
  Segment: {
    // An entity: the Config subgraph's segments list names the segments this one sizes.
    __resolveReference: (ref: { name: string }) => ({ name: ref.name }),
    size: (segment: { name: string }, _args: unknown, { segments }: ProfileContext) =>
      segments.size(segment.name),
    members: async (
      segment: { name: string },
      args: { first: number; after?: string | null },
      { segments, loader }: ProfileContext,
    ) => {
      if (args.first < 1 || args.first > MAX_PAGE)
        throw badInput(`first must be between 1 and ${MAX_PAGE}`);
      const after = args.after == null ? undefined : decodeMemberCursor(args.after);
      if (args.after != null && after === undefined) throw badInput('after is not a valid cursor');
      const page = await segments.members(segment.name, args.first, after);
      const profiles = await loader.loadMany(page.members.map((member) => member.id));
      // Sets hold canonical ids; one that answers another profile was merged away since the
      // set was read (the processor takes it out): it is no member, like a profile gone.
      const edges = page.members.flatMap((member, index) => {
        const node = profiles[index];
        return node?.id === member.id ? [{ cursor: member.cursor, node }] : [];
      });
      return {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          endCursor: page.members.at(-1)?.cursor ?? null,
        },
      };
    },
  },
  Mutation: {
    deleteProfile: (_: unknown, args: { id: string }, { eraser }: ProfileContext) =>
      eraser.deleteProfile(args.id),
  },
  Profile: {
    __resolveReference: (ref: { id: string }, { loader }: ProfileContext) => loader.load(ref.id),
    eventCounts: (profile: UserProfile) =>
      Object.entries(profile.eventCounts).map(([name, count]) => ({ name, count })),
  },
  Device: {
    type: (device: Device) => device.type.toUpperCase(),
  },
};
