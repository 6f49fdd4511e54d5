import type { StoredProfile } from '../../schema/profile.ts';
import type { ProfileRules } from '../apply-event.ts';
import { evaluateSegments } from '../segments.ts';
import type { PersonIdentity } from './identity-graph.ts';

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((value, index) => value === b[index]);

/**
 * A person's replayed profile with the identity its snapshot records: `userId`, `identifiers`
 * and `mergedFrom` are decisions the processor took when it merged (which profile survived,
 * whose userId it kept), so they are taken as recorded; everything else is recomputed from
 * the events. Segments are evaluated again when that changed the profile, as a rule may
 * read those fields. Without a recorded identity the replayed profile is returned as it is.
 */
export function withRecordedIdentity(
  stored: StoredProfile,
  identity: PersonIdentity | undefined,
  rules: ProfileRules,
): StoredProfile {
  if (identity === undefined) return stored;
  const { profile } = stored;
  const identifiers = [...new Set([profile.id, ...identity.identifiers])].sort();
  const mergedFrom = [...new Set(identity.mergedFrom)].sort();
  const userId = identity.userId ?? profile.userId;
  if (
    userId === profile.userId &&
    sameList(identifiers, profile.identifiers) &&
    sameList(mergedFrom, profile.mergedFrom)
  )
    return stored;
  const next = { ...profile, userId, identifiers, mergedFrom };
  const segments = evaluateSegments(next, rules.segments);
  return {
    ...stored,
    profile: {
      ...next,
      segments: sameList(segments, profile.segments) ? profile.segments : segments,
    },
  };
}
