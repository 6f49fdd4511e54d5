import type { SessionSpan, StoredProfile } from '../schema/profile.ts';
import { countEventName } from './event-counts.ts';
import type { ProfileRules } from './rules.ts';
import { evaluateSegments } from './segments.ts';
import { mergeTraits } from './traits.ts';

/** Sorted, without repeats. */
function sortedUnion(...lists: ReadonlyArray<readonly string[]>): string[] {
  return [...new Set(lists.flat())].sort();
}

/**
 * The sessions of both profiles as one profile would have counted them: the spans side by
 * side, joined where they are at most the timeout apart (placeInSessions' rule). Each join
 * made two counted sessions one. Sessions older than either profile remembers are counted as
 * their own, as placeInSessions counts an event older than every remembered session.
 */
function mergeSessions(
  survivor: StoredProfile,
  merged: StoredProfile,
  timeoutMs: number,
  maxSessions: number,
): { sessions: SessionSpan[]; sessionCount: number } {
  const spans = [...survivor.sessions, ...merged.sessions].sort((a, b) => a[0] - b[0]);
  const joined: SessionSpan[] = [];
  for (const [start, end] of spans) {
    const last = joined[joined.length - 1];
    if (last !== undefined && start <= last[1] + timeoutMs) last[1] = Math.max(last[1], end);
    else joined.push([start, end]);
  }
  const joins = spans.length - joined.length;
  return {
    sessions: joined.slice(-maxSessions),
    sessionCount: survivor.profile.sessionCount + merged.profile.sessionCount - joins,
  };
}

/**
 * The traits of both profiles, key by key by their times (docs/identity.md "How the content merges"): a key
 * the merged profile set (or removed) later than the survivor did takes its value; on equal
 * times the survivor's stays. Bounded like any identify (mergeTraits): what does not fit is
 * refused and counted.
 */
function mergeAllTraits(
  survivor: StoredProfile,
  merged: StoredProfile,
  rules: ProfileRules,
): Pick<StoredProfile, 'traitTimes' | 'refused'> & { traits: Record<string, unknown> } {
  let state = { traits: survivor.profile.traits, traitTimes: survivor.traitTimes };
  const refused = { ...survivor.refused };
  // Oldest first, so a bound refuses the newest changes, as it would have in one stream.
  const later = Object.entries(merged.traitTimes)
    .filter(([key, at]) => {
      const survivorAt = Object.hasOwn(state.traitTimes, key) ? state.traitTimes[key] : undefined;
      return survivorAt === undefined || at > survivorAt;
    })
    .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, at] of later) {
    const value = Object.hasOwn(merged.profile.traits, key) ? merged.profile.traits[key] : null;
    const result = mergeTraits(state, { [key]: value }, at, rules.limits);
    state = { traits: result.traits, traitTimes: result.traitTimes };
    refused.traitKeys += result.refused.traitKeys;
    refused.traitBytes += result.refused.traitBytes;
  }
  return { traits: state.traits, traitTimes: state.traitTimes, refused };
}

/**
 * Merges profile `merged` into `survivor`: the result is, field by field, what one profile
 * would hold had both profiles' events been sent under the survivor's id (docs/identity.md
 * "How the content merges" lists the rules and their conflicts). Pure, like applyEvents: the processor and its
 * tests are its callers. Each identifier's watermarks stay its own (ADR 0012), so redelivered
 * events of either are still recognised.
 */
export function mergeStoredProfiles(
  survivor: StoredProfile,
  merged: StoredProfile,
  rules: ProfileRules,
): StoredProfile {
  const a = survivor.profile;
  const b = merged.profile;
  const { traits, traitTimes, refused } = mergeAllTraits(survivor, merged, rules);
  refused.eventNames += merged.refused.eventNames;
  const eventCounts = { ...a.eventCounts };
  const usage = {};
  for (const [name, count] of Object.entries(b.eventCounts))
    if (!countEventName(eventCounts, name, rules.limits, usage, count)) refused.eventNames += count;
  const { sessions, sessionCount } = mergeSessions(
    survivor,
    merged,
    rules.sessionTimeoutMs,
    rules.limits.sessions,
  );
  const deviceFromMerged =
    merged.deviceAt !== null && (survivor.deviceAt === null || merged.deviceAt > survivor.deviceAt);
  const earliest = (x: string | null, y: string | null) =>
    x === null || (y !== null && y < x) ? y : x;
  const latest = (x: string | null, y: string | null) =>
    x === null || (y !== null && y > x) ? y : x;
  const profile = {
    ...a,
    userId: a.userId ?? b.userId,
    identifiers: sortedUnion(a.identifiers, b.identifiers),
    mergedFrom: sortedUnion(a.mergedFrom, b.mergedFrom, [b.id]),
    anonymousIds: [
      ...a.anonymousIds,
      ...b.anonymousIds.filter((id) => !a.anonymousIds.includes(id)),
    ].slice(-rules.limits.anonymousIds),
    traits,
    device: deviceFromMerged ? b.device : a.device,
    firstSeenAt: earliest(a.firstSeenAt, b.firstSeenAt),
    lastSeenAt: latest(a.lastSeenAt, b.lastSeenAt),
    eventCount: a.eventCount + b.eventCount,
    pageViews: a.pageViews + b.pageViews,
    eventCounts,
    sessionCount,
    version: a.version + b.version,
    updatedAt: a.updatedAt > b.updatedAt ? a.updatedAt : b.updatedAt,
  };
  profile.segments = evaluateSegments(profile, rules.segments);
  const recent = new Set(survivor.recentMessageIds);
  // The merged profile's hashes are remembered anew, after the survivor's (numbered on from
  // its count): its own chunks go with it.
  const taken = merged.recentMessageIds.filter((hash) => !recent.has(hash));
  const recentMessageIds = [...survivor.recentMessageIds, ...taken].slice(
    -rules.limits.messageIdWindow,
  );
  return {
    profile,
    watermarks: survivor.watermarks,
    identityWatermarks: {
      ...survivor.identityWatermarks,
      ...merged.identityWatermarks,
      [b.id]: merged.watermarks,
    },
    recentMessageIds,
    messageIdCount: survivor.messageIdCount + taken.length,
    unsavedMessageIds: Math.min(survivor.unsavedMessageIds + taken.length, recentMessageIds.length),
    sessions,
    traitTimes,
    deviceAt: deviceFromMerged ? merged.deviceAt : survivor.deviceAt,
    refused,
  };
}
