import { Counter, type Registry } from 'prom-client';
import type { RateLimitSettings } from '../config.ts';

/** A bucket's refill rate and capacity, in events. */
export interface BucketShape {
  eventsPerSecond: number;
  burst: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

/** A token bucket's state: tokens as of `updatedAtMs` (on the limiter's clock). */
interface Bucket {
  tokens: number;
  updatedAtMs: number;
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
  bucket.tokens = Math.min(shape.burst, bucket.tokens + elapsedSeconds * shape.eventsPerSecond);
  bucket.updatedAtMs = nowMs;
  if (bucket.tokens >= cost) {
    bucket.tokens -= cost;
    return { ok: true };
  }
  const waitSeconds = (cost - bucket.tokens) / shape.eventsPerSecond;
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
}

export interface IngestRateLimiter {
  /** Admits `events` events of `writeKey` (all or none), or says when to retry. */
  admit(writeKey: string, events: number): Admission;
  /** Forgets the buckets of keys no longer accepted, so the map stays bounded by the config. */
  retain(writeKeys: ReadonlySet<string>): void;
}

export interface IngestRateLimiterOptions {
  /** The settings in force; a function so a live config change applies to the next request. */
  settings(): RateLimitSettings;
  /** Milliseconds on a monotonic clock; default `performance.now()`. Tests inject their own. */
  now?(): number;
  /** Where the refusal counters go; none when absent. */
  metrics?: Registry;
}

/**
 * One token bucket per write key, counted in events (a batch of 100 costs 100). Buckets start
 * full. Only accepted write keys reach the limiter (an unknown key is a 401 before it), so
 * the map holds at most one bucket per configured key; `retain` drops revoked ones.
 */
export function createIngestRateLimiter(options: IngestRateLimiterOptions): IngestRateLimiter {
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, Bucket>();
  const registers = options.metrics ? [options.metrics] : [];
  const refusedRequests = new Counter({
    name: 'pulsehub_ingest_rate_limited_requests_total',
    help: 'Ingest requests refused with 429 because their write key was over its rate',
    labelNames: ['write_key'],
    registers,
  });
  const refusedEvents = new Counter({
    name: 'pulsehub_ingest_rate_limited_events_total',
    help: 'Events in ingest requests refused with 429 (none of them was produced)',
    labelNames: ['write_key'],
    registers,
  });

  // The overrides as a map, rebuilt only when the settings object changes (a config reload).
  let indexed: RateLimitSettings | undefined;
  let overrides = new Map<string, BucketShape>();
  const shapeOf = (writeKey: string): BucketShape => {
    const settings = options.settings();
    if (settings !== indexed) {
      indexed = settings;
      overrides = new Map(settings.overrides.map(({ writeKey: key, ...shape }) => [key, shape]));
    }
    return overrides.get(writeKey) ?? settings;
  };

  return {
    admit(writeKey, events) {
      const shape = shapeOf(writeKey);
      const nowMs = now();
      let bucket = buckets.get(writeKey);
      if (bucket === undefined) {
        bucket = { tokens: shape.burst, updatedAtMs: nowMs };
        buckets.set(writeKey, bucket);
      }
      const admission = takeTokens(bucket, shape, events, nowMs);
      if (!admission.ok) {
        refusedRequests.inc({ write_key: writeKey });
        refusedEvents.inc({ write_key: writeKey }, events);
      }
      return admission;
    },
    retain(writeKeys) {
      for (const key of buckets.keys()) if (!writeKeys.has(key)) buckets.delete(key);
    },
  };
}
