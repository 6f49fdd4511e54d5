/** A token bucket's refill rate (tokens per second) and capacity (tokens). */
export interface BucketShape {
  perSecond: number;
  burst: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

/** A token bucket's state: tokens as of `updatedAtMs` (on the caller's clock). */
export interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

/** A full bucket: a caller seen for the first time may spend its whole burst. */
export function fullBucket(shape: BucketShape, nowMs: number): Bucket {
  return { tokens: shape.burst, updatedAtMs: nowMs };
}

/**
 * Takes `cost` tokens from `bucket` at `nowMs`, or none. The refill is computed lazily with the
 * shape in force now, so a live change of the rate or burst applies from the next request. A
 * refusal says how long until the bucket holds `cost`, rounded up to whole seconds (what
 * `Retry-After` carries), at least 1.
 */
export function takeTokens(
  bucket: Bucket,
  shape: BucketShape,
  cost: number,
  nowMs: number,
): Admission {
  const elapsedSeconds = Math.max(0, nowMs - bucket.updatedAtMs) / 1_000;
  bucket.tokens = Math.min(shape.burst, bucket.tokens + elapsedSeconds * shape.perSecond);
  bucket.updatedAtMs = nowMs;
  if (bucket.tokens >= cost) {
    bucket.tokens -= cost;
    return { ok: true };
  }
  const waitSeconds = (cost - bucket.tokens) / shape.perSecond;
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
}
