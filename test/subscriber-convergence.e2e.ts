import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import type { ProfileStore } from '../profiles/profile-store.ts';
import { storedDocument, type UserProfile } from '../schema/profile.ts';
import { createProfileFeeds, type ProfileFeeds } from '../subgraphs/profile/profile-feeds.ts';
import { eventually } from './support/http.ts';
import type { Sandbox } from './support/isolation.ts';
import { produceEvents } from './support/kafka.ts';
import { useProxiedSubscriber } from './support/proxied-subscriber.ts';
import { viewedNow } from './support/viewed-event.ts';

const trackEvent = (sandbox: Sandbox, userId: string, n: number) =>
  viewedNow(userId, `${sandbox.id}-${userId}-${n}`);

/** What a subscription received so far, collected in the background. */
function collect<T>(updates: AsyncIterable<T>): T[] {
  const received: T[] = [];
  void (async () => {
    for await (const update of updates) received.push(update);
  })();
  return received;
}

const versionsOf = (profiles: readonly UserProfile[]) => profiles.map((p) => p.version);

/**
 * The processor's announcements carry the changed profile (ADR 0013): the Profile subgraph's
 * feeds deliver it without reading Redis, and read only to resynchronise — after a gap in
 * versions (a lost announcement) or a reconnect — so they still converge on the latest version.
 * The feeds read through a store that counts every profile it reads.
 */
describe('subscribers on announcements that carry the profile', () => {
  const { sandbox, profiles, proxy, channels } = useProxiedSubscriber();
  let feeds: ProfileFeeds;
  let reads = 0;

  beforeAll(() => {
    const store = profiles().store;
    const counting: ProfileStore = {
      ...store,
      readMany: (ids) => {
        reads += ids.length;
        return store.readMany(ids);
      },
    };
    feeds = createProfileFeeds({
      channels: channels(),
      store: counting,
      layout: profiles().layout,
      logger: createLogger('subscriber-convergence-test', 'warn'),
    });
  });

  const storedVersion = async (id: string) =>
    (await profiles().store.readMany([id]))[0]?.profile.version ?? 0;
  const until = (condition: () => boolean) =>
    eventually(() => Promise.resolve(condition() ? true : undefined), 30_000, 20);

  it('delivers every change without reading Redis for it', async () => {
    const id = `${sandbox().id}-quiet`;
    await produceEvents(sandbox(), [trackEvent(sandbox(), id, 0)]);
    await eventually(async () => ((await storedVersion(id)) === 1 ? true : undefined), 30_000);
    const readsBefore = reads;
    const updates = await feeds.profile(id);
    const everyProfile = await feeds.all((changed) =>
      changed.profile.id === id ? [changed.profile] : [],
    );
    const received = collect(updates);
    const receivedByAll = collect(everyProfile);
    await until(() => received.at(-1)?.version === 1);
    // The feed's first state is the one read: everything after it comes in announcements.
    expect(reads - readsBefore).toBe(1);

    // One event at a time, so each is its own announcement (the processor coalesces a batch).
    for (let n = 1; n <= 10; n++) {
      await produceEvents(sandbox(), [trackEvent(sandbox(), id, n)]);
      await until(() => received.at(-1)?.version === n + 1);
    }
    await until(() => receivedByAll.at(-1)?.version === 11);
    expect(versionsOf(received)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(versionsOf(receivedByAll)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(received.at(-1)).toEqual((await profiles().store.readMany([id]))[0]?.profile);
    // Twenty deliveries over two feeds, and no read beyond the first state.
    expect(reads - readsBefore).toBe(1);
    await updates.return(undefined);
    await everyProfile.return(undefined);
  }, 120_000);

  it('reads once after a lost announcement and goes on from there', async () => {
    const id = `${sandbox().id}-skipped`;
    await produceEvents(sandbox(), [trackEvent(sandbox(), id, 0)]);
    await eventually(async () => ((await storedVersion(id)) === 1 ? true : undefined), 30_000);
    const updates = await feeds.profile(id);
    const everyProfile = await feeds.all((changed) =>
      changed.profile.id === id ? [changed.profile] : [],
    );
    const received = collect(updates);
    const receivedByAll = collect(everyProfile);
    await until(() => received.at(-1)?.version === 1);
    await produceEvents(sandbox(), [trackEvent(sandbox(), id, 1)]);
    await until(() => received.at(-1)?.version === 2 && receivedByAll.at(-1)?.version === 2);

    // Version 3 is stored and its announcement lost: written as the processor would, without
    // the PUBLISH. The processor's next change announces 3 -> 4, which neither feed can follow.
    const [stored] = await profiles().store.readMany([id]);
    if (!stored) throw new Error('the profile is not stored');
    const skipped = { ...stored, profile: { ...stored.profile, version: 3, eventCount: 3 } };
    await profiles().redis.hset(
      profiles().layout.profile(id),
      'version',
      '3',
      'doc',
      storedDocument(skipped),
    );
    const readsBefore = reads;
    await produceEvents(sandbox(), [trackEvent(sandbox(), id, 2)]);
    await until(() => received.at(-1)?.version === 4 && receivedByAll.at(-1)?.version === 4);
    // One read per feed to resynchronise; the version never announced is never delivered.
    expect(reads - readsBefore).toBe(2);
    expect(versionsOf(received)).toEqual([1, 2, 4]);
    expect(versionsOf(receivedByAll)).toEqual([2, 4]);
    expect(received.at(-1)?.eventCount).toBe(4);

    // In order again: delivered from the announcement, no read.
    await produceEvents(sandbox(), [trackEvent(sandbox(), id, 3)]);
    await until(() => received.at(-1)?.version === 5 && receivedByAll.at(-1)?.version === 5);
    expect(reads - readsBefore).toBe(2);
    await updates.return(undefined);
    await everyProfile.return(undefined);
  }, 120_000);

  it('converges on the latest version when its connection drops while events flow', async () => {
    const id = `${sandbox().id}-flowing`;
    await produceEvents(sandbox(), [trackEvent(sandbox(), id, 0)]);
    await eventually(async () => ((await storedVersion(id)) === 1 ? true : undefined), 30_000);
    const updates = await feeds.profile(id);
    const received = collect(updates);
    await until(() => received.at(-1)?.version === 1);

    let sent = 1;
    let flowing = true;
    const flow = (async () => {
      while (flowing) {
        await produceEvents(sandbox(), [trackEvent(sandbox(), id, sent)]);
        sent += 1;
      }
    })();
    await until(() => (received.at(-1)?.version ?? 0) >= 5);
    await proxy().refuse();
    const atDrop = await storedVersion(id);
    await eventually(
      async () => ((await storedVersion(id)) >= atDrop + 5 ? true : undefined),
      30_000,
      20,
    );
    await proxy().accept();
    await eventually(
      async () => ((await storedVersion(id)) >= atDrop + 10 ? true : undefined),
      30_000,
      20,
    );
    flowing = false;
    await flow;
    await eventually(async () => ((await storedVersion(id)) === sent ? true : undefined), 30_000);
    await until(() => received.at(-1)?.version === sent);
    const versions = versionsOf(received);
    // Strictly increasing: in version order, never twice, never backwards.
    expect(versions.every((version, i) => i === 0 || version > (versions[i - 1] ?? 0))).toBe(true);
    expect(received.at(-1)).toEqual((await profiles().store.readMany([id]))[0]?.profile);
    await updates.return(undefined);
  }, 120_000);
});
