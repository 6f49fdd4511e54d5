import type { ProfileChange } from '../../schema/profile-change.ts';
import type { UserProfile } from '../../schema/profile.ts';

/** A profile as read after one or more of its changes, with those changes in order. */
export interface ChangedProfile {
  profile: UserProfile;
  changes: readonly ProfileChange[];
}

export interface ChangeReaderOptions {
  /** Reads the profile's current state (from Redis). */
  read(id: string): Promise<UserProfile | undefined>;
  deliver(changed: ChangedProfile): void;
  onError(error: unknown, id: string): void;
  /** Profiles whose last delivered version is remembered for deduplication. Default 100,000. */
  maxTracked?: number;
}

interface Tracked {
  last: number;
  reading: boolean;
  queued: ProfileChange[];
}

/**
 * Turns profile changes into the changed profiles, as currently stored: one read at a time per
 * profile, changes that arrive meanwhile are merged into the next read, and a version is
 * delivered at most once and never after a newer one. So each profile's deliveries are in
 * version order, without duplicates, however the reads interleave.
 */
export function createChangeReader(options: ChangeReaderOptions): (change: ProfileChange) => void {
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
        const changes = entry.queued.splice(0);
        let profile: UserProfile | undefined;
        try {
          profile = await options.read(id);
        } catch (error) {
          options.onError(error, id);
          continue;
        }
        if (profile !== undefined && profile.version > entry.last) {
          entry.last = profile.version;
          options.deliver({ profile, changes });
        }
      }
    } finally {
      entry.reading = false;
    }
  }

  return (change) => {
    let entry = tracked.get(change.id);
    if (entry === undefined) {
      entry = { last: 0, reading: false, queued: [] };
      tracked.set(change.id, entry);
      if (tracked.size > maxTracked) forgetOldest();
    }
    if (change.version <= entry.last) return;
    entry.queued.push(change);
    if (!entry.reading) void drain(change.id, entry);
  };
}
