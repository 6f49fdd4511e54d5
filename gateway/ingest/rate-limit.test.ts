import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema, rateLimitSettings, type RateLimitSettings } from '../config.ts';
import { createIngestRateLimiter } from './rate-limit.ts';

const SECOND = 1_000; // ms

/** A limiter on a clock the test moves, with settings the test can swap as a reload would. */
function limiterAt(initial: Partial<RateLimitSettings>) {
  let nowMs = 0;
  let settings = rateLimitSettings.parse(initial);
  const metrics = new Registry();
  const limiter = createIngestRateLimiter({ settings: () => settings, now: () => nowMs, metrics });
  return {
    limiter,
    metrics,
    advance: (ms: number) => void (nowMs += ms),
    reload: (next: Partial<RateLimitSettings>) => void (settings = rateLimitSettings.parse(next)),
  };
}

describe('the ingest rate limiter (a token bucket per write key, in events)', () => {
  it('admits a full burst at once, then refuses with the seconds until the request fits', () => {
    const { limiter, advance } = limiterAt({ eventsPerSecond: 100, burst: 5_000 });
    expect(limiter.admit('k', 2_500)).toEqual({ ok: true });
    expect(limiter.admit('k', 2_500)).toEqual({ ok: true });
    // Empty: 250 events take 2.5 s at 100/s, rounded up to whole seconds.
    expect(limiter.admit('k', 250)).toEqual({ ok: false, retryAfterSeconds: 3 });
    advance(2.5 * SECOND);
    expect(limiter.admit('k', 250)).toEqual({ ok: true });
  });

  it('refuses all or nothing: a refused request takes no tokens', () => {
    const { limiter } = limiterAt({ eventsPerSecond: 1, burst: 3_000 });
    expect(limiter.admit('k', 2_000)).toEqual({ ok: true });
    expect(limiter.admit('k', 1_500)).toMatchObject({ ok: false });
    expect(limiter.admit('k', 1_000)).toEqual({ ok: true });
  });

  it('never says less than one second, and refills no further than the burst', () => {
    const { limiter, advance } = limiterAt({ eventsPerSecond: 10_000, burst: 2_500 });
    expect(limiter.admit('k', 2_500)).toEqual({ ok: true });
    expect(limiter.admit('k', 1)).toEqual({ ok: false, retryAfterSeconds: 1 });
    advance(3_600 * SECOND); // an hour idle
    expect(limiter.admit('k', 2_500)).toEqual({ ok: true });
    expect(limiter.admit('k', 1)).toMatchObject({ ok: false });
  });

  it('keeps one bucket per write key, and per-key overrides', () => {
    const { limiter } = limiterAt({
      eventsPerSecond: 1,
      burst: 2_500,
      overrides: [{ writeKey: 'server', eventsPerSecond: 1, burst: 10_000 }],
    });
    expect(limiter.admit('a', 2_500)).toEqual({ ok: true });
    expect(limiter.admit('a', 1)).toMatchObject({ ok: false });
    expect(limiter.admit('b', 2_500)).toEqual({ ok: true });
    for (let batch = 0; batch < 4; batch++) expect(limiter.admit('server', 2_500).ok).toBe(true);
    expect(limiter.admit('server', 1)).toMatchObject({ ok: false });
  });

  it('applies a reloaded rate to the next request, keeping the bucket', () => {
    const { limiter, advance, reload } = limiterAt({ eventsPerSecond: 1, burst: 2_500 });
    expect(limiter.admit('k', 2_500)).toEqual({ ok: true });
    expect(limiter.admit('k', 100)).toEqual({ ok: false, retryAfterSeconds: 100 });
    reload({ eventsPerSecond: 1_000, burst: 2_500 });
    expect(limiter.admit('k', 100)).toEqual({ ok: false, retryAfterSeconds: 1 });
    advance(100); // 0.1 s at the new rate: 100 events
    expect(limiter.admit('k', 100)).toEqual({ ok: true });
  });

  it('forgets the buckets of revoked keys: a key added back starts full', () => {
    const { limiter } = limiterAt({ eventsPerSecond: 1, burst: 2_500 });
    limiter.admit('k', 2_500);
    limiter.retain(new Set(['other']));
    expect(limiter.admit('k', 2_500)).toEqual({ ok: true });
  });

  it('counts refused requests and events per write key', async () => {
    const { limiter, metrics } = limiterAt({ eventsPerSecond: 1, burst: 2_500 });
    limiter.admit('k', 2_500);
    limiter.admit('k', 40);
    limiter.admit('k', 2);
    const text = await metrics.metrics();
    expect(text).toMatch(/pulsehub_ingest_rate_limited_requests_total\{write_key="k"\} 2/);
    expect(text).toMatch(/pulsehub_ingest_rate_limited_events_total\{write_key="k"\} 42/);
  });
});

describe('the ingest.rateLimit setting', () => {
  it('defaults to 1,000 events/s and a burst of 5,000 when the configuration lacks it', () => {
    const ingest = gatewayConfigSchema.shape.ingest.parse({
      writeKeys: ['k'],
      produceTimeoutMs: 3_000,
      retryAfterSeconds: 2,
    });
    expect(ingest.rateLimit).toEqual({ eventsPerSecond: 1_000, burst: 5_000, overrides: [] });
  });

  it('refuses a burst below the largest batch, which could never pass', () => {
    const parsed = rateLimitSettings.safeParse({ burst: 100 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/at least 2500/);
  });
});
