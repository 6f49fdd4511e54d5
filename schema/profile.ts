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
 */
export interface UserProfile {
  /** Profile id: the userId, else the anonymousId of the event that created it. */
  id: string;
  userId: string | null;
  anonymousIds: string[];
  traits: Record<string, unknown>;
  device: Device | null;
  /** Event timestamps (ISO 8601), not wall-clock times, so replays converge. */
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  eventCount: number;
  /** page + screen events. */
  pageViews: number;
  /** Per-event-name counts of track events. */
  eventCounts: Record<string, number>;
  sessionCount: number;
  segments: string[];
  /** Increments on every applied change. */
  version: number;
  updatedAt: string;
}

/**
 * What Redis stores for a profile: the profile plus, per source partition, the offset of the
 * last event applied to it. A redelivered event at or below its watermark changes nothing.
 */
export interface StoredProfile {
  profile: UserProfile;
  watermarks: Record<string, number>;
}

export function emptyProfile(id: string): UserProfile {
  return {
    id,
    userId: null,
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
