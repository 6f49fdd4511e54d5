import { describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import type { UserProfile } from '../schema/profile.ts';
import { createProfileFeeds } from '../subgraphs/profile/profile-feeds.ts';
import { eventually } from './support/http.ts';
import type { Sandbox } from './support/isolation.ts';
import { produceEvents } from './support/kafka.ts';
import { useProxiedSubscriber } from './support/proxied-subscriber.ts';
import { viewedNow } from './support/viewed-event.ts';

const trackEvent = (sandbox: Sandbox, userId: string, n: number) =>
  viewedNow(userId, `${sandbox.id}-gap-${n}`);

/**
 * Redis pub/sub is at-most-once: changes published while the Profile subgraph's subscriber
 * connection is down are lost. A `profileUpdated` feed must not stay silently behind: once the
 * connection is back, it reads the profile again and delivers the latest version, without
 * waiting for a next change.
 */
describe('profile feeds across a pub/sub gap', () => {
  const { sandbox, profiles, proxy, channels } = useProxiedSubscriber();

  it('delivers the latest version after the subscriber reconnects', async () => {
    const feeds = createProfileFeeds({
      channels: channels(),
      store: profiles().store,
      layout: profiles().layout,
      logger: createLogger('pubsub-gap-test', 'warn'),
    });
    const id = `${sandbox().id}-watched`;
    await produceEvents(sandbox(), [trackEvent(sandbox(), id, 1)]);
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
    await proxy().refuse();
    await produceEvents(
      sandbox(),
      [2, 3, 4].map((n) => trackEvent(sandbox(), id, n)),
    );
    await eventually(
      async () =>
        (await profiles().store.readMany([id]))[0]?.profile.version === 4 ? true : undefined,
      30_000,
      20,
    );
    expect(received.at(-1)?.version).toBe(1);

    // Back: no further change is published, yet the feed catches up on the one it missed.
    await proxy().accept();
    await eventually(
      () => Promise.resolve(received.at(-1)?.version === 4 ? true : undefined),
      30_000,
      20,
    );
    expect(received.map((profile) => profile.version)).toEqual([1, 4]);
    await updates.return(undefined);
  }, 120_000);
});
