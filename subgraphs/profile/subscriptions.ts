import type { GraphQLResolverMap } from '../../lib/graphql/subgraph-server.ts';
import type { UserProfile } from '../../schema/profile.ts';
import type { ChangedProfile } from './change-reader.ts';
import type { ProfileFeeds } from './profile-feeds.ts';

/** A `SegmentMembershipChange` as the resolvers produce it. */
export interface SegmentMembershipChange {
  segment: string;
  kind: 'ENTERED' | 'LEFT';
  profile: UserProfile;
}

/** Whether a change belongs to `profilesUpdated(segment)`: members, and those that just left. */
export function concernsSegment(
  changed: ChangedProfile,
  segment: string | null | undefined,
): boolean {
  if (segment == null) return true;
  return (
    changed.profile.segments.includes(segment) ||
    changed.changes.some((change) => change.segments.left.includes(segment))
  );
}

/** The membership changes of one segment that a change carries, in the order they happened. */
export function membershipChanges(
  changed: ChangedProfile,
  segment: string,
): SegmentMembershipChange[] {
  const changes: SegmentMembershipChange[] = [];
  for (const change of changed.changes) {
    if (change.segments.entered.includes(segment))
      changes.push({ segment, kind: 'ENTERED', profile: changed.profile });
    if (change.segments.left.includes(segment))
      changes.push({ segment, kind: 'LEFT', profile: changed.profile });
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
          feeds.all((changed) => (concernsSegment(changed, args.segment) ? [changed.profile] : [])),
        resolve: identity,
      },
      segmentMembershipChanged: {
        subscribe: (_: unknown, args: { segment: string }) =>
          feeds.all((changed) => membershipChanges(changed, args.segment)),
        resolve: identity,
      },
    },
  };
}
