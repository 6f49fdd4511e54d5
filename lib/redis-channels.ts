import { randomUUID } from 'node:crypto';
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

/** How long a resubscription's probe waits for its message before it publishes another. */
const PROBE_WAIT_MS = 250;

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
  // The connection that proves a resubscription (classicPathLive): a subscribed connection
  // may not PUBLISH.
  const prober = connectRedis(address, { lazyConnect: true, maxRetriesPerRequest: null });
  prober.on('error', () => undefined);
  /** A classic channel of this subscriber alone, on the connection every classic one uses. */
  const probeChannel = `pulsehub-subscriber-probe:${randomUUID()}`;
  const probesAwaited = new Map<string, () => void>();
  let stopped = false;
  const kinds: Record<ChannelKind, Channels> = {
    classic: { listeners: new Map(), pending: new Map() },
    shard: { listeners: new Map(), pending: new Map() },
  };
  // One channel per SSUBSCRIBE: on a cluster every command must stay in one slot.
  /**
   * Classic (un)subscriptions one at a time. A cluster opens its classic subscriber connection
   * on the first SUBSCRIBE; a second one sent while that connection is still being checked
   * (ioredis writes SUBSCRIBE before the connection is ready) turns it into a subscriber too
   * early and fails its ready check. There are few classic channels, so one at a time costs
   * nothing.
   */
  let classicSteps: Promise<unknown> = Promise.resolve();
  const classicStep = (step: () => Promise<unknown>): Promise<unknown> => {
    const next = classicSteps.then(step, step);
    classicSteps = next.catch(() => undefined);
    return next;
  };
  const subscribe = (kind: ChannelKind, channel: string): Promise<unknown> =>
    kind === 'classic' ? classicStep(() => client.subscribe(channel)) : client.ssubscribe(channel);
  const unsubscribe = (kind: ChannelKind, channel: string): Promise<unknown> =>
    kind === 'classic'
      ? classicStep(() => client.unsubscribe(channel))
      : client.sunsubscribe(channel);

  const deliver = (kind: ChannelKind) => (channel: string, message: string) => {
    const set = kinds[kind].listeners.get(channel);
    if (!set) return;
    for (const listener of set) listener(message);
  };
  const deliverClassic = deliver('classic');
  client.on('message', (channel: string, message: string) => {
    if (channel === probeChannel) probesAwaited.get(message)?.();
    else deliverClassic(channel, message);
  });
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
  /**
   * Resolves once a message PUBLISHed on the probe channel came back. On a cluster the classic
   * channels share one connection that ioredis moves to another node when its node fails,
   * resubscribing them without any event; the probe, subscribed with them, is heard only once
   * they are all subscribed again.
   */
  async function classicPathLive(): Promise<void> {
    while (!stopped) {
      const token = randomUUID();
      const heard = new Promise<boolean>((resolve) => {
        probesAwaited.set(token, () => resolve(true));
        setTimeout(() => resolve(false), PROBE_WAIT_MS).unref();
      });
      await prober.publish(probeChannel, token).catch(() => undefined);
      const live = await heard;
      probesAwaited.delete(token);
      if (live) return;
    }
  }

  let resubscribing = false;
  const resubscribeAll = (): void => {
    if (!connectedOnce || !lost) {
      connectedOnce = true;
      return;
    }
    if (resubscribing) return;
    lost = false;
    resubscribing = true;
    // ioredis re-sends SUBSCRIBE/SSUBSCRIBE on reconnect without a way to await it; subscribing
    // again (idempotent) resolves only once Redis has confirmed them all, and the probe then
    // proves the classic connection (a cluster's may have moved to another node).
    const classic = [probeChannel, ...kinds.classic.listeners.keys()];
    const shard = [...kinds.shard.listeners.keys()];
    void Promise.all([
      classicStep(() => client.subscribe(...classic)),
      ...shard.map((channel) => client.ssubscribe(channel)),
    ])
      .then(classicPathLive)
      .then(
        () => {
          resubscribing = false;
          // Lost again meanwhile: once more, so that the signal follows the last loss.
          if (lost) resubscribeAll();
          else for (const listener of resubscribed) listener();
        },
        () => {
          resubscribing = false; // lost again: the next 'ready' tries once more
        },
      );
  };
  client.on('ready', resubscribeAll);
  // A cluster's shard subscribers are back (after '-node') without a new 'ready'.
  client.on('subscribersReady', () => {
    if (client.status === 'ready') resubscribeAll();
  });
  // A cluster replaces a lost node's connections without a new 'ready' of its own: check.
  client.on('-node', () => {
    if (client.status === 'ready') setTimeout(resubscribeAll, PROBE_WAIT_MS).unref();
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
    start: async () => {
      await Promise.all([client.connect(), prober.connect()]);
      await classicStep(() => client.subscribe(probeChannel));
    },
    stop: async () => {
      stopped = true;
      kinds.classic.listeners.clear();
      kinds.shard.listeners.clear();
      await Promise.all(
        [client, prober].map((connection) =>
          connection.quit().catch(() => connection.disconnect()),
        ),
      );
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
