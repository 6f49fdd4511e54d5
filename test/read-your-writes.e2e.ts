import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { connectRedis, type RedisClient } from '../lib/redis.ts';
import type { ArchiverConfig } from '../archiver/config.ts';
import { createArchiverService } from '../archiver/service.ts';
import { createLogger } from '../lib/logger.ts';
import { startService, stopService, type Service } from '../lib/service.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { collect, metricValue, wsClient, type Received } from './support/graphql-ws.ts';
import { eventually, sendSegment } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

interface Update {
  profileUpdated: {
    id: string;
    version: number;
    /** `Activity.id` is the event's messageId. */
    activities: { edges: Array<{ node: { id: string } }> };
  };
}

const SUBSCRIPTION = `subscription ($id: ID!) {
  profileUpdated(id: $id) { id version activities(first: 5) { edges { node { id } } } }
}`;

interface Page {
  profile: {
    activities: {
      edges: Array<{ cursor: string; node: { id: string; profileId: string } }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  } | null;
}

const PAGE = `query ($id: ID!, $first: Int!, $after: String) {
  profile(id: $id) {
    activities(first: $first, after: $after) {
      edges { cursor node { id profileId } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

describe('read-your-writes: a profileUpdated message lists the event that caused it', () => {
  const { sandbox, system } = useSystem();
  const clients: Client[] = [];
  let reader: string;
  let archive: ArchiveProbe;
  let redis: RedisClient;
  /** The archiver running now; the suite holds the cold path back by stopping it. */
  let archiver: Service | undefined;

  /** Stops the archiver: from here on only the hot path knows of new events. */
  async function holdArchive(): Promise<void> {
    if (archiver) await stopService(archiver);
    archiver = undefined;
  }

  /** Starts an archiver again (the same consumer groups): it catches up from its offsets. */
  async function releaseArchive(): Promise<void> {
    const settings = system().live['archiver']?.current() as ArchiverConfig;
    const started = createArchiverService(settings, createLogger('archiver', 'warn'));
    await startService(started);
    archiver = started;
  }

  function subscribe(id: string): Received<Update> {
    const client = wsClient(system().graphqlUrl, { token: reader });
    clients.push(client);
    return collect<Update>(client, SUBSCRIPTION, { id });
  }

  /** Sends a Segment call and waits for the subscription's message of `version`. */
  async function sendAndReceive(
    received: Received<Update>,
    type: string,
    body: Record<string, unknown>,
    version: number,
  ): Promise<Update['profileUpdated']> {
    expect((await sendSegment(system().gatewayUrl, type, body)).status).toBe(200);
    return eventually(async () => {
      if (received.errors.length > 0) throw new Error(JSON.stringify(received.errors));
      return received.data.find((message) => message.profileUpdated.version === version)
        ?.profileUpdated;
    });
  }

  /** Every messageId of a person's activities, walking pages of `size` through their cursors. */
  async function allActivities(id: string, size: number): Promise<string[]> {
    const listed: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const answer: { data?: Page; errors?: unknown } = await system().query<Page>(PAGE, {
        id,
        first: size,
        after,
      });
      expect(answer.errors).toBeUndefined();
      const activities: NonNullable<Page['profile']>['activities'] | undefined =
        answer.data?.profile?.activities;
      if (!activities) throw new Error(`no profile ${id}`);
      listed.push(...activities.edges.map((edge) => edge.node.id));
      if (!activities.pageInfo.hasNextPage) return listed;
      after = activities.pageInfo.endCursor;
    }
    throw new Error('more than 50 pages');
  }

  beforeAll(async () => {
    reader = await system().auth.token(['profiles:read', 'activities:read'], {
      subject: 'dashboard',
    });
    archive = archiveProbe(sandbox());
    redis = connectRedis(sandbox().redisUrl);
    archiver = system().services['archiver'];
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    // The archiver the system started is stopped by the system; one started here is not.
    if (archiver && archiver !== system().services['archiver']) await stopService(archiver);
    redis?.disconnect();
    await archive?.close();
  });

  it('lists every event in the message it caused, from the first one of a new user, and each once when archived', async () => {
    const userId = `new-${sandbox().id}`;
    const messageId = (n: number) => `${sandbox().id}-new-${n}`;
    const upstreamBefore = await metricValue(
      system().gatewayUrl,
      'pulsehub_subscription_upstream_active',
    );
    const received = subscribe(userId);
    // The subscription is open upstream before the user's first event exists.
    await eventually(async () =>
      (await metricValue(system().gatewayUrl, 'pulsehub_subscription_upstream_active')) >
      upstreamBefore
        ? true
        : undefined,
    );
    await holdArchive();
    const calls: Array<[string, Record<string, unknown>]> = [
      ['identify', { userId, traits: { plan: 'free' } }],
      ['page', { userId, name: 'Pricing' }],
      ['track', { userId, event: 'Signed Up' }],
      ['track', { userId, event: 'Invited', properties: { count: 2 } }],
      ['screen', { userId, name: 'Home' }],
      ['track', { userId, event: 'Upgraded' }],
      ['track', { userId, event: 'Invited' }],
    ];
    for (const [index, [type, body]] of calls.entries()) {
      const version = index + 1;
      const message = await sendAndReceive(
        received,
        type,
        { ...body, messageId: messageId(version) },
        version,
      );
      const listed = message.activities.edges.map((edge) => edge.node.id);
      expect(listed, `message of version ${version}`).toContain(messageId(version));
      // Newest first: the event that caused it heads the page; no event appears twice.
      expect(listed[0]).toBe(messageId(version));
      expect(new Set(listed).size).toBe(listed.length);
    }
    expect(received.errors).toEqual([]);
    // The archive did not hold any of them: the messages were served by the hot path.
    expect((await archive.counts(messageId(0).slice(0, -1))).rows).toBe(0);

    await releaseArchive();
    await eventually(async () =>
      (await archive.counts(messageId(0).slice(0, -1))).rows === calls.length ? true : undefined,
    );
    // The recent list still holds them: the archive's rows and the list's entries merge.
    expect(await redis.llen(redisLayout(sandbox().keyPrefix).recentActivity(userId))).toBe(
      calls.length,
    );
    const expected = calls.map((_, index) => messageId(calls.length - index));
    expect(await allActivities(userId, 100)).toEqual(expected);
    expect(await allActivities(userId, 3)).toEqual(expected);
    received.stop();
  });

  it('lists an anonymous visitor’s events in the merged profile’s message at once', async () => {
    const anonymousId = `anon-${sandbox().id}`;
    const userId = `user-${sandbox().id}`;
    const messageId = (n: number) => `${sandbox().id}-merge-${n}`;
    // The anonymous profile exists before the subscription: its first message is its state.
    expect(
      (
        await sendSegment(system().gatewayUrl, 'page', {
          anonymousId,
          name: 'Home',
          messageId: messageId(1),
        })
      ).status,
    ).toBe(200);
    const received = subscribe(anonymousId);
    const first = await eventually(
      async () =>
        received.data.find((message) => message.profileUpdated.version === 1)?.profileUpdated,
    );
    expect(first.activities.edges.map((edge) => edge.node.id)).toContain(messageId(1));
    await holdArchive();
    for (const version of [2, 3]) {
      const message = await sendAndReceive(
        received,
        'track',
        { anonymousId, event: 'Browsed', messageId: messageId(version) },
        version,
      );
      expect(message.activities.edges.map((edge) => edge.node.id)).toContain(messageId(version));
    }
    // Signing up merges the anonymous profile into the user's (version 3 + 0 + 1).
    const merged = await sendAndReceive(
      received,
      'identify',
      { userId, anonymousId, traits: { plan: 'pro' }, messageId: messageId(4) },
      4,
    );
    expect(merged.id).toBe(userId);
    expect(merged.activities.edges.map((edge) => edge.node.id)).toEqual([
      messageId(4),
      messageId(3),
      messageId(2),
      messageId(1),
    ]);
    expect(received.errors).toEqual([]);

    await releaseArchive();
    await eventually(async () =>
      (await archive.counts(messageId(0).slice(0, -1))).rows === 4 ? true : undefined,
    );
    const expected = [4, 3, 2, 1].map(messageId);
    expect(await allActivities(anonymousId, 100)).toEqual(expected);
    expect(await allActivities(userId, 1)).toEqual(expected);
    received.stop();
  });
});
