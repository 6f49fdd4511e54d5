import type { ProfileChange } from '../../schema/profile-change.ts';
import type { UserProfile } from '../../schema/profile.ts';

/** A profile after one or more of its changes, with those changes in order. */
export interface ChangedProfile {
  profile: UserProfile;
  changes: readonly ProfileChange[];
}

export interface ChangeReaderOptions {
  /** Reads the profile's current state (from Redis): only to resynchronise. */
  read(id: string): Promise<UserProfile | undefined>;
  deliver(changed: ChangedProfile): void;
  onError(error: unknown, id: string): void;
  /** Profiles whose last delivered version is remembered. Default 100,000. */
  maxTracked?: number;
}

export interface ChangeReader {
  /** An announced change: delivered from the profile it carries, or after a read. */
  accept(change: ProfileChange): void;
  /**
   * A profile read because announcements were lost where the reader cannot see it (a pub/sub
   * reconnect): delivered when it is newer, and the next announcement continues from it.
   */
  resynchronised(profile: UserProfile): void;
}

interface Tracked {
  /** The version delivered last; undefined before the first delivery (or once forgotten). */
  last: number | undefined;
  reading: boolean;
  /** Changes not delivered yet, in arrival order (a channel's order: version order). */
  pending: ProfileChange[];
}

/**
 * Turns a channel's profile changes into changed profiles. A change that carries its profile
 * and continues from the version delivered last is delivered as it is: no Redis read, no parse
 * of the stored document. A change after a gap (its `previousVersion` is not the last one
 * delivered: announcements were lost) or without a profile (an older processor's notice) is
 * answered by one read of the profile, one read at a time per profile; changes that arrive
 * meanwhile and that read covers are delivered with it. A version is delivered at most once and
 * never after a newer one, so each profile's deliveries are in version order, without
 * duplicates, however reads and announcements interleave.
 *
 * The first change of a profile the reader knows nothing of is taken as it comes: the channel
 * was subscribed before, so nothing published since was lost but on a reconnect, which the
 * feeds resynchronise themselves (profile-feeds.ts).
 */
export function createChangeReader(options: ChangeReaderOptions): ChangeReader {
  const maxTracked = options.maxTracked ?? 100_000;
  const tracked = new Map<string, Tracked>();

  function entryOf(id: string): Tracked {
    let entry = tracked.get(id);
    if (entry === undefined) {
      entry = { last: undefined, reading: false, pending: [] };
      tracked.set(id, entry);
      if (tracked.size > maxTracked) forgetOldest();
    }
    return entry;
  }

  function forgetOldest(): void {
    for (const [id, entry] of tracked) {
      if (tracked.size <= maxTracked) return;
      if (!entry.reading) tracked.delete(id);
    }
  }

  const covered = (entry: Tracked, change: ProfileChange): boolean =>
    entry.last !== undefined && change.version <= entry.last;

  /** Delivers `profile` with the pending changes it covers, if it is newer than the last. */
  function deliverNewer(entry: Tracked, profile: UserProfile): void {
    if (entry.last !== undefined && profile.version <= entry.last) return;
    const changes = entry.pending.filter((change) => change.version <= profile.version);
    entry.pending = entry.pending.filter((change) => change.version > profile.version);
    entry.last = profile.version;
    options.deliver({ profile, changes });
  }

  /** Delivers the pending changes that continue in order; reads once if any is left. */
  function settle(id: string, entry: Tracked): void {
    while (entry.pending.length > 0) {
      const [next] = entry.pending;
      if (next === undefined) break;
      if (covered(entry, next)) {
        entry.pending.shift();
        continue;
      }
      const inOrder = entry.last === undefined || next.previousVersion === entry.last;
      if (next.profile === undefined || !inOrder) break;
      entry.pending.shift();
      entry.last = next.version;
      options.deliver({ profile: next.profile, changes: [next] });
    }
    if (entry.pending.length > 0) void resynchronise(id, entry);
  }

  async function resynchronise(id: string, entry: Tracked): Promise<void> {
    entry.reading = true;
    // The changes this read answers; those arriving meanwhile are delivered with it if it
    // covers them, else continue from it.
    const answered = new Set(entry.pending);
    let profile: UserProfile | undefined;
    try {
      profile = await options.read(id);
    } catch (error) {
      options.onError(error, id);
    }
    entry.reading = false;
    if (profile !== undefined) deliverNewer(entry, profile);
    // What the read did not cover of what it answers (a failed read, a profile gone since) is
    // given up: a later change continues from the last delivery, or reads again after a gap.
    entry.pending = entry.pending.filter((change) => !answered.has(change));
    settle(id, entry);
  }

  return {
    accept(change) {
      const entry = entryOf(change.id);
      if (covered(entry, change)) return;
      entry.pending.push(change);
      if (!entry.reading) settle(change.id, entry);
    },
    resynchronised(profile) {
      const entry = entryOf(profile.id);
      deliverNewer(entry, profile);
    },
  };
}
