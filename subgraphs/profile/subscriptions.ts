import type { GraphQLResolverMap } from '../../lib/graphql/subgraph-server.ts';
import type { UserProfile } from '../../schema/profile.ts';
import type { ProfileUpdate } from './change-reader.ts';
import type { ProfileFeeds } from './profile-feeds.ts';

/** A `SegmentMembershipChange` as the resolvers produce it. */
export interface SegmentMembershipChange {
  segment: string;
  kind: 'ENTERED' | 'LEFT';
  profile: UserProfile;
}

/** Whether an update belongs to `profilesUpdated(segment)`: members, and those that just left. */
export function concernsSegment(
  update: ProfileUpdate,
  segment: string | null | undefined,
): boolean {
  if (segment == null) return true;
  return (
    update.profile.segments.includes(segment) ||
    update.notices.some((notice) => notice.left.includes(segment))
  );
}

/** The membership changes of one segment that an update carries, in the order they happened. */
export function membershipChanges(
  update: ProfileUpdate,
  segment: string,
): SegmentMembershipChange[] {
  const changes: SegmentMembershipChange[] = [];
  for (const notice of update.notices) {
    if (notice.entered.includes(segment))
      changes.push({ segment, kind: 'ENTERED', profile: update.profile });
    if (notice.left.includes(segment))
      changes.push({ segment, kind: 'LEFT', profile: update.profile });
  }
  return changes;
}

/** The Profile subgraph's Subscription fields (served over graphql-ws to the gateway). */
export function profileSubscriptionResolvers(feeds: ProfileFeeds): GraphQLResolverMap<unknown> {
  const identity = (value: unknown) => value;
  return {
    Subscription: {
      profileUpdated: {
        subscribe: (_: unknown, args: { id: string }) => feeds.profile(args.id),
        resolve: identity,
      },
      profilesUpdated: {
        subscribe: (_: unknown, args: { segment?: string | null }) =>
          feeds.all((update) => (concernsSegment(update, args.segment) ? [update.profile] : [])),
        resolve: identity,
      },
      segmentMembershipChanged: {
        subscribe: (_: unknown, args: { segment: string }) =>
          feeds.all((update) => membershipChanges(update, args.segment)),
        resolve: identity,
      },
    },
  };
}
