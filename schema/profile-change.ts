import { emptyProfile, type StoredProfile, type UserProfile } from './profile.ts';

/**
 * The Redis pub/sub announcement of a profile change, published as JSON on
 * `redisLayout().profileChannel(id)` and on `redisLayout().allProfilesChannel`.
 *
 * - Exactly one message per changed profile per processed batch: the changes of all events of
 *   one profile in a batch are coalesced.
 * - Published inside the same atomic Redis step that stores the profile, so a message is sent
 *   if and only if the change was stored; `version` is the stored version.
 * - A redelivered event changes nothing and announces nothing.
 * - It carries the profile as stored by the change (the `UserProfile` only, none of the
 *   bookkeeping of `StoredProfile`) and the version it replaced, so a subscriber that saw
 *   `previousVersion` last delivers `profile` without reading Redis; one that saw another
 *   version missed messages (pub/sub is at-most-once) and reads the profile instead (ADR 0013).
 *
 * Example: `{"id":"u1","version":42,"previousVersion":40,"segments":{"entered":["power-users"],
 * "left":[]},"profile":{"id":"u1","version":42,…}}`
 */
export interface ProfileChange {
  /** The profile id. */
  id: string;
  /** The profile's version after the change. */
  version: number;
  /**
   * The version the change replaced (versions count events, so a change of several events
   * steps by more than one). Absent in a merged-away profile's message and in older messages.
   */
  previousVersion?: number;
  /** Segments the profile entered and left with this change (both may be empty). */
  segments: { entered: readonly string[]; left: readonly string[] };
  /**
   * Set when this profile was merged into another (docs/identity.md): the id it now resolves
   * to. The profile itself is gone (it left every segment); its subscribers follow the target,
   * whose own change is announced in the same step.
   */
  mergedInto?: string;
  /**
   * The profile after the change, at `version`. Absent when the profile was merged away (it is
   * gone) and in messages of older processors: a subscriber then reads the profile.
   */
  profile?: UserProfile;
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
 * The carried profile, with defaults for fields an older processor did not write (as
 * parseStoredProfile); undefined unless it is an object of the message's id and version, so
 * a subscriber never delivers a profile that is not the announced one.
 */
function carriedProfile(value: unknown, id: string, version: number): UserProfile | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Partial<UserProfile>;
  if (fields.id !== id || fields.version !== version) return undefined;
  return { ...emptyProfile(id), ...fields };
}

/**
 * The change in a pub/sub message; undefined for anything that is not one. Lenient: fields
 * added to the message later are ignored, a message without segment lists means no segment
 * changed, and one without a (well-formed) profile or previous version is still a change, whose
 * subscribers read the profile.
 */
export function parseProfileChange(raw: string): ProfileChange | undefined {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const { id, version, previousVersion, segments, mergedInto, profile } = message as Record<
    string,
    unknown
  >;
  if (typeof id !== 'string' || typeof version !== 'number' || !Number.isFinite(version))
    return undefined;
  const lists = (typeof segments === 'object' && segments !== null ? segments : {}) as Record<
    string,
    unknown
  >;
  const change: ProfileChange = {
    id,
    version,
    segments: { entered: strings(lists['entered']), left: strings(lists['left']) },
    ...(typeof previousVersion === 'number' && Number.isFinite(previousVersion)
      ? { previousVersion }
      : {}),
    ...(typeof mergedInto === 'string' && mergedInto.length > 0 ? { mergedInto } : {}),
  };
  const carried =
    change.mergedInto === undefined ? carriedProfile(profile, id, version) : undefined;
  return carried === undefined ? change : { ...change, profile: carried };
}
