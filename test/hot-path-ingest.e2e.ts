import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../config/client/load.ts';
import { gatewayConfigSchema } from '../gateway/config.ts';
import { createGatewayService } from '../gateway/service.ts';
import { createLogger } from '../lib/logger.ts';
import { connectRedis } from '../lib/redis.ts';
import { startService, stopService } from '../lib/service.ts';
import { DEAD_LETTER_HEADERS } from '../lib/kafka/dead-letter.ts';
import type { ProfileChange } from '../schema/profile-change.ts';
import { freePort } from './support/child-service.ts';
import { basicAuth, eventually, sendSegment } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { produceRaw, readTopic } from './support/kafka.ts';
import { sandboxProfiles } from './support/profiles.ts';
import { createTestKeys } from './support/auth.ts';
import { useSystem } from './support/use-system.ts';

const PROFILE_QUERY = `query ($id: ID!) { profile(id: $id) {
  id userId eventCount pageViews traits sessionCount segments version
  eventCounts { name count } device { type os browser } } }`;

interface ProfileAnswer {
  id: string;
  eventCount: number;
  pageViews: number;
  traits: Record<string, unknown>;
  segments: string[];
  eventCounts: Array<{ name: string; count: number }>;
  device: { type: string; os: string | null; browser: string | null } | null;
}

describe('hot path: ingest, processor, announcements, dead letters', () => {
  const { sandbox, system } = useSystem();
  let profiles: ReturnType<typeof sandboxProfiles>;

  beforeAll(async () => {
    profiles = sandboxProfiles(sandbox());
  });
  afterAll(async () => {
    profiles?.close();
  });

  async function profileWhen(
    id: string,
    done: (p: ProfileAnswer) => boolean,
  ): Promise<ProfileAnswer> {
    return eventually(async () => {
      const answer = await system().query<{ profile: ProfileAnswer | null }>(PROFILE_QUERY, { id });
      expect(answer.errors).toBeUndefined();
      const profile = answer.data?.profile;
      return profile && done(profile) ? profile : undefined;
    });
  }

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${system().gatewayUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: basicAuth('dev-write-key'),
        ...headers,
      },
      body,
    });

  it('answers every bad request with its status and message', async () => {
    const cases: Array<[string, Promise<Response>, number, unknown]> = [
      ['GET', fetch(`${system().gatewayUrl}/v1/track`), 405, { success: false, error: 'use POST' }],
      [
        'no key',
        fetch(`${system().gatewayUrl}/v1/track`, {
          method: 'POST',
          body: '{"userId":"u","event":"e"}',
        }),
        401,
        { success: false, error: 'missing write key (HTTP Basic auth user or body writeKey)' },
      ],
      [
        'unknown key',
        sendSegment(system().gatewayUrl, 'track', { userId: 'u', event: 'e' }, 'nope'),
        401,
        { success: false, error: 'unknown write key' },
      ],
      [
        'unknown body key',
        fetch(`${system().gatewayUrl}/v1/track`, {
          method: 'POST',
          body: JSON.stringify({ writeKey: 'nope', userId: 'u', event: 'e' }),
        }),
        401,
        { success: false, error: 'unknown write key' },
      ],
      [
        'malformed JSON',
        post('/v1/track', '{"userId":'),
        400,
        { success: false, error: expect.stringMatching(/^malformed JSON: /) },
      ],
      [
        'not an object',
        post('/v1/track', '[1]'),
        400,
        { success: false, error: 'the body must be a JSON object' },
      ],
      [
        'fields',
        post('/v1/track', JSON.stringify({ userId: 'u', properties: 'x', timestamp: 'yesterday' })),
        400,
        {
          success: false,
          error: 'invalid event',
          errors: expect.arrayContaining([
            { field: 'event', message: expect.any(String) },
            { field: 'properties', message: expect.any(String) },
            { field: 'timestamp', message: expect.any(String) },
          ]),
        },
      ],
      [
        'no identity',
        post('/v1/identify', JSON.stringify({ traits: {} })),
        400,
        {
          success: false,
          error: 'invalid event',
          errors: [{ field: 'userId', message: 'userId or anonymousId is required' }],
        },
      ],
      [
        'batch not a list',
        post('/v1/batch', JSON.stringify({ batch: {} })),
        400,
        {
          success: false,
          error: 'invalid batch',
          errors: [{ field: 'batch', message: 'expected an array' }],
        },
      ],
      [
        'batch member',
        post(
          '/v1/batch',
          JSON.stringify({
            batch: [
              { type: 'track', userId: 'u', event: 'ok' },
              { type: 'buy', userId: 'u' },
            ],
          }),
        ),
        400,
        {
          success: false,
          error: 'invalid event',
          errors: [{ field: 'batch[1].type', message: expect.any(String) }],
        },
      ],
      [
        'single over 32 KB',
        post(
          '/v1/track',
          JSON.stringify({ userId: 'u', event: 'e', properties: { x: 'x'.repeat(33_000) } }),
        ),
        413,
        { success: false, error: 'the request body exceeds 32768 bytes' },
      ],
      [
        'event over 32 KB in a batch',
        post(
          '/v1/batch',
          JSON.stringify({
            batch: [
              { type: 'track', userId: 'u', event: 'e', properties: { x: 'x'.repeat(33_000) } },
            ],
          }),
        ),
        413,
        {
          success: false,
          error: 'event too large',
          errors: [{ field: 'batch[0]', message: 'an event is at most 32768 bytes' }],
        },
      ],
      [
        'batch over 500 KB',
        post(
          '/v1/batch',
          JSON.stringify({
            batch: Array.from({ length: 20 }, () => ({
              type: 'track',
              userId: 'u',
              event: 'e',
              properties: { x: 'x'.repeat(30_000) },
            })),
          }),
        ),
        413,
        { success: false, error: 'the request body exceeds 512000 bytes' },
      ],
      [
        'over 2,500 events',
        post(
          '/v1/batch',
          JSON.stringify({
            batch: Array.from({ length: 2_501 }, () => ({ type: 'page', userId: 'u' })),
          }),
        ),
        413,
        { success: false, error: 'a batch holds at most 2500 events' },
      ],
    ];
    for (const [name, request, status, body] of cases) {
      const response = await request;
      expect({ name, status: response.status, body: await response.json() }).toEqual({
        name,
        status,
        body,
      });
    }
  });

  it('applies every call type to the profile; a resent messageId counts once', async () => {
    const id = `${sandbox().id}-all`;
    const ua =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
    const batch = [
      { type: 'identify', userId: id, traits: { plan: 'pro' }, messageId: `${id}-1` },
      { type: 'track', userId: id, event: 'Order Completed', messageId: `${id}-2` },
      { type: 'page', userId: id, name: 'Home', context: { userAgent: ua } },
      { type: 'screen', userId: id, name: 'Cart' },
      { type: 'group', userId: id, groupId: 'g1' },
      { type: 'alias', userId: id, previousId: `${id}-anon` },
    ];
    expect((await post('/v1/batch', JSON.stringify({ batch }))).status).toBe(200);
    // A client retrying after a 503 whose first attempt reached Kafka resends the same messageId.
    expect((await sendSegment(system().gatewayUrl, 'track', batch[1] ?? {})).status).toBe(200);
    // Same profile, same partition: once this one shows, the resent one was processed too.
    expect(
      (await sendSegment(system().gatewayUrl, 'track', { userId: id, event: 'Last' })).status,
    ).toBe(200);
    const profile = await profileWhen(id, (p) => p.eventCounts.some((c) => c.name === 'Last'));
    expect(profile).toMatchObject({
      eventCount: 7,
      pageViews: 2,
      traits: { plan: 'pro' },
      eventCounts: [
        { name: 'Order Completed', count: 1 },
        { name: 'Last', count: 1 },
      ],
      device: { type: 'MOBILE', os: 'iOS', browser: 'Safari' },
      segments: ['identified', 'mobile'],
    });
    expect(await profiles.redis.sismember(profiles.layout.segmentMembersOf('mobile', id), id)).toBe(
      1,
    );
  });

  it('announces one coalesced change per profile and batch, with segments entered and left', async () => {
    const id = `${sandbox().id}-pubsub`;
    // A profile's channel is a shard channel: on a cluster only the node of its slot carries it.
    const subscriber = connectRedis(sandbox().redisUrl, {}, { shardedSubscribers: true });
    const messages: ProfileChange[] = [];
    subscriber.on('smessage', (_channel: string, message: string) =>
      messages.push(JSON.parse(message) as ProfileChange),
    );
    await subscriber.ssubscribe(profiles.layout.profileChannel(id));
    try {
      const ua =
        'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1';
      const batch = [
        { type: 'page', anonymousId: id, context: { userAgent: ua } },
        { type: 'page', anonymousId: id },
        { type: 'track', anonymousId: id, event: 'Clicked' },
      ];
      expect((await post('/v1/batch', JSON.stringify({ batch }))).status).toBe(200);
      await eventually(async () => (messages.some((m) => m.version === 3) ? true : undefined));
      // One produce lands in one partition batch: the three events are announced together.
      expect(messages).toEqual([
        {
          id,
          version: 3,
          previousVersion: 0,
          segments: { entered: ['mobile'], left: [] },
          profile: expect.objectContaining({ id, version: 3, eventCount: 3, pageViews: 2 }),
        },
      ]);
      const desktop =
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
      await sendSegment(system().gatewayUrl, 'page', {
        anonymousId: id,
        context: { userAgent: desktop },
      });
      await eventually(async () => (messages.some((m) => m.version === 4) ? true : undefined));
      expect(messages[1]?.segments).toEqual({ entered: [], left: ['mobile'] });
      expect(
        await profiles.redis.sismember(profiles.layout.segmentMembersOf('mobile', id), id),
      ).toBe(0);
    } finally {
      subscriber.disconnect();
    }
  });

  it('takes track, identify and page from @segment/analytics-node pointed at the gateway', async () => {
    const userId = `${sandbox().id}-sdk`;
    const analytics = new Analytics({
      writeKey: 'dev-write-key',
      host: system().gatewayUrl,
      flushAt: 3,
      maxRetries: 0,
    });
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));
    analytics.identify({ userId, traits: { name: 'Ada', plan: 'team' } });
    analytics.track({ userId, event: 'Report Exported', properties: { format: 'csv' } });
    analytics.page({ userId, name: 'Pricing', properties: { path: '/pricing' } });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);
    const profile = await profileWhen(userId, (p) => p.eventCount === 3);
    expect(profile).toMatchObject({
      userId,
      eventCount: 3,
      pageViews: 1,
      traits: { name: 'Ada', plan: 'team' },
      eventCounts: [{ name: 'Report Exported', count: 1 }],
    });
  });

  it('takes track, identify and page through the GraphQL mutations, with field errors as data', async () => {
    const userId = `${sandbox().id}-gql`;
    const mutation = `mutation ($t: TrackInput!, $i: IdentifyInput!, $p: PageInput!) {
      track(input: $t) { ok messageId errors { field message } }
      identify(input: $i) { ok messageId errors { field message } }
      page(input: $p) { ok messageId errors { field message } } }`;
    const answer = await system().query<
      Record<string, { ok: boolean; messageId: string | null; errors: unknown[] }>
    >(mutation, {
      t: { userId, event: 'Signed Up', messageId: `${userId}-t` },
      i: { userId, traits: { plan: 'pro' } },
      p: { userId, name: 'Home' },
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.['track']).toEqual({ ok: true, messageId: `${userId}-t`, errors: [] });
    expect(answer.data?.['identify']?.ok).toBe(true);
    expect(answer.data?.['page']?.ok).toBe(true);
    await profileWhen(
      userId,
      (p) => p.eventCount === 3 && p.pageViews === 1 && p.traits['plan'] === 'pro',
    );

    const invalid = await system().query<{ track: unknown }>(
      'mutation { track(input: { event: "x", properties: { a: 1 } }) { ok messageId errors { field message } } }',
    );
    expect(invalid.data?.track).toEqual({
      ok: false,
      messageId: null,
      errors: [{ field: 'userId', message: 'userId or anonymousId is required' }],
    });
  });

  it('dead-letters every poison message with its bytes, reason and source, and counts it', async () => {
    const valid = {
      type: 'track',
      userId: 'u',
      event: 'e',
      messageId: 'm',
      timestamp: '2026-01-01T00:00:00.000Z',
      receivedAt: '2026-01-01T00:00:00.000Z',
    };
    const poison: Array<[string | null, RegExp]> = [
      ['not json {', /^not JSON: /],
      ['[1,2]', /^invalid event: /],
      [JSON.stringify({ ...valid, type: 'purchase' }), /^invalid event: type/],
      [JSON.stringify({ ...valid, timestamp: 'soon' }), /^invalid event: timestamp/],
      [JSON.stringify({ ...valid, receivedAt: 'later' }), /^invalid event: receivedAt/],
      [
        JSON.stringify({ ...valid, userId: undefined }),
        /^invalid event: userId: userId or anonymousId is required/,
      ],
      [
        JSON.stringify({ ...valid, properties: { x: 'x'.repeat(40_000) } }),
        /^event of \d+ bytes exceeds 33792 bytes$/,
      ],
      [null, /^empty message value$/],
    ];
    await produceRaw(
      sandbox(),
      sandbox().topics.events,
      poison.map(([value], index) => ({ key: `poison-${index}`, value })),
    );
    const letters = await readTopic(
      sandbox(),
      sandbox().topics.deadLetter,
      (messages) =>
        messages.filter(
          (m) => m.headers?.[DEAD_LETTER_HEADERS.failedBy]?.toString() === 'processor',
        ).length >= poison.length,
    );
    const byKey = new Map(
      letters
        .filter((m) => m.headers?.[DEAD_LETTER_HEADERS.failedBy]?.toString() === 'processor')
        .map((m) => [m.key?.toString(), m]),
    );
    poison.forEach(([value, reason], index) => {
      const letter = byKey.get(`poison-${index}`);
      expect(letter, `poison-${index}`).toBeDefined();
      expect(letter?.value?.toString() ?? null).toBe(value === null ? null : value);
      expect(letter?.headers?.[DEAD_LETTER_HEADERS.reason]?.toString()).toMatch(reason);
      expect(letter?.headers?.[DEAD_LETTER_HEADERS.sourceTopic]?.toString()).toBe(
        sandbox().topics.events,
      );
      expect(
        Number(letter?.headers?.[DEAD_LETTER_HEADERS.sourcePartition]?.toString()),
      ).toBeGreaterThanOrEqual(0);
      expect(letter?.headers?.[DEAD_LETTER_HEADERS.sourceOffset]?.toString()).toMatch(/^\d+$/);
    });
    const metrics = await (
      await fetch(`http://127.0.0.1:${system().services['processor']?.http.port()}/metrics`)
    ).text();
    const counted = [
      ...metrics.matchAll(
        /^pulsehub_processor_events_dead_lettered_total\{kind="\w+",service="processor"\} (\d+)$/gm,
      ),
    ].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(counted).toBe(poison.length);
  });
});

describe('ingest when Kafka cannot take the write', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox();
  });
  afterAll(async () => {
    await sandbox?.dispose();
  });

  async function gatewayWith(overrides: Record<string, unknown>) {
    const keys = await createTestKeys();
    const config = await loadServiceConfig('gateway', gatewayConfigSchema, {
      env: {},
      profiles: [],
      overrides: {
        ...sandbox.sharedOverrides,
        ...keys.gatewayAuth,
        http: { host: '127.0.0.1', port: 0 },
        ...overrides,
      },
    });
    const service = createGatewayService(config, createLogger('gateway', 'silent'));
    await startService(service);
    return { url: `http://127.0.0.1:${service.http.port()}`, stop: () => stopService(service) };
  }

  it.each([
    [
      'no broker listening',
      async () => ({ kafka: { brokers: `127.0.0.1:${await freePort()}`, clientId: 'pulsehub' } }),
    ],
    [
      'the topic does not exist',
      async () => ({
        topics: { ...sandbox.topics, events: `${sandbox.id}.missing`, partitions: 3 },
      }),
    ],
  ])('answers 503 with Retry-After in bounded time: %s', async (_name, overrides) => {
    const gateway = await gatewayWith(await overrides());
    try {
      const started = Date.now();
      const response = await sendSegment(gateway.url, 'track', { userId: 'u', event: 'e' });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(await response.json()).toEqual({
        success: false,
        error: 'event store unavailable, retry later',
      });
      // The configured produce timeout (3 s) bounds the answer; generous margin for a busy machine.
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await gateway.stop();
    }
  });
});
