import { describe, expect, it } from 'vitest';
import { setConfig } from './support/config.ts';
import { metricValue } from './support/graphql-ws.ts';
import { eventually, sendSegment } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

const PROFILE_QUERY = `query ($id: ID!) { profile(id: $id) { eventCount eventCounts { name count } } }`;

interface ProfileAnswer {
  eventCount: number;
  eventCounts: Array<{ name: string; count: number }>;
}

/** `size` track calls of `userId` named `event`, as one /v1/batch body. */
const batchOf = (userId: string, event: string, size: number) => ({
  batch: Array.from({ length: size }, () => ({ type: 'track', userId, event })),
});

describe('ingest: rate limits per write key', () => {
  // The burst is pinned at its minimum (one full batch); the rate stays in the config
  // repository, where the live-change test edits it.
  const { sandbox, system } = useSystem({
    system: { gateway: { ingest: { rateLimit: { burst: 2_500 } } } },
  });

  const profileOf = async (id: string) =>
    (await system().query<{ profile: ProfileAnswer | null }>(PROFILE_QUERY, { id })).data?.profile;
  /** Waits until profile `id` holds `count` events, then gives its count per event name. */
  const countsOnceAt = async (id: string, count: number) => {
    const profile = await eventually(async () => {
      const found = await profileOf(id);
      return found?.eventCount === count ? found : undefined;
    });
    return Object.fromEntries(profile.eventCounts.map((entry) => [entry.name, entry.count]));
  };

  it('refuses concurrent batches over the rate with 429 + Retry-After, and counts every 200 exactly', async () => {
    // A gateway of its own, at 1 event/s: its 2,500-event burst takes five batches of 500.
    const gateway = await system().startGateway({
      overrides: { ingest: { rateLimit: { eventsPerSecond: 1, burst: 2_500 } } },
    });
    const users = Array.from({ length: 10 }, (_, i) => `rl-${i}-${sandbox().id}`);
    const answers = await Promise.all(
      users.map(async (userId) => {
        const response = await sendSegment(gateway.url, 'batch', batchOf(userId, 'Burst', 500));
        return { userId, response, body: (await response.json()) as unknown };
      }),
    );
    const accepted = answers.filter((answer) => answer.response.status === 200);
    const refused = answers.filter((answer) => answer.response.status === 429);
    expect(accepted).toHaveLength(5);
    expect(refused).toHaveLength(5);
    for (const { response, body } of refused) {
      expect(body).toEqual({ success: false, error: expect.stringMatching(/rate limit/) });
      // The bucket is empty: 500 events at 1 event/s, less what refilled meanwhile.
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(450);
      expect(retryAfter).toBeLessThanOrEqual(500);
    }
    expect(
      await metricValue(gateway.url, 'pulsehub_ingest_rate_limited_events_total', 'dev-write-key'),
    ).toBe(2_500);

    for (const { userId } of accepted)
      expect(await countsOnceAt(userId, 500)).toEqual({ Burst: 500 });
    // One later event per refused profile, through the system's own gateway: once it is
    // counted, anything of the refused batch that had reached Kafka would have been too.
    for (const { userId } of refused) {
      expect(
        (await sendSegment(system().gatewayUrl, 'track', { userId, event: 'After' })).status,
      ).toBe(200);
      expect(await countsOnceAt(userId, 1)).toEqual({ After: 1 });
    }
  });

  it('applies a live change of the rate to the next request', async () => {
    // A write key of its own, so its bucket starts full whatever the other test sent.
    const writeKey = `rl-key-${sandbox().id}`;
    const userId = `rl-live-${sandbox().id}`;
    const apply = async (ingest: Record<string, unknown>, changed: string[]) => {
      const result = await setConfig(system(), { application: 'gateway', values: { ingest } });
      expect(result).toMatchObject({ ok: true, changed });
      await eventually(async () =>
        system().live['gateway']?.version() === result.version ? true : undefined,
      );
    };
    const send = (event: string, size: number) =>
      sendSegment(system().gatewayUrl, 'batch', batchOf(userId, event, size), writeKey);

    await apply({ writeKeys: ['dev-write-key', writeKey], rateLimit: { eventsPerSecond: 1 } }, [
      'ingest.rateLimit.eventsPerSecond',
      'ingest.writeKeys',
    ]);
    expect((await send('Accepted', 2_500)).status).toBe(200);
    const refused = await send('Refused', 100);
    expect(refused.status).toBe(429);
    // 100 events at 1 event/s into an empty bucket.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(90);

    // At 100,000 events/s the empty bucket holds 100 events again within a millisecond.
    await apply({ rateLimit: { eventsPerSecond: 100_000 } }, ['ingest.rateLimit.eventsPerSecond']);
    expect((await send('Later', 100)).status).toBe(200);
    expect(await countsOnceAt(userId, 2_600)).toEqual({ Accepted: 2_500, Later: 100 });
  });
});
