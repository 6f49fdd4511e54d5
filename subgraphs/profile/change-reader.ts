import type { UserProfile } from '../../schema/profile.ts';
import type { ChangeNotice } from './change-notice.ts';

/** A profile as read after one or more change notices, with those notices in order. */
export interface ProfileUpdate {
  profile: UserProfile;
  notices: readonly ChangeNotice[];
}

export interface ChangeReaderOptions {
  /** Reads the profile's current state (from Redis). */
  read(id: string): Promise<UserProfile | undefined>;
  deliver(update: ProfileUpdate): void;
  onError(error: unknown, id: string): void;
  /** Profiles whose last delivered version is remembered for deduplication. Default 100,000. */
  maxTracked?: number;
}

interface Tracked {
  last: number;
  reading: boolean;
  queued: ChangeNotice[];
}

/**
 * Turns change notices into profile updates carrying the current profile: one read at a time
 * per profile, notices that arrive meanwhile are merged into the next read, and a version is
 * delivered at most once and never after a newer one. So each profile's updates are in
 * version order, without duplicates, however the reads interleave.
 */
export function createChangeReader(options: ChangeReaderOptions): (notice: ChangeNotice) => void {
  const maxTracked = options.maxTracked ?? 100_000;
  const tracked = new Map<string, Tracked>();

  function forgetOldest(): void {
    for (const [id, entry] of tracked) {
      if (tracked.size <= maxTracked) return;
      if (!entry.reading) tracked.delete(id);
    }
  }

  async function drain(id: string, entry: Tracked): Promise<void> {
    entry.reading = true;
    try {
      while (entry.queued.length > 0) {
        const notices = entry.queued.splice(0);
        let profile: UserProfile | undefined;
        try {
          profile = await options.read(id);
        } catch (error) {
          options.onError(error, id);
          continue;
        }
        if (profile !== undefined && profile.version > entry.last) {
          entry.last = profile.version;
          options.deliver({ profile, notices });
        }
      }
    } finally {
      entry.reading = false;
    }
  }

  return (notice) => {
    let entry = tracked.get(notice.id);
    if (entry === undefined) {
      entry = { last: 0, reading: false, queued: [] };
      tracked.set(notice.id, entry);
      if (tracked.size > maxTracked) forgetOldest();
    }
    if (notice.version <= entry.last) return;
    entry.queued.push(notice);
    if (!entry.reading) void drain(notice.id, entry);
  };
}
