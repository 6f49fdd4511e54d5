import type { StoredProfile, UserProfile } from './profile.ts';

/**
 * The Redis pub/sub announcement of a profile change, published as JSON on
 * `redisLayout().profileChannel(id)` and on `redisLayout().allProfilesChannel`.
 *
 * - Exactly one message per changed profile per processed batch: the changes of all events of
 *   one profile in a batch are coalesced.
 * - Published inside the same atomic Redis step that stores the profile, so a message is sent
 *   if and only if the change was stored; `version` is the stored version, so a subscriber that
 *   sees a gap in versions knows it missed messages (pub/sub is at-most-once) and can re-read
 *   the profile.
 * - A redelivered event changes nothing and announces nothing.
 *
 * Example: `{"id":"u1","version":42,"changed":["eventCount","lastSeenAt","segments","updatedAt","version"],
 * "segments":{"entered":["power-users"],"left":[]}}`
 */
export interface ProfileChangeMessage {
  /** The profile id. */
  id: string;
  /** The profile's version after the change. */
  version: number;
  /** Top-level `UserProfile` fields whose value changed, sorted. */
  changed: Array<keyof UserProfile>;
  /** Segments the profile entered and left with this change (sorted; both may be empty). */
  segments: { entered: string[]; left: string[] };
}

/**
 * A record of the compacted changelog topic (`topics.changelog`): key = profile id (UTF-8),
 * value = the JSON `StoredProfile` (the profile plus its applied-offset watermarks and
 * bookkeeping), so a Redis rebuilt from the changelog continues exactly where it stopped.
 * The processor sends the snapshot of every profile touched by a batch after Redis stored it
 * and before the batch's offsets are committed (also when a redelivered batch changed nothing).
 */
export type ProfileSnapshot = StoredProfile;

export function parseProfileChange(json: string): ProfileChangeMessage {
  return JSON.parse(json) as ProfileChangeMessage;
}
