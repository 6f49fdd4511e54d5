import type { IdentityChange, ProfileWrite } from '../profiles/profile-store.ts';
import { parseFence, predatesFence } from '../profiles/erasure-fence.ts';
import { chunksOf, wholeRing, type RingChunk } from '../profiles/message-id-ring.ts';
import { recentActivityOf } from '../profiles/recent-activity.ts';
import type { ProfileChange } from '../schema/profile-change.ts';
import { emptyStoredProfile, type BoundRefusals, type StoredProfile } from '../schema/profile.ts';
import type { PositionedEvent } from './apply-event.ts';
import { appliedEvents } from './applied-events.ts';
import { describeChange } from './describe-change.ts';
import { applyGuarded, type SetAside } from './guarded-apply.ts';
import { mergeStoredProfiles } from './merge-profiles.ts';
import type { ProfileRules } from './rules.ts';

/** A canonical profile as the round read it. */
export interface ReadProfile {
  id: string;
  stored: StoredProfile | undefined;
  /** Its deletion fence (raw JSON), null: none. */
  fence: string | null;
}

/** What a round does to one person: the profile its events and links resolve to. */
export interface PersonInput {
  root: ReadProfile;
  /**
   * The canonical profiles the round's links fold into it, in link order (identity-plan.ts):
   * those with a stored profile are merged, the others are identifiers linked for the first time.
   */
  absorbed: readonly ReadProfile[];
  /** All of its identifiers after the round's links; undefined when they did not change. */
  identifiers: readonly string[] | undefined;
  /** The round's events of all its identifiers, erased ones already left out. */
  events: readonly PositionedEvent[];
}

export interface PersonUpdate {
  after: StoredProfile;
  /** `after`'s document (storedDocument): stored in Redis and sent to the changelog. */
  document: string;
  /**
   * The chunks of `after`'s dedupe window to store (with the write) and send to the changelog
   * (always): those its events may have touched, so a redelivered round sends again what a
   * crash may have kept from the changelog.
   */
  ring: RingChunk[];
  /** The write to make; undefined when nothing changed (every event was a redelivery). */
  write: ProfileWrite | undefined;
  /** Events this round applied (not counting what merged profiles held before). */
  applied: number;
  /** What was refused at the bounds before this round's events (merged profiles' included). */
  refusedBefore: BoundRefusals;
  setAside: SetAside[];
  /** The stored profiles merged away by this update. */
  merged: readonly ReadProfile[];
  /**
   * Whether the document restarted because it predates its deletion fence (an older changelog
   * record restored it): its segment sets must be brought in line.
   */
  startedOver: boolean;
}

/**
 * A profile erased from a stale document: empty, but its version and its messageId numbering
 * go on from the stored one.
 */
function startedOver(id: string, stored: StoredProfile): StoredProfile {
  const empty = emptyStoredProfile(id);
  return {
    ...empty,
    messageIdCount: stored.messageIdCount,
    profile: { ...empty.profile, version: stored.profile.version },
  };
}

/** The announcement on a merged profile's channel: it is gone, its subscribers follow `into`. */
function mergedAway(stored: StoredProfile, into: string): ProfileChange {
  return {
    id: stored.profile.id,
    version: stored.profile.version + 1,
    segments: { entered: [], left: stored.profile.segments },
    mergedInto: into,
  };
}

/**
 * One person's update in a round: its profile as read, the profiles merged into it
 * (mergeStoredProfiles, in link order), then its events applied (applyGuarded). Pure.
 */
export function updatePerson(input: PersonInput, rules: ProfileRules): PersonUpdate {
  const { root } = input;
  const fence = parseFence(root.fence);
  const stored = root.stored;
  // A document that predates the fence (restored from an older changelog record) holds
  // erased events: the profile starts over, its version moving on.
  const stale =
    fence !== undefined && stored !== undefined && predatesFence(fence, stored.watermarks);
  const before = stale ? startedOver(root.id, stored) : (stored ?? emptyStoredProfile(root.id));
  const merged = input.absorbed.filter(
    (profile): profile is ReadProfile & { stored: StoredProfile } => profile.stored !== undefined,
  );
  let folded = before;
  for (const profile of merged) folded = mergeStoredProfiles(folded, profile.stored, rules);
  if (input.identifiers !== undefined)
    folded = { ...folded, profile: { ...folded.profile, identifiers: [...input.identifiers] } };
  const { after, document, setAside } = applyGuarded(folded, input.events, rules);
  const applied = after.profile.version - folded.profile.version;
  const identity: IdentityChange | undefined =
    input.identifiers === undefined
      ? undefined
      : {
          absorbed: merged.map((profile) => ({
            id: profile.id,
            expectedVersion: profile.stored.profile.version,
            change: mergedAway(profile.stored, root.id),
          })),
          claimed: input.absorbed
            .filter((profile) => profile.stored === undefined)
            .map((profile) => profile.id),
          identifiers: input.identifiers.filter((identifier) => identifier !== root.id),
        };
  const changed = after !== before || stale;
  const window = rules.limits.messageIdWindow;
  // A profile that starts over clears its old chunks: erased messageIds must not come back.
  const ring = stale
    ? wholeRing(after.recentMessageIds, after.messageIdCount, window)
    : chunksOf(
        after.recentMessageIds,
        after.messageIdCount,
        Math.max(after.unsavedMessageIds, input.events.length),
        window,
      );
  const write: ProfileWrite | undefined = changed
    ? {
        id: root.id,
        expectedVersion: before.profile.version,
        nextVersion: after.profile.version,
        document,
        ring,
        change: describeChange(before.profile, after.profile),
        fence: root.fence,
        ...(identity ? { identity } : {}),
        // The round's applied events, listed from this write on (docs/api.md "Activities").
        recent: appliedEvents(folded, input.events, setAside, applied).map(({ event }) =>
          recentActivityOf(event),
        ),
      }
    : undefined;
  return {
    after,
    document,
    ring,
    write,
    applied,
    refusedBefore: folded.refused,
    setAside,
    merged,
    startedOver: stale,
  };
}
