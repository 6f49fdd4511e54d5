import { hash } from 'node:crypto';

/**
 * A short, fixed-size fingerprint of a messageId (72 bits of SHA-256, base64url): keeps the
 * window of remembered ids small whatever the clients' ids look like, with a collision chance
 * negligible among the last MESSAGE_ID_WINDOW events of one profile.
 */
export function messageIdHash(messageId: string): string {
  // The one-shot hash: no Hash object per event on the hot path.
  return hash('sha256', messageId, 'base64url').slice(0, 12);
}

/** Lookups a window answers by scanning before it builds a set (see windowLookup). */
const SCANS_BEFORE_SET = 16;

/** Membership in a profile's dedupe window while a round applies its events. */
export interface WindowLookup {
  has(hash: string): boolean;
  /** Tells the lookup that `hash` was pushed onto the window it reads. */
  added(hash: string): void;
}

/**
 * Membership in `window` (which the caller may push onto): a scan for the first few lookups
 * and a set after. Live traffic asks about one or two events per profile and round, and a set
 * of a full window (1,000 hashes) costs far more to build than a few scans of it; a backlog
 * asks about many, and gets the set.
 */
export function windowLookup(window: readonly string[]): WindowLookup {
  let set: Set<string> | undefined;
  let scans = 0;
  return {
    has(hash) {
      if (set === undefined && ++scans > SCANS_BEFORE_SET) set = new Set(window);
      return set === undefined ? window.includes(hash) : set.has(hash);
    },
    added(hash) {
      set?.add(hash);
    },
  };
}
