/** Device class derived from the user agent. */
export type DeviceType = 'mobile' | 'tablet' | 'desktop' | 'bot' | 'unknown';

export interface Device {
  type: DeviceType;
  os: string | null;
  browser: string | null;
}

/**
 * A user's profile as the hot path keeps it in Redis and the cold path snapshots it in
 * PostgreSQL. This is the one definition every service shares.
 *
 * Every field is a function of the profile's events alone (never of the wall clock or of
 * the order in which redelivered events arrive), so a rebuild from the archive reproduces it.
 */
export interface UserProfile {
  /** Profile id: the userId, else the anonymousId of the event that created it. */
  id: string;
  /**
   * The first userId seen on the profile's events; after a merge, the surviving profile's,
   * else the merged one's.
   */
  userId: string | null;
  /**
   * Every identifier that resolves to this profile (docs/identity.md): its id, the userIds,
   * anonymousIds and alias previousIds linked to it, and the ids of the profiles merged into
   * it; sorted, at most the processor's `identity.maxIdentifiers`.
   */
  identifiers: string[];
  /** Ids of the profiles merged into this one (each now resolves to it), sorted. */
  mergedFrom: string[];
  /**
   * Anonymous ids seen on the profile's events and alias `previousId`s, oldest first; the
   * processor's `limits.anonymousIds` most recently added (default 50).
   */
  anonymousIds: string[];
  /**
   * Merged from identify calls, per top-level key: the value of the identify with the latest
   * timestamp wins (on a tie, the later one in the stream); a `null` value removes the key;
   * nested objects are replaced whole. So an identify that arrives late never overwrites newer
   * values.
   */
  traits: Record<string, unknown>;
  /** Parsed from `context.userAgent` of the latest (by timestamp) event that carried one. */
  device: Device | null;
  /** Event timestamps (ISO 8601), not wall-clock times, so replays converge. */
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  eventCount: number;
  /** page + screen events. */
  pageViews: number;
  /**
   * Per-event-name counts of track events, for at most `limits.eventNames` names (default 300):
   * a name beyond the bound gets no counter (eventCount still counts it).
   */
  eventCounts: Record<string, number>;
  /**
   * Runs of events whose timestamps are at most the session timeout apart (default 30
   * minutes), counted by event time, so out-of-order events give the same count as in order.
   */
  sessionCount: number;
  /** Names of the configured segments the profile matches, sorted. */
  segments: string[];
  /** Increments on every applied event. */
  version: number;
  /** `receivedAt` of the latest applied event (not the processing time, so rebuilds match). */
  updatedAt: string;
}

/** Changes a profile refused at a bound (processor.yml `limits`), counted per bound. */
export interface BoundRefusals {
  /** Trait changes that would have added a key beyond `limits.traitKeys`. */
  traitKeys: number;
  /** Trait changes that would have grown the traits beyond `limits.traitBytes`. */
  traitBytes: number;
  /** Track events whose new name got no counter (`limits.eventNames`, `limits.eventNameBytes`). */
  eventNames: number;
}

/** A session as a closed interval of event times, epoch milliseconds. */
export type SessionSpan = [start: number, end: number];

/**
 * What Redis stores for a profile (and what the changelog carries): the profile plus the
 * bookkeeping that makes applying events exact and order-independent.
 */
export interface StoredProfile {
  profile: UserProfile;
  /**
   * Per source partition, the offset of the last event applied of those whose identifier
   * (`profileIdOf(event)`) is the profile's own id; redelivery at or below it is a no-op.
   */
  watermarks: Record<string, number>;
  /**
   * The same per other identifier whose events this profile applied (merged profiles'
   * watermarks, and identifiers linked to it): `{ <identifier>: { <partition>: <offset> } }`.
   * Kept apart per identifier because the events of two identifiers on one partition are in
   * order each, not together (ADR 0012).
   */
  identityWatermarks: Record<string, Record<string, number>>;
  /**
   * Short hashes of the most recent messageIds applied (oldest first, the last
   * `limits.messageIdWindow`, default 1,000): an event whose messageId is here is a duplicate
   * (a client retrying after a 503 whose first attempt did reach Kafka) and changes nothing.
   * Kept beside the document, not in it (ADR 0014): in chunks, as fields of the profile's Redis
   * hash and records of the changelog (profiles/message-id-ring.ts), so a write carries only
   * the chunk its events touched.
   */
  recentMessageIds: string[];
  /**
   * How many messageIds the profile has remembered in all: the newest in the window is number
   * `messageIdCount − 1`. Numbers the window's chunks; in the document.
   */
  messageIdCount: number;
  /**
   * Of the window's newest hashes, how many its stored chunks do not hold yet: the ones a write
   * must store. In memory only, never in the document: 0 as read (but the whole window of a
   * document from before the chunks, which held its window inline), raised by every hash
   * remembered.
   */
  unsavedMessageIds: number;
  /** The most recent sessions by event time (at most `limits.sessions`, default 20), oldest first. */
  sessions: SessionSpan[];
  /** Per trait key, the timestamp of the identify that last set (or removed) it. */
  traitTimes: Record<string, string>;
  /** Timestamp of the event the device was parsed from. */
  deviceAt: string | null;
  /** What the profile's events asked for beyond a bound and did not get. */
  refused: BoundRefusals;
}

export function emptyProfile(id: string): UserProfile {
  return {
    id,
    userId: null,
    identifiers: [id],
    mergedFrom: [],
    anonymousIds: [],
    traits: {},
    device: null,
    firstSeenAt: null,
    lastSeenAt: null,
    eventCount: 0,
    pageViews: 0,
    eventCounts: {},
    sessionCount: 0,
    segments: [],
    version: 0,
    updatedAt: new Date(0).toISOString(),
  };
}

export function emptyStoredProfile(id: string): StoredProfile {
  return {
    profile: emptyProfile(id),
    watermarks: {},
    identityWatermarks: {},
    recentMessageIds: [],
    messageIdCount: 0,
    unsavedMessageIds: 0,
    sessions: [],
    traitTimes: {},
    deviceAt: null,
    refused: { traitKeys: 0, traitBytes: 0, eventNames: 0 },
  };
}

/**
 * The stored document of a profile: everything but the dedupe window (kept beside it, ADR
 * 0014) and what is in memory only. The text Redis's `doc` field and the changelog hold.
 */
export function storedDocument(stored: StoredProfile): string {
  const { recentMessageIds: _window, unsavedMessageIds: _unsaved, ...document } = stored;
  return JSON.stringify(document);
}

/**
 * A stored document read back, with defaults for bookkeeping an older document lacks. Its
 * window is empty (the caller adds it from the chunks), unless the document is from before the
 * chunks and holds its window inline: then that one, all of it unsaved.
 */
export function parseStoredProfile(id: string, json: string): StoredProfile {
  const parsed = JSON.parse(json) as Partial<StoredProfile> & { profile: UserProfile };
  const empty = emptyStoredProfile(id);
  const inline = Array.isArray(parsed.recentMessageIds) ? parsed.recentMessageIds : [];
  const legacy = parsed.messageIdCount === undefined;
  return {
    ...empty,
    ...parsed,
    profile: { ...empty.profile, ...parsed.profile },
    recentMessageIds: legacy ? inline : [],
    messageIdCount: legacy ? inline.length : (parsed.messageIdCount ?? 0),
    unsavedMessageIds: legacy ? inline.length : 0,
  };
}
