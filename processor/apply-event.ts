import { profileIdOf, type ActivityEvent } from '../schema/event.ts';
import { emptyStoredProfile, type StoredProfile, type UserProfile } from '../schema/profile.ts';
import { parseDevice } from './device.ts';
import { countEventName, type EventNameUsage } from './event-counts.ts';
import { messageIdHash, windowLookup, type WindowLookup } from './message-ids.ts';
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
  identityWatermarks: StoredProfile['identityWatermarks'];
  recentMessageIds: string[];
  /** Membership in `recentMessageIds`, kept up to date as hashes are pushed. */
  seen: WindowLookup;
  messageIdCount: number;
  unsavedMessageIds: number;
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
  const recentMessageIds = [...stored.recentMessageIds];
  return {
    profile: {
      ...profile,
      anonymousIds: [...profile.anonymousIds],
      eventCounts: { ...profile.eventCounts },
    },
    watermarks: { ...stored.watermarks },
    identityWatermarks: { ...stored.identityWatermarks },
    recentMessageIds,
    seen: windowLookup(recentMessageIds),
    messageIdCount: stored.messageIdCount,
    unsavedMessageIds: stored.unsavedMessageIds,
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

type Watermarks = Pick<StoredProfile, 'profile' | 'watermarks' | 'identityWatermarks'>;

/**
 * The watermarks that say what of the event's identifier this profile applied: its own, or
 * those of the other identifier (linked or merged) the event was keyed by (ADR 0012).
 */
function watermarksOf(state: Watermarks, event: ActivityEvent): Record<string, number> | undefined {
  const key = profileIdOf(event);
  return key === state.profile.id ? state.watermarks : state.identityWatermarks[key];
}

/** Already applied: at or below the partition's watermark, or a messageId in the window. */
function alreadyApplied(
  state: Watermarks,
  seen: (hash: string) => boolean,
  { event, position }: PositionedEvent,
  hash: string,
): boolean {
  const watermark = watermarksOf(state, event)?.[position.partition];
  if (watermark !== undefined && position.offset <= watermark) return true;
  return seen(hash);
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
  const key = profileIdOf(event);
  if (key === profile.id) draft.watermarks[position.partition] = position.offset;
  else
    draft.identityWatermarks[key] = {
      ...draft.identityWatermarks[key],
      [position.partition]: position.offset,
    };
  draft.recentMessageIds.push(hash);
  draft.seen.added(hash);
  draft.messageIdCount += 1;
  draft.unsavedMessageIds += 1;
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
  const storedSeen = windowLookup(stored.recentMessageIds);
  const seen = (hash: string) => (draft?.seen ?? storedSeen).has(hash);
  for (const positioned of events) {
    const { event, position } = positioned;
    const hash = messageIdHash(event.messageId);
    if (alreadyApplied(draft ?? stored, seen, positioned, hash)) continue;
    draft ??= startDraft(stored);
    applyToDraft(draft, event, position, hash, rules);
  }
  if (draft === undefined) return stored;
  const { profile } = draft;
  // The most recently added are kept (limits.anonymousIds, limits.messageIdWindow).
  profile.anonymousIds = profile.anonymousIds.slice(-rules.limits.anonymousIds);
  const recentMessageIds = draft.recentMessageIds.slice(-rules.limits.messageIdWindow);
  profile.segments = sameOr(stored.profile.segments, evaluateSegments(profile, rules.segments));
  return {
    profile,
    watermarks: draft.watermarks,
    identityWatermarks: draft.identityWatermarks,
    recentMessageIds,
    messageIdCount: draft.messageIdCount,
    unsavedMessageIds: Math.min(draft.unsavedMessageIds, recentMessageIds.length),
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

/**
 * Whether the profile already holds the event: at or below the watermark of its identifier and
 * partition, or its messageId in the window. For the few events whose links must be decided
 * (identity-plan.ts); applyEvents makes the same check for every event, faster.
 */
export function holdsEvent(stored: StoredProfile, positioned: PositionedEvent): boolean {
  const hash = messageIdHash(positioned.event.messageId);
  // A scan of the window: for the few events it is asked about, cheaper than building a set.
  return alreadyApplied(stored, (h) => stored.recentMessageIds.includes(h), positioned, hash);
}
