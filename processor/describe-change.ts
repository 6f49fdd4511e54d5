import type { ProfileChange } from '../schema/profile-change.ts';
import type { UserProfile } from '../schema/profile.ts';

/**
 * The announcement of the change from `before` to `after` (all events of one batch at once): it
 * carries `after` whole, so subscribers deliver it without reading Redis, and the version it
 * replaced, so a subscriber that missed an announcement notices and reads instead (ADR 0013).
 */
export function describeChange(before: UserProfile, after: UserProfile): ProfileChange {
  const previous = new Set(before.segments);
  const current = new Set(after.segments);
  return {
    id: after.id,
    version: after.version,
    previousVersion: before.version,
    segments: {
      entered: after.segments.filter((s) => !previous.has(s)),
      left: before.segments.filter((s) => !current.has(s)),
    },
    profile: after,
  };
}
