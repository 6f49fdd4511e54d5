import { Counter, type Registry } from 'prom-client';
import {
  fullBucket,
  takeTokens,
  type Admission,
  type Bucket,
  type BucketShape,
} from '../../lib/token-bucket.ts';
import type { RateLimitSettings } from '../config.ts';

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

  // The shapes in tokens (= events), rebuilt only when the settings object changes (a reload).
  let indexed: RateLimitSettings | undefined;
  let standard: BucketShape = { perSecond: 0, burst: 0 };
  let overrides = new Map<string, BucketShape>();
  const shapeOf = (writeKey: string): BucketShape => {
    const settings = options.settings();
    if (settings !== indexed) {
      indexed = settings;
      standard = { perSecond: settings.eventsPerSecond, burst: settings.burst };
      overrides = new Map(
        settings.overrides.map((o) => [
          o.writeKey,
          { perSecond: o.eventsPerSecond, burst: o.burst },
        ]),
      );
    }
    return overrides.get(writeKey) ?? standard;
  };

  return {
    admit(writeKey, events) {
      const shape = shapeOf(writeKey);
      const nowMs = now();
      let bucket = buckets.get(writeKey);
      if (bucket === undefined) {
        bucket = fullBucket(shape, nowMs);
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
