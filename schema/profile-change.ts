import type { StoredProfile } from './profile.ts';

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
 * - It carries no profile fields: a subscriber reads the profile itself (one read for many
 *   changes), so the message stays small whatever the profile's size.
 *
 * Example: `{"id":"u1","version":42,"segments":{"entered":["power-users"],"left":[]}}`
 */
export interface ProfileChange {
  /** The profile id. */
  id: string;
  /** The profile's version after the change. */
  version: number;
  /** Segments the profile entered and left with this change (both may be empty). */
  segments: { entered: readonly string[]; left: readonly string[] };
  /**
   * Set when this profile was merged into another (docs/identity.md): the id it now resolves
   * to. The profile itself is gone (it left every segment); its subscribers follow the target,
   * whose own change is announced in the same step.
   */
  mergedInto?: string;
}

/**
 * A record of the compacted changelog topic (`topics.changelog`): key = profile id (UTF-8),
 * value = the JSON `StoredProfile` (the profile plus its applied-offset watermarks and
 * bookkeeping), so a Redis rebuilt from the changelog continues exactly where it stopped.
 * The processor sends the snapshot of every profile touched by a batch after Redis stored it
 * and before the batch's offsets are committed (also when a redelivered batch changed nothing).
 */
export type ProfileSnapshot = StoredProfile;

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/**
 * The change in a pub/sub message; undefined for anything that is not one. Lenient: fields
 * added to the message later are ignored, and a message without segment lists means no segment
 * changed.
 */
export function parseProfileChange(raw: string): ProfileChange | undefined {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const { id, version, segments, mergedInto } = message as Record<string, unknown>;
  if (typeof id !== 'string' || typeof version !== 'number' || !Number.isFinite(version))
    return undefined;
  const lists = (typeof segments === 'object' && segments !== null ? segments : {}) as Record<
    string,
    unknown
  >;
  return {
    id,
    version,
    segments: { entered: strings(lists['entered']), left: strings(lists['left']) },
    ...(typeof mergedInto === 'string' && mergedInto.length > 0 ? { mergedInto } : {}),
  };
}
