/**
 * Remembers every accepted gateway signature (timestamp, nonce) for as long as its timestamp
 * is accepted, so each signature is served once. A time wheel: one bucket per signed second,
 * dropped whole once that second is out of the window; a repeat always lands in the bucket of
 * its own timestamp, so a lookup touches one bucket.
 *
 * Bounded by `maxEntries`. When full it refuses new signatures ('full') rather than forget
 * live ones: forgetting would let exactly the replays through that the cache exists to stop,
 * while refusing is a visible, retryable overload (only the gateway, which holds the secret,
 * can fill it). Per process: a replay to another instance of the same subgraph inside the
 * window is not seen here.
 */
export interface ReplayCacheSettings {
  /** How far a signature's timestamp may be from now, in seconds (its validity window). */
  windowSeconds: number;
  /** Most signatures remembered at once. */
  maxEntries: number;
}

export type ReplayVerdict = 'fresh' | 'replayed' | 'full';

export interface ReplayCache {
  /** Records the signature if it is new; `nowMs` only for tests. */
  admit(timestamp: number, nonce: string, nowMs?: number): ReplayVerdict;
  /** Signatures remembered now. */
  size(): number;
}

export function createReplayCache(settings: ReplayCacheSettings): ReplayCache {
  const buckets = new Map<number, Set<string>>();
  let entries = 0;
  let sweptSecond = -1;

  /** Drops the buckets whose second is out of the window: at most once a second, ~2×window buckets. */
  const sweep = (nowMs: number): void => {
    const second = Math.floor(nowMs / 1_000);
    if (second === sweptSecond) return;
    sweptSecond = second;
    for (const [timestamp, bucket] of buckets)
      if (nowMs / 1_000 - timestamp > settings.windowSeconds) {
        entries -= bucket.size;
        buckets.delete(timestamp);
      }
  };

  return {
    admit(timestamp, nonce, nowMs = Date.now()) {
      sweep(nowMs);
      const bucket = buckets.get(timestamp);
      if (bucket?.has(nonce)) return 'replayed';
      if (entries >= settings.maxEntries) return 'full';
      // A copy, not the nonce as given: that is a slice of the signature header (or a cons
      // string), which would keep ~200 bytes alive per entry instead of ~85 (measured).
      const key = Buffer.from(nonce, 'latin1').toString('latin1');
      if (bucket) bucket.add(key);
      else buckets.set(timestamp, new Set([key]));
      entries += 1;
      return 'fresh';
    },
    size: () => entries,
  };
}
