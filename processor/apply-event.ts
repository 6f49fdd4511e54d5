import type { ActivityEvent } from '../schema/event.ts';
import { emptyStoredProfile, type StoredProfile, type UserProfile } from '../schema/profile.ts';
import { parseDevice } from './device.ts';
import { countEventName, type EventNameUsage } from './event-counts.ts';
import { messageIdHash } from './message-ids.ts';
import type { ProfileRules } from './rules.ts';
import { evaluateSegments } from './segments.ts';
import { placeInSessions } from './sessions.ts';
import { mergeTraits, traitUsage, type TraitUsage } from './traits.ts';

export { emptyStoredProfile };
export type { ProfileRules };

/** Where an event came from; the watermark per partition makes redelivery a no-op. */
export interface EventPosition {
  partition: number;
  offset: number;
}

export interface PositionedEvent {
  event: ActivityEvent;
  position: EventPosition;
}

/** Working copies of the containers `applyEvents` changes, made once per call. */
interface Draft {
  profile: UserProfile;
  watermarks: Record<string, number>;
  recentMessageIds: string[];
  seenMessageIds: Set<string>;
  sessions: StoredProfile['sessions'];
  traitTimes: Record<string, string>;
  deviceAt: string | null;
  refused: StoredProfile['refused'];
  /** Measured when an event first needs them (identify with traits, a new event name). */
  traitUsage?: TraitUsage;
  eventNameUsage?: EventNameUsage;
}

function startDraft(stored: StoredProfile): Draft {
  const { profile } = stored;
  return {
    profile: {
      ...profile,
      anonymousIds: [...profile.anonymousIds],
      eventCounts: { ...profile.eventCounts },
    },
    watermarks: { ...stored.watermarks },
    recentMessageIds: [...stored.recentMessageIds],
    seenMessageIds: new Set(stored.recentMessageIds),
    sessions: stored.sessions,
    traitTimes: stored.traitTimes,
    deviceAt: stored.deviceAt,
    refused: { ...stored.refused },
  };
}

/** The same array when the contents are equal, so an unchanged field keeps its identity. */
function sameOr(previous: string[], next: string[]): string[] {
  return previous.length === next.length && previous.every((v, i) => v === next[i])
    ? previous
    : next;
}

function userAgentOf(event: ActivityEvent): string | undefined {
  const userAgent = event.context?.['userAgent'];
  return typeof userAgent === 'string' && userAgent.length > 0 ? userAgent : undefined;
}

/** Already applied: at or below the partition's watermark, or a messageId in the window. */
function alreadyApplied(
  watermarks: Record<string, number>,
  seen: { has(hash: string): boolean },
  position: EventPosition,
  hash: string,
): boolean {
  const watermark = watermarks[position.partition];
  return (watermark !== undefined && position.offset <= watermark) || seen.has(hash);
}

/** `YYYY-MM-DDTHH:mm:ss.sssZ`, the form `Date.prototype.toISOString` writes for years 0-9999. */
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The canonical spelling of a valid time: the text itself when it already is canonical (as
 * ingest stamps it), which spares a Date per event on the hot path.
 */
function canonicalTime(text: string): string {
  return CANONICAL_TIME.test(text) ? text : new Date(text).toISOString();
}

/** Applies one event to the working copy. */
function applyToDraft(
  draft: Draft,
  event: ActivityEvent,
  position: EventPosition,
  hash: string,
  rules: ProfileRules,
): void {
  const { profile } = draft;
  const at = Date.parse(event.timestamp);
  // One spelling of every time (events from other producers may carry offsets) so that
  // string comparisons order them correctly.
  const timestamp = canonicalTime(event.timestamp);
  const receivedAt = canonicalTime(event.receivedAt);

  const { limits } = rules;
  const sessions = placeInSessions(draft.sessions, at, rules.sessionTimeoutMs, limits.sessions);
  draft.sessions = sessions.sessions;
  profile.sessionCount += sessions.countDelta;
  if (event.type === 'identify' && event.traits !== undefined) {
    const state = { traits: profile.traits, traitTimes: draft.traitTimes };
    const merged = mergeTraits(
      state,
      event.traits,
      timestamp,
      limits,
      (draft.traitUsage ??= traitUsage(state)),
    );
    profile.traits = merged.traits;
    draft.traitTimes = merged.traitTimes;
    draft.traitUsage = merged.usage;
    draft.refused.traitKeys += merged.refused.traitKeys;
    draft.refused.traitBytes += merged.refused.traitBytes;
  }
  const userAgent = userAgentOf(event);
  if (userAgent !== undefined && (draft.deviceAt === null || timestamp >= draft.deviceAt)) {
    profile.device = parseDevice(userAgent);
    draft.deviceAt = timestamp;
  }
  profile.userId ??= event.userId ?? null;
  for (const id of [event.anonymousId, event.type === 'alias' ? event.previousId : undefined])
    if (id !== undefined && !profile.anonymousIds.includes(id)) profile.anonymousIds.push(id);
  if (profile.firstSeenAt === null || timestamp < profile.firstSeenAt)
    profile.firstSeenAt = timestamp;
  if (profile.lastSeenAt === null || timestamp > profile.lastSeenAt) profile.lastSeenAt = timestamp;
  profile.eventCount += 1;
  if (event.type === 'page' || event.type === 'screen') profile.pageViews += 1;
  if (event.type === 'track' && !countEventName(profile.eventCounts, event.event, limits, draft))
    draft.refused.eventNames += 1;
  profile.version += 1;
  if (receivedAt > profile.updatedAt) profile.updatedAt = receivedAt;
  draft.watermarks[position.partition] = position.offset;
  draft.recentMessageIds.push(hash);
  draft.seenMessageIds.add(hash);
}

/**
 * The event -> profile step: pure and deterministic (no clock, no I/O), and the only
 * implementation: the processor and the rebuild from the archive both call it, so equal events
 * and rules always give equal profiles. Applies the events in order, as `applyEvent` one by one
 * would, copying the profile once rather than per event. Returns the same object when no event
 * changes anything: redeliveries (offset at or below the partition's watermark) and duplicate
 * messageIds. Segments are evaluated on the result (they depend on the profile alone).
 */
export function applyEvents(
  stored: StoredProfile,
  events: readonly PositionedEvent[],
  rules: ProfileRules,
): StoredProfile {
  let draft: Draft | undefined;
  let storedSeen: Set<string> | undefined;
  for (const { event, position } of events) {
    const hash = messageIdHash(event.messageId);
    const seen = draft?.seenMessageIds ?? (storedSeen ??= new Set(stored.recentMessageIds));
    if (alreadyApplied(draft?.watermarks ?? stored.watermarks, seen, position, hash)) continue;
    draft ??= startDraft(stored);
    applyToDraft(draft, event, position, hash, rules);
  }
  if (draft === undefined) return stored;
  const { profile } = draft;
  // The most recently added are kept (limits.anonymousIds, limits.messageIdWindow).
  profile.anonymousIds = profile.anonymousIds.slice(-rules.limits.anonymousIds);
  profile.segments = sameOr(stored.profile.segments, evaluateSegments(profile, rules.segments));
  return {
    profile,
    watermarks: draft.watermarks,
    recentMessageIds: draft.recentMessageIds.slice(-rules.limits.messageIdWindow),
    sessions: draft.sessions,
    traitTimes: draft.traitTimes,
    deviceAt: draft.deviceAt,
    refused: draft.refused,
  };
}

/** One event: `applyEvents` with a single event. */
export function applyEvent(
  stored: StoredProfile,
  event: ActivityEvent,
  position: EventPosition,
  rules: ProfileRules,
): StoredProfile {
  return applyEvents(stored, [{ event, position }], rules);
}
