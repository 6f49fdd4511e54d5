import type { GraphQLResolverMap } from '../../lib/graphql/subgraph-server.ts';
import type { ProfileStore } from '../../lib/profile-store.ts';
import { DateTimeScalar, JSONScalar } from '../../schema/scalars.ts';
import type { Device, UserProfile } from '../../schema/profile.ts';

export interface ProfileContext {
  store: ProfileStore;
}

async function loadProfile(store: ProfileStore, id: string): Promise<UserProfile | null> {
  const [stored] = await store.readMany([id]);
  return stored?.profile ?? null;
}

export const profileResolvers: GraphQLResolverMap<ProfileContext> = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    profile: (_: unknown, args: { id: string }, { store }: ProfileContext) =>
      loadProfile(store, args.id),
  },
  Profile: {
    __resolveReference: (ref: { id: string }, { store }: ProfileContext) =>
      loadProfile(store, ref.id),
    eventCounts: (profile: UserProfile) =>
      Object.entries(profile.eventCounts).map(([name, count]) => ({ name, count })),
  },
  Device: {
    type: (device: Device) => device.type.toUpperCase(),
  },
};
