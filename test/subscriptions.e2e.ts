import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { connectRedis } from '../lib/redis.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import { collect, metricValue, receivedAtLeast, wsClient } from './support/graphql-ws.ts';
import { eventually, sendSegment, waitUntilArchived } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

interface Update {
  profileUpdated: {
    id: string;
    version: number;
    eventCount: number;
    device: { type: string } | null;
    activities: { edges: Array<{ node: { name: string } }> };
  };
}

const PROFILE_SUBSCRIPTION = `subscription ($id: ID!) {
  profileUpdated(id: $id) {
    id version eventCount device { type }
    activities(first: 3) { edges { node { name } } }
  }
}`;

describe('federated subscriptions through the gateway (graphql-ws)', () => {
  const { sandbox, system } = useSystem();
  const clients: Client[] = [];
  /** A real token of the system's keys with the read scopes a dashboard has. */
  let reader: string;
  const client = (url: string) => {
    const created = wsClient(url, { token: reader });
    clients.push(created);
    return created;
  };

  /** Sends one event and waits until the archive (Activity subgraph) shows it. */
  async function trackArchived(userId: string, name: string, archived: number): Promise<void> {
    const response = await sendSegment(system().gatewayUrl, 'track', {
      userId,
      event: name,
      context: {
        userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148',
      },
    });
    expect(response.status).toBe(200);
    await waitUntilArchived(system(), userId, archived);
  }

  beforeAll(async () => {
    reader = await system().auth.token(['profiles:read', 'activities:read'], {
      subject: 'dashboard',
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
  });

  it('delivers every change of a profile in version order, with fields from the Activity subgraph', async () => {
    const userId = `watched-${sandbox().id}`;
    await trackArchived(userId, 'Step 0', 1);
    const received = collect<Update>(client(system().graphqlUrl), PROFILE_SUBSCRIPTION, {
      id: userId,
    });
    // The first message is the profile's current state, with its archived activity.
    const [first] = await receivedAtLeast(received, 1);
    expect(first?.profileUpdated).toMatchObject({ id: userId, version: 1, eventCount: 1 });
    expect(first?.profileUpdated.activities.edges.map((e) => e.node.name)).toEqual(['Step 0']);

    // One change at a time: each is seen, and carries the activity archived before it.
    for (let step = 1; step <= 4; step++) {
      await trackArchived(userId, `Step ${step}`, step + 1);
      const messages = await eventually(async () =>
        received.data.at(-1)?.profileUpdated.eventCount === step + 1 ? received.data : undefined,
      );
      const latest = messages.at(-1)?.profileUpdated;
      expect(latest?.activities.edges.map((e) => e.node.name)).toContain(`Step ${step - 1}`);
      expect(latest).toHaveProperty('device');
    }

    // A burst: messages may merge events, but never go back or repeat a version.
    for (let burst = 0; burst < 10; burst++)
      expect(
        (await sendSegment(system().gatewayUrl, 'track', { userId, event: `Burst ${burst}` }))
          .status,
      ).toBe(200);
    await eventually(async () =>
      received.data.at(-1)?.profileUpdated.eventCount === 15 ? true : undefined,
    );
    const versions = received.data.map((m) => m.profileUpdated.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    expect(received.data.map((m) => m.profileUpdated.eventCount).slice(0, 5)).toEqual([
      1, 2, 3, 4, 5,
    ]);
    expect(received.errors).toEqual([]);
    received.stop();
  });

  it('serves 1,000 subscribers of one profile from one upstream subscription and one fetch per event', async () => {
    const userId = `popular-${sandbox().id}`;
    await trackArchived(userId, 'Opened', 1);
    const gateway = system().gatewayUrl;
    const startedBefore = await metricValue(
      gateway,
      'pulsehub_subscription_upstream_started_total',
    );
    const executionsBefore = await metricValue(
      gateway,
      'pulsehub_subscription_event_executions_total',
    );
    const subscribers = Array.from({ length: 1_000 }, () =>
      collect<Update>(client(system().graphqlUrl), PROFILE_SUBSCRIPTION, { id: userId }),
    );
    // Every subscriber starts with the current state (replayed to those who joined later).
    await eventually(
      async () => (subscribers.every((s) => s.data.length >= 1) ? true : undefined),
      60_000,
    );
    expect(await metricValue(gateway, 'pulsehub_subscription_connections')).toBe(1_000);
    expect(await metricValue(gateway, 'pulsehub_subscription_subscribers_active')).toBe(1_000);
    expect(await metricValue(gateway, 'pulsehub_subscription_groups_active')).toBe(1);
    expect(await metricValue(gateway, 'pulsehub_subscription_upstream_active')).toBe(1);

    for (let update = 2; update <= 4; update++) {
      await trackArchived(userId, `Update ${update}`, update);
      await eventually(
        async () =>
          subscribers.every((s) => s.data.at(-1)?.profileUpdated.eventCount === update)
            ? true
            : undefined,
        60_000,
      );
    }
    for (const subscriber of subscribers) {
      expect(subscriber.errors).toEqual([]);
      expect(subscriber.data.map((m) => m.profileUpdated.eventCount)).toEqual([1, 2, 3, 4]);
    }
    // One upstream subscription was opened, and each event was executed once for everyone.
    expect(
      (await metricValue(gateway, 'pulsehub_subscription_upstream_started_total')) - startedBefore,
    ).toBe(1);
    expect(
      (await metricValue(gateway, 'pulsehub_subscription_event_executions_total')) -
        executionsBefore,
    ).toBe(4);
    for (const subscriber of subscribers) subscriber.stop();
    await eventually(async () =>
      (await metricValue(gateway, 'pulsehub_subscription_upstream_active')) === 0
        ? true
        : undefined,
    );
  });

  it('delivers every event to the subscribers of each of two gateway instances', async () => {
    const second = await system().startGateway();
    const secondUrl = `${second.url}/graphql`;
    const userId = `shared-${sandbox().id}`;
    await trackArchived(userId, 'First', 1);
    const onFirst = collect<Update>(client(system().graphqlUrl), PROFILE_SUBSCRIPTION, {
      id: userId,
    });
    const onSecond = collect<Update>(client(secondUrl), PROFILE_SUBSCRIPTION, { id: userId });
    await receivedAtLeast(onFirst, 1);
    await receivedAtLeast(onSecond, 1);
    await trackArchived(userId, 'Second', 2);
    for (const received of [onFirst, onSecond]) {
      const messages = await eventually(async () =>
        received.data.at(-1)?.profileUpdated.eventCount === 2 ? received.data : undefined,
      );
      expect(messages.map((m) => m.profileUpdated.version)).toEqual([1, 2]);
    }
  });

  it('streams every profile with profilesUpdated, and segment changes with segmentMembershipChanged', async () => {
    const all = collect<{ profilesUpdated: { id: string; eventCount: number } }>(
      client(system().graphqlUrl),
      'subscription { profilesUpdated { id eventCount } }',
    );
    // No initial message here: events are sent until the stream is known to be live.
    const probe = `probe-${sandbox().id}`;
    await eventually(async () => {
      await sendSegment(system().gatewayUrl, 'track', { userId: probe, event: 'Probe' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      return all.data.length > 0 ? true : undefined;
    });
    const users = ['a', 'b', 'c'].map((name) => `many-${name}-${sandbox().id}`);
    for (const userId of users)
      expect(
        (await sendSegment(system().gatewayUrl, 'track', { userId, event: 'Hello' })).status,
      ).toBe(200);
    await eventually(async () =>
      users.every((id) => all.data.some((m) => m.profilesUpdated.id === id)) ? true : undefined,
    );
    for (const id of users)
      expect(
        all.data
          .filter((m) => m.profilesUpdated.id === id)
          .map((m) => m.profilesUpdated.eventCount),
      ).toEqual([1]);
    all.stop();

    // The processor announces segment changes in its change notice; here one is published as
    // the processor would, for a profile that exists.
    const member = users[0] as string;
    const changes = collect<{
      segmentMembershipChanged: {
        segment: string;
        kind: string;
        profile: { id: string; activities: { edges: unknown[] } };
      };
    }>(
      client(system().graphqlUrl),
      'subscription { segmentMembershipChanged(segment: "vip") { segment kind profile { id activities(first: 1) { edges { cursor } } } } }',
    );
    const redis = connectRedis(sandbox().redisUrl);
    try {
      const layout = redisLayout(sandbox().keyPrefix);
      const notice = JSON.stringify({
        id: member,
        version: 1,
        segments: { entered: ['vip'], left: [] },
      });
      await eventually(async () => {
        await redis.publish(layout.allProfilesChannel, notice);
        await new Promise((resolve) => setTimeout(resolve, 200));
        return changes.data.length > 0 ? true : undefined;
      });
    } finally {
      redis.disconnect();
    }
    expect(changes.data[0]?.segmentMembershipChanged).toMatchObject({
      segment: 'vip',
      kind: 'ENTERED',
      profile: { id: member },
    });
    expect(changes.errors).toEqual([]);
    changes.stop();
  });
});
