import { describe, expect, it } from 'vitest';
import { createAddressLimiter, type AddressLimits } from './address-limiter.ts';

const SECOND = 1_000; // ms

/** A limiter on a clock the test moves, with limits the test can swap as a live change would. */
function limiterAt(initial: AddressLimits, maxBuckets?: number) {
  let nowMs = 0;
  let limits = initial;
  const limiter = createAddressLimiter({
    limits: () => limits,
    now: () => nowMs,
    ...(maxBuckets === undefined ? {} : { maxBuckets }),
  });
  return {
    limiter,
    advance: (ms: number) => void (nowMs += ms),
    change: (next: AddressLimits) => void (limits = next),
  };
}

const roomy = { connectionsPerAddressPerSecond: 1_000, connectionBurstPerAddress: 1_000 };

describe('the per-client-address connection limiter', () => {
  it('holds the open-connection cap per address, and a closed connection frees its slot', () => {
    const { limiter } = limiterAt({ maxConnectionsPerAddress: 2, ...roomy });
    const first = limiter.admit('10.0.0.1');
    const second = limiter.admit('10.0.0.1');
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect(limiter.admit('10.0.0.1')).toMatchObject({
      ok: false,
      code: 'TOO_MANY_CONNECTIONS_PER_ADDRESS',
    });
    expect(limiter.admit('10.0.0.2').ok).toBe(true); // another address has its own cap
    if (!first.ok) throw new Error('unreachable');
    first.release();
    first.release(); // idempotent: a second release frees nothing more
    expect(limiter.admit('10.0.0.1').ok).toBe(true);
    expect(limiter.admit('10.0.0.1').ok).toBe(false);
  });

  it('rates new connections with a token bucket: the burst at once, then the rate', () => {
    const { limiter, advance } = limiterAt({
      maxConnectionsPerAddress: 1_000,
      connectionsPerAddressPerSecond: 2,
      connectionBurstPerAddress: 3,
    });
    for (let index = 0; index < 3; index++) expect(limiter.admit('a').ok).toBe(true);
    expect(limiter.admit('a')).toEqual({
      ok: false,
      code: 'CONNECTION_RATE_LIMITED',
      message: expect.stringContaining('2 new connections per second') as unknown,
      retryAfterSeconds: 1,
    });
    expect(limiter.admit('b').ok).toBe(true);
    advance(0.5 * SECOND); // one token at 2/s
    expect(limiter.admit('a').ok).toBe(true);
    expect(limiter.admit('a').ok).toBe(false);
  });

  it('applies changed limits to the next connection', () => {
    const { limiter, change } = limiterAt({ maxConnectionsPerAddress: 1, ...roomy });
    expect(limiter.admit('a').ok).toBe(true);
    expect(limiter.admit('a').ok).toBe(false);
    change({ maxConnectionsPerAddress: 2, ...roomy });
    expect(limiter.admit('a').ok).toBe(true);
  });

  it('forgets idle addresses, so a flood from many addresses does not grow its memory', () => {
    const { limiter, advance } = limiterAt({
      maxConnectionsPerAddress: 10,
      connectionsPerAddressPerSecond: 10,
      connectionBurstPerAddress: 20,
    });
    for (let index = 0; index < 10_000; index++) {
      const admission = limiter.admit(`10.1.${index >> 8}.${index & 255}`);
      if (admission.ok) admission.release(); // a connection that came and went
    }
    expect(limiter.trackedAddresses()).toBe(10_000);
    advance(2 * SECOND); // an empty bucket refills (20 at 10/s) in 2 s: full ones are forgotten
    const held = limiter.admit('10.9.9.9');
    expect(limiter.trackedAddresses()).toBe(1);
    expect(held.ok).toBe(true);
    advance(60 * SECOND);
    limiter.admit('10.9.9.8');
    // Still open: its count is kept though its bucket is forgotten.
    expect(limiter.trackedAddresses()).toBe(2);
  });

  it('holds at most maxBuckets rate buckets even within the refill time', () => {
    const { limiter } = limiterAt(
      {
        maxConnectionsPerAddress: 10,
        connectionsPerAddressPerSecond: 1,
        connectionBurstPerAddress: 2,
      },
      100,
    );
    for (let index = 0; index < 1_000; index++) {
      const admission = limiter.admit(`fd00::${index.toString(16)}`);
      if (admission.ok) admission.release();
    }
    expect(limiter.trackedAddresses()).toBe(100);
  });
});
