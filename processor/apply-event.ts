import type { ActivityEvent } from '../schema/event.ts';
import { emptyProfile, type StoredProfile } from '../schema/profile.ts';

/** Where an event came from; the watermark per partition makes redelivery a no-op. */
export interface EventPosition {
  partition: number;
  offset: number;
}

export function emptyStoredProfile(id: string): StoredProfile {
  return { profile: emptyProfile(id), watermarks: {} };
}

/**
 * The event -> profile step: pure, deterministic, and the only implementation (the processor
 * and the rebuild from the archive both call it). Returns the same object when the event was
 * already applied, so callers can tell "no change" by identity.
 */
export function applyEvent(
  stored: StoredProfile,
  event: ActivityEvent,
  position: EventPosition,
  now: string,
): StoredProfile {
  const watermark = stored.watermarks[position.partition];
  if (watermark !== undefined && position.offset <= watermark) return stored;
  const { profile } = stored;
  const timestamp = event.timestamp;
  return {
    profile: {
      ...profile,
      userId: profile.userId ?? event.userId ?? null,
      eventCount: profile.eventCount + 1,
      firstSeenAt:
        profile.firstSeenAt === null || timestamp < profile.firstSeenAt
          ? timestamp
          : profile.firstSeenAt,
      lastSeenAt:
        profile.lastSeenAt === null || timestamp > profile.lastSeenAt
          ? timestamp
          : profile.lastSeenAt,
      version: profile.version + 1,
      updatedAt: now,
    },
    watermarks: { ...stored.watermarks, [position.partition]: position.offset },
  };
}
