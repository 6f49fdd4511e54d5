import type { ActivityEvent } from '../schema/event.ts';
import {
  MAX_ANONYMOUS_IDS,
  emptyStoredProfile,
  type StoredProfile,
  type UserProfile,
} from '../schema/profile.ts';
import { parseDevice } from './device.ts';
import { messageIdHash, rememberMessageId } from './message-ids.ts';
import type { ProfileRules } from './rules.ts';
import { evaluateSegments } from './segments.ts';
import { placeInSessions } from './sessions.ts';
import { mergeTraits } from './traits.ts';

export { emptyStoredProfile };
export type { ProfileRules };

/** Where an event came from; the watermark per partition makes redelivery a no-op. */
export interface EventPosition {
  partition: number;
  offset: number;
}

function withIds(ids: readonly string[], candidates: Array<string | undefined>): string[] {
  const added = candidates.filter(
    (id, index): id is string =>
      id !== undefined && !ids.includes(id) && candidates.indexOf(id) === index,
  );
  if (added.length === 0) return ids as string[];
  return [...ids, ...added].slice(-MAX_ANONYMOUS_IDS);
}

/** The same array when the contents are equal, so unchanged fields keep their identity. */
function sameOr(previous: string[], next: string[]): string[] {
  return previous.length === next.length && previous.every((v, i) => v === next[i])
    ? previous
    : next;
}

function userAgentOf(event: ActivityEvent): string | undefined {
  const userAgent = event.context?.['userAgent'];
  return typeof userAgent === 'string' && userAgent.length > 0 ? userAgent : undefined;
}

/**
 * The event -> profile step: pure and deterministic (no clock, no I/O), and the only
 * implementation: the processor and the rebuild from the archive both call it, so equal events
 * and rules always give equal profiles. Returns the same object when the event changes nothing:
 * a redelivery (offset at or below the partition's watermark) or a duplicate messageId.
 */
export function applyEvent(
  stored: StoredProfile,
  event: ActivityEvent,
  position: EventPosition,
  rules: ProfileRules,
): StoredProfile {
  const watermark = stored.watermarks[position.partition];
  if (watermark !== undefined && position.offset <= watermark) return stored;
  const hash = messageIdHash(event.messageId);
  if (stored.recentMessageIds.includes(hash)) return stored;

  const { profile } = stored;
  const at = Date.parse(event.timestamp);
  // One spelling of every time (events from other producers may carry offsets) so that
  // string comparisons order them correctly.
  const timestamp = new Date(at).toISOString();
  const receivedAt = new Date(event.receivedAt).toISOString();
  const sessions = placeInSessions(stored.sessions, at, rules.sessionTimeoutMs);
  const traits =
    event.type === 'identify' && event.traits !== undefined
      ? mergeTraits(
          { traits: profile.traits, traitTimes: stored.traitTimes },
          event.traits,
          timestamp,
        )
      : { traits: profile.traits, traitTimes: stored.traitTimes };
  const userAgent = userAgentOf(event);
  const deviceIsNewer =
    userAgent !== undefined && (stored.deviceAt === null || timestamp >= stored.deviceAt);

  const next: UserProfile = {
    ...profile,
    userId: profile.userId ?? event.userId ?? null,
    anonymousIds: withIds(profile.anonymousIds, [
      event.anonymousId,
      event.type === 'alias' ? event.previousId : undefined,
    ]),
    traits: traits.traits,
    device: deviceIsNewer ? parseDevice(userAgent) : profile.device,
    firstSeenAt:
      profile.firstSeenAt === null || timestamp < profile.firstSeenAt
        ? timestamp
        : profile.firstSeenAt,
    lastSeenAt:
      profile.lastSeenAt === null || timestamp > profile.lastSeenAt
        ? timestamp
        : profile.lastSeenAt,
    eventCount: profile.eventCount + 1,
    pageViews: profile.pageViews + (event.type === 'page' || event.type === 'screen' ? 1 : 0),
    eventCounts:
      event.type === 'track'
        ? { ...profile.eventCounts, [event.event]: (profile.eventCounts[event.event] ?? 0) + 1 }
        : profile.eventCounts,
    sessionCount: profile.sessionCount + sessions.countDelta,
    version: profile.version + 1,
    updatedAt: receivedAt > profile.updatedAt ? receivedAt : profile.updatedAt,
  };
  next.segments = sameOr(profile.segments, evaluateSegments(next, rules.segments));

  return {
    profile: next,
    watermarks: { ...stored.watermarks, [position.partition]: position.offset },
    recentMessageIds: rememberMessageId(stored.recentMessageIds, hash),
    sessions: sessions.sessions,
    traitTimes: traits.traitTimes,
    deviceAt: deviceIsNewer ? timestamp : stored.deviceAt,
  };
}
