import type { Component } from './lifecycle.ts';
import { connectRedis } from './redis.ts';

export type ChannelListener = (message: string) => void;

/**
 * One Redis subscriber per process (on a cluster: the cluster's subscriber connections),
 * shared by every local listener: channels are subscribed on first use and unsubscribed when
 * their last listener leaves. Two kinds of channel: classic ones (SUBSCRIBE, whatever PUBLISH
 * sent) and shard channels (SSUBSCRIBE, whatever SPUBLISH sent in the channel's hash slot; on
 * a cluster each is heard from the node that owns its slot).
 */
export interface ChannelSubscriber extends Component {
  /**
   * Listens on a classic channel; resolves once Redis confirmed the subscription, so nothing
   * published afterwards is missed. The returned function stops listening.
   */
  listen(channel: string, listener: ChannelListener): Promise<() => void>;
  /** The same for a shard channel (SPUBLISH/SSUBSCRIBE). */
  listenShard(channel: string, listener: ChannelListener): Promise<() => void>;
  /** Number of channels (of both kinds) currently subscribed. */
  channelCount(): number;
  /**
   * Called after the connection was lost and came back, once every channel of both kinds is
   * subscribed again. Pub/sub is at-most-once: whatever was published meanwhile is gone, so a
   * listener that keeps state (a profile's latest version) reads the current state here
   * instead.
   */
  onResubscribed(listener: () => void): () => void;
}

type ChannelKind = 'classic' | 'shard';

/** The listeners and the in-flight (un)subscriptions of one kind of channel. */
interface Channels {
  listeners: Map<string, Set<ChannelListener>>;
  // SUBSCRIBE/UNSUBSCRIBE of one channel run in order, so a quick leave-and-rejoin stays subscribed.
  pending: Map<string, Promise<unknown>>;
}

export function createChannelSubscriber(
  address: string,
  name = 'redis-subscriber',
): ChannelSubscriber {
  const client = connectRedis(
    address,
    {
      lazyConnect: true,
      // A subscriber only waits for messages: keep reconnecting; ioredis resubscribes on reconnect.
      maxRetriesPerRequest: null,
    },
    // Shard channels are heard from the node owning their slot, not through one subscriber.
    { shardedSubscribers: true },
  );
  const kinds: Record<ChannelKind, Channels> = {
    classic: { listeners: new Map(), pending: new Map() },
    shard: { listeners: new Map(), pending: new Map() },
  };
  // One channel per SSUBSCRIBE: on a cluster every command must stay in one slot.
  const subscribe = (kind: ChannelKind, channel: string): Promise<unknown> =>
    kind === 'classic' ? client.subscribe(channel) : client.ssubscribe(channel);
  const unsubscribe = (kind: ChannelKind, channel: string): Promise<unknown> =>
    kind === 'classic' ? client.unsubscribe(channel) : client.sunsubscribe(channel);

  const deliver = (kind: ChannelKind) => (channel: string, message: string) => {
    const set = kinds[kind].listeners.get(channel);
    if (!set) return;
    for (const listener of set) listener(message);
  };
  client.on('message', deliver('classic'));
  client.on('smessage', deliver('shard'));
  // Connection errors are retried by ioredis; readiness reports them.
  client.on('error', () => undefined);
  client.on('nodeError', () => undefined);

  const resubscribed = new Set<() => void>();
  let connectedOnce = false;
  let lost = false;
  const noteLoss = (): void => {
    if (connectedOnce) lost = true;
  };
  client.on('close', noteLoss);
  // A cluster replaces a lost shard subscriber connection without closing the cluster client.
  client.on('-node', noteLoss);
  const resubscribeAll = (): void => {
    if (!connectedOnce || !lost) {
      connectedOnce = true;
      return;
    }
    lost = false;
    // ioredis re-sends SUBSCRIBE/SSUBSCRIBE on reconnect without a way to await it; subscribing
    // again (idempotent) on the same connection resolves only once Redis has confirmed them all.
    const classic = [...kinds.classic.listeners.keys()];
    const shard = [...kinds.shard.listeners.keys()];
    void Promise.all([
      classic.length > 0 ? client.subscribe(...classic) : undefined,
      ...shard.map((channel) => client.ssubscribe(channel)),
    ]).then(
      () => {
        for (const listener of resubscribed) listener();
      },
      () => undefined, // lost again: the next 'ready' tries once more
    );
  };
  client.on('ready', resubscribeAll);
  // A cluster's shard subscribers are back (after '-node') without a new 'ready'.
  client.on('subscribersReady', () => {
    if (client.status === 'ready') resubscribeAll();
  });

  function enqueue(kind: ChannelKind, channel: string, step: () => Promise<unknown>) {
    const { pending } = kinds[kind];
    const next = (pending.get(channel) ?? Promise.resolve()).then(step, step);
    pending.set(channel, next);
    void next.finally(() => {
      if (pending.get(channel) === next) pending.delete(channel);
    });
    return next;
  }

  async function listenOn(kind: ChannelKind, channel: string, listener: ChannelListener) {
    const { listeners, pending } = kinds[kind];
    let set = listeners.get(channel);
    const first = set === undefined;
    if (!set) {
      set = new Set();
      listeners.set(channel, set);
    }
    set.add(listener);
    if (first) await enqueue(kind, channel, () => subscribe(kind, channel));
    else await pending.get(channel);
    return () => {
      const current = listeners.get(channel);
      if (!current?.delete(listener) || current.size > 0) return;
      listeners.delete(channel);
      void enqueue(kind, channel, async () => {
        if (!listeners.has(channel)) await unsubscribe(kind, channel);
      }).catch(() => undefined);
    };
  }

  return {
    name,
    start: () => client.connect(),
    stop: async () => {
      kinds.classic.listeners.clear();
      kinds.shard.listeners.clear();
      await client.quit().catch(() => client.disconnect());
    },
    ready: () => Promise.resolve(client.status === 'ready'),
    channelCount: () => kinds.classic.listeners.size + kinds.shard.listeners.size,
    onResubscribed(listener) {
      resubscribed.add(listener);
      return () => resubscribed.delete(listener);
    },
    listen: (channel, listener) => listenOn('classic', channel, listener),
    listenShard: (channel, listener) => listenOn('shard', channel, listener),
  };
}
