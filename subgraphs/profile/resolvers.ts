import type { GraphQLResolverMap } from '../../lib/graphql/subgraph-server.ts';
import { DateTimeScalar, JSONScalar } from '../../schema/scalars.ts';
import type { Device, UserProfile } from '../../schema/profile.ts';
import type { ProfileEraser } from './delete-profile.ts';
import type { ProfileLoader } from './profile-loader.ts';

export interface ProfileContext {
  loader: ProfileLoader;
  eraser: ProfileEraser;
}

export const profileResolvers: GraphQLResolverMap<ProfileContext> = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    profile: (_: unknown, args: { id: string }, { loader }: ProfileContext) => loader.load(args.id),
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
