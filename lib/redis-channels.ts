import { Redis } from 'ioredis';
import type { Component } from './lifecycle.ts';

export type ChannelListener = (message: string) => void;

/**
 * One Redis subscriber connection per process, shared by every local listener: channels are
 * subscribed on first use and unsubscribed when their last listener leaves.
 */
export interface ChannelSubscriber extends Component {
  /**
   * Listens on a channel; resolves once Redis confirmed the subscription, so nothing published
   * afterwards is missed. The returned function stops listening.
   */
  listen(channel: string, listener: ChannelListener): Promise<() => void>;
  /** Number of channels currently subscribed. */
  channelCount(): number;
  /**
   * Called after the connection was lost and came back, once every channel is subscribed
   * again. Pub/sub is at-most-once: whatever was published meanwhile is gone, so a listener
   * that keeps state (a profile's latest version) reads the current state here instead.
   */
  onResubscribed(listener: () => void): () => void;
}

export function createChannelSubscriber(url: string, name = 'redis-subscriber'): ChannelSubscriber {
  const client = new Redis(url, {
    lazyConnect: true,
    // A subscriber only waits for messages: keep reconnecting; ioredis resubscribes on reconnect.
    maxRetriesPerRequest: null,
  });
  const listeners = new Map<string, Set<ChannelListener>>();
  // SUBSCRIBE/UNSUBSCRIBE of one channel run in order, so a quick leave-and-rejoin stays subscribed.
  const pending = new Map<string, Promise<unknown>>();

  client.on('message', (channel: string, message: string) => {
    const set = listeners.get(channel);
    if (!set) return;
    for (const listener of set) listener(message);
  });
  // Connection errors are retried by ioredis; readiness reports them.
  client.on('error', () => undefined);

  const resubscribed = new Set<() => void>();
  let connectedOnce = false;
  let lost = false;
  client.on('close', () => {
    if (connectedOnce) lost = true;
  });
  client.on('ready', () => {
    if (!connectedOnce || !lost) {
      connectedOnce = true;
      return;
    }
    lost = false;
    // ioredis re-sends SUBSCRIBE on reconnect without a way to await it; subscribing again
    // (idempotent) on the same connection resolves only once Redis has confirmed them all.
    const channels = [...listeners.keys()];
    void (channels.length > 0 ? client.subscribe(...channels) : Promise.resolve()).then(
      () => {
        for (const listener of resubscribed) listener();
      },
      () => undefined, // lost again: the next 'ready' tries once more
    );
  });

  function enqueue(channel: string, step: () => Promise<unknown>): Promise<unknown> {
    const next = (pending.get(channel) ?? Promise.resolve()).then(step, step);
    pending.set(channel, next);
    void next.finally(() => {
      if (pending.get(channel) === next) pending.delete(channel);
    });
    return next;
  }

  return {
    name,
    start: () => client.connect(),
    stop: async () => {
      listeners.clear();
      await client.quit().catch(() => client.disconnect());
    },
    ready: () => Promise.resolve(client.status === 'ready'),
    channelCount: () => listeners.size,
    onResubscribed(listener) {
      resubscribed.add(listener);
      return () => resubscribed.delete(listener);
    },
    async listen(channel, listener) {
      let set = listeners.get(channel);
      const first = set === undefined;
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(listener);
      if (first) await enqueue(channel, () => client.subscribe(channel));
      else await pending.get(channel);
      return () => {
        const current = listeners.get(channel);
        if (!current?.delete(listener) || current.size > 0) return;
        listeners.delete(channel);
        void enqueue(channel, async () => {
          if (!listeners.has(channel)) await client.unsubscribe(channel);
        }).catch(() => undefined);
      };
    },
  };
}
