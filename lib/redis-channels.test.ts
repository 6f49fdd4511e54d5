import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// Unit tests may use test/support/ (docs/layout.md); the lib/ zone rule has no such exception.
// eslint-disable-next-line import-x/no-restricted-paths
import { eventually } from '../test/support/http.ts';
// eslint-disable-next-line import-x/no-restricted-paths
import { startOwnRedisCluster, type OwnRedisCluster } from '../test/support/redis-cluster.ts';
// eslint-disable-next-line import-x/no-restricted-paths
import { startOwnRedis, type OwnRedis } from '../test/support/redis-server.ts';
import { createChannelSubscriber, type ChannelSubscriber } from './redis-channels.ts';
import { connectRedis, type RedisClient } from './redis.ts';

/** Messages a listener received, in order. */
function recorder() {
  const received: string[] = [];
  return { received, listener: (message: string) => received.push(message) };
}

describe('the channel subscriber', () => {
  let server: OwnRedis;
  let publisher: Redis;
  let subscriber: ChannelSubscriber | undefined;

  beforeAll(async () => {
    server = await startOwnRedis();
    publisher = new Redis(server.url, { maxRetriesPerRequest: null });
    publisher.on('error', () => undefined); // reconnects while the server restarts
  });
  afterEach(async () => {
    await subscriber?.stop();
    subscriber = undefined;
  });
  afterAll(async () => {
    publisher?.disconnect();
    await server?.dispose();
  });

  async function started(): Promise<ChannelSubscriber> {
    subscriber = createChannelSubscriber(server.url);
    await subscriber.start();
    return subscriber;
  }

  /** SPUBLISHes until the recorder has `message`: the publisher may still be reconnecting. */
  async function delivered(channel: string, message: string, seen: string[]) {
    await eventually(async () => {
      await publisher.spublish(channel, message);
      return seen.includes(message) ? true : undefined;
    });
  }

  it('hands SPUBLISHed messages to shard listeners and PUBLISHed ones to classic listeners', async () => {
    const channels = await started();
    const shard = recorder();
    const classic = recorder();
    const stopShard = await channels.listenShard('profile-updated:{p1}', shard.listener);
    const stopClassic = await channels.listen('profiles-updated', classic.listener);
    expect(channels.channelCount()).toBe(2);

    // Subscribed means confirmed: the first message of each kind already arrives.
    expect(await publisher.spublish('profile-updated:{p1}', 'shard-1')).toBe(1);
    expect(await publisher.publish('profiles-updated', 'classic-1')).toBe(1);
    // The kinds do not cross: a classic PUBLISH on the shard channel's name reaches no one.
    expect(await publisher.publish('profile-updated:{p1}', 'wrong-kind')).toBe(0);
    await eventually(async () =>
      shard.received.length === 1 && classic.received.length === 1 ? true : undefined,
    );
    expect(shard.received).toEqual(['shard-1']);
    expect(classic.received).toEqual(['classic-1']);

    stopShard();
    stopClassic();
    expect(channels.channelCount()).toBe(0);
    await eventually(async () => {
      const [, shardSubscribers] = (await publisher.call(
        'PUBSUB',
        'SHARDNUMSUB',
        'profile-updated:{p1}',
      )) as [string, number];
      const [, classicSubscribers] = await publisher.pubsub('NUMSUB', 'profiles-updated');
      return shardSubscribers === 0 && classicSubscribers === 0 ? true : undefined;
    });
  });

  it('stays subscribed to a shard channel through a quick leave and rejoin', async () => {
    const channels = await started();
    const first = recorder();
    const second = recorder();
    const leave = await channels.listenShard('profile-updated:{p2}', first.listener);
    leave();
    await channels.listenShard('profile-updated:{p2}', second.listener);
    expect(await publisher.spublish('profile-updated:{p2}', 'after-rejoin')).toBe(1);
    await eventually(async () => (second.received.length === 1 ? true : undefined));
    expect(first.received).toEqual([]);
  });

  it('resubscribes both kinds after its connection is killed, then says so', async () => {
    const channels = await started();
    const shard = recorder();
    const classic = recorder();
    await channels.listenShard('profile-updated:{p3}', shard.listener);
    await channels.listen('profiles-updated', classic.listener);
    let resubscribed = 0;
    channels.onResubscribed(() => resubscribed++);

    expect(await publisher.client('KILL', 'TYPE', 'pubsub')).toBe(1);
    await eventually(async () => (resubscribed === 1 ? true : undefined));
    // onResubscribed means both are confirmed again: the next messages arrive.
    expect(await publisher.spublish('profile-updated:{p3}', 'after-kill')).toBe(1);
    expect(await publisher.publish('profiles-updated', 'after-kill')).toBe(1);
    await eventually(async () =>
      shard.received.includes('after-kill') && classic.received.includes('after-kill')
        ? true
        : undefined,
    );
  });

  it('resubscribes after the server restarts, and keeps serving listeners that join later', async () => {
    const channels = await started();
    const shard = recorder();
    await channels.listenShard('profile-updated:{p4}', shard.listener);
    let resubscribed = 0;
    channels.onResubscribed(() => resubscribed++);

    await server.kill();
    await server.restart();
    await eventually(async () => (resubscribed === 1 ? true : undefined));
    await delivered('profile-updated:{p4}', 'after-restart', shard.received);

    const later = recorder();
    await channels.listenShard('profile-updated:{p5}', later.listener);
    expect(await publisher.spublish('profile-updated:{p5}', 'joined-later')).toBe(1);
    await eventually(async () => (later.received.includes('joined-later') ? true : undefined));
    expect(channels.channelCount()).toBe(2);
  });
});

describe('the channel subscriber on a Redis Cluster', () => {
  let cluster: OwnRedisCluster;
  let publisher: RedisClient;
  let subscriber: ChannelSubscriber | undefined;

  beforeAll(async () => {
    cluster = await startOwnRedisCluster();
    publisher = connectRedis(cluster.url, { maxRetriesPerRequest: null });
    publisher.on('error', () => undefined); // refused while the nodes restart
  }, 60_000);
  afterAll(async () => {
    await subscriber?.stop();
    publisher?.disconnect();
    await cluster?.dispose();
  });

  it('hears both kinds from every node, and again once the nodes restarted', async () => {
    subscriber = createChannelSubscriber(cluster.url);
    await subscriber.start();
    // Shard channels in slots of all three masters, and one classic channel.
    const shards = ['profile-updated:{a}', 'profile-updated:{b}', 'profile-updated:{c}'];
    const heard = recorder();
    for (const channel of shards) await subscriber.listenShard(channel, heard.listener);
    await subscriber.listen('profiles-updated', heard.listener);
    let resubscribed = 0;
    subscriber.onResubscribed(() => resubscribed++);

    const publishAll = async (round: string) => {
      for (const channel of shards) await publisher.spublish(channel, `${channel} ${round}`);
      await publisher.publish('profiles-updated', `classic ${round}`);
    };
    const expected = (round: string) => [
      ...shards.map((channel) => `${channel} ${round}`),
      `classic ${round}`,
    ];
    await publishAll('before');
    await eventually(async () =>
      expected('before').every((message) => heard.received.includes(message)) ? true : undefined,
    );

    await cluster.restart();
    await eventually(async () => (resubscribed >= 1 ? true : undefined), 60_000);
    // Said resubscribed means every channel is back: the first publish after it is heard.
    await publishAll('after');
    await eventually(async () =>
      expected('after').every((message) => heard.received.includes(message)) ? true : undefined,
    );
  }, 120_000);
});
