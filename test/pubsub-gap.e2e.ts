import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import { createChannelSubscriber, type ChannelSubscriber } from '../lib/redis-channels.ts';
import type { UserProfile } from '../schema/profile.ts';
import { createProfileFeeds } from '../subgraphs/profile/profile-feeds.ts';
import type { ChildService } from './support/child-service.ts';
import { eventually } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { produceEvents } from './support/kafka.ts';
import { spawnProcessor } from './support/processor.ts';
import { sandboxProfiles } from './support/profiles.ts';
import { createTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

function trackEvent(sandbox: Sandbox, userId: string, n: number) {
  const now = new Date().toISOString();
  return {
    type: 'track' as const,
    event: 'Viewed',
    userId,
    messageId: `${sandbox.id}-gap-${n}`,
    timestamp: now,
    receivedAt: now,
  };
}

/**
 * Redis pub/sub is at-most-once: changes published while the Profile subgraph's subscriber
 * connection is down are lost. A `profileUpdated` feed must not stay silently behind: once the
 * connection is back, it reads the profile again and delivers the latest version, without
 * waiting for a next change.
 */
describe('profile feeds across a pub/sub gap', () => {
  let sandbox: Sandbox;
  let profiles: ReturnType<typeof sandboxProfiles>;
  let proxy: TcpProxy;
  let channels: ChannelSubscriber;
  let processor: ChildService | undefined;

  beforeAll(async () => {
    sandbox = await createSandbox({ partitions: 1 });
    profiles = sandboxProfiles(sandbox);
    const redis = new URL(sandbox.redisUrl);
    proxy = await createTcpProxy(redis.hostname, Number(redis.port || 6379));
    redis.host = `127.0.0.1:${proxy.port}`;
    channels = createChannelSubscriber(redis.toString());
    await channels.start();
    processor = await spawnProcessor(sandbox);
  });
  afterAll(async () => {
    await processor?.stop();
    await channels?.stop();
    await proxy?.close();
    profiles?.close();
    await sandbox?.dispose();
  });

  it('delivers the latest version after the subscriber reconnects', async () => {
    const feeds = createProfileFeeds({
      channels,
      store: profiles.store,
      layout: profiles.layout,
      logger: createLogger('pubsub-gap-test', 'warn'),
    });
    const id = `${sandbox.id}-watched`;
    await produceEvents(sandbox, [trackEvent(sandbox, id, 1)]);
    const updates = await feeds.profile(id);
    const received: UserProfile[] = [];
    void (async () => {
      for await (const profile of updates) received.push(profile);
    })();
    await eventually(
      () => Promise.resolve(received.at(-1)?.version === 1 ? true : undefined),
      30_000,
      20,
    );

    // The subscriber connection drops; the processor goes on writing and publishing.
    await proxy.refuse();
    await produceEvents(
      sandbox,
      [2, 3, 4].map((n) => trackEvent(sandbox, id, n)),
    );
    await eventually(
      async () =>
        (await profiles.store.readMany([id]))[0]?.profile.version === 4 ? true : undefined,
      30_000,
      20,
    );
    expect(received.at(-1)?.version).toBe(1);

    // Back: no further change is published, yet the feed catches up on the one it missed.
    await proxy.accept();
    await eventually(
      () => Promise.resolve(received.at(-1)?.version === 4 ? true : undefined),
      30_000,
      20,
    );
    expect(received.map((profile) => profile.version)).toEqual([1, 4]);
    await updates.return(undefined);
  }, 120_000);
});
