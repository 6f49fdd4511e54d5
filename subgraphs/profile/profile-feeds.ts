import type { Logger } from '../../lib/logger.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';
import { createPushIterator, type PushIterator } from '../../lib/push-iterator.ts';
import type { ChannelListener, ChannelSubscriber } from '../../lib/redis-channels.ts';
import type { UserProfile } from '../../schema/profile.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';
import { parseProfileChange } from '../../schema/profile-change.ts';
import { createChangeReader, type ChangedProfile, type ChangeReader } from './change-reader.ts';

/** The canonical profile id of each identifier, in order (profiles/identity-index.ts). */
export type IdentityResolver = (ids: readonly string[]) => Promise<string[]>;

export interface ProfileFeedsDeps {
  channels: ChannelSubscriber;
  store: ProfileStore;
  layout: RedisLayout;
  logger: Logger;
  /**
   * Resolves identifiers to their canonical profile (resolveProfileIds). Without it every id
   * is its own profile: only for a Redis that has no identity keys.
   */
  resolve?: IdentityResolver;
}

/** Live profile changes for this process's subscribers, from the processor's pub/sub messages. */
export interface ProfileFeeds {
  /**
   * One person, by any identifier: the canonical profile's current state first (when it
   * exists), then each newer version; when that profile is merged into another, the target's
   * state, then the target's changes.
   */
  profile(id: string): Promise<PushIterator<UserProfile>>;
  /** Every profile's changes, each mapped by `select` to what the subscriber gets (maybe nothing). */
  all<T>(select: (changed: ChangedProfile) => readonly T[]): Promise<PushIterator<T>>;
}

interface Listener {
  changed(changed: ChangedProfile): void;
  /** The watched profile was merged into `target` (or resolves to it on a re-read). */
  moved?(target: string): void;
}

interface Feed {
  listeners: Set<Listener>;
  /** The profile of a one-profile channel, read again after a pub/sub gap. */
  profileId: string | undefined;
  /** Delivers the channel's changes to its listeners, in version order. */
  reader: ChangeReader;
  /** Resolves once Redis confirmed the channel subscription. */
  ready: Promise<() => void>;
}

/** A watched identifier's profile as read now: where it resolves, and that profile. */
interface Resolved {
  id: string;
  profile: UserProfile | undefined;
}

/**
 * How many moves one subscription follows in a row without a delivery; resolution is one hop
 * (a merge re-points every identifier), so more means identity keys that point in a circle.
 */
const MAX_MOVES = 10;

/** How long a subscription's read of its profile keeps trying through a Redis outage. */
const SUBSCRIBE_READ_PATIENCE_MS = 15_000;

/**
 * Multiplexes the Redis channels to local subscribers: one channel subscription per channel,
 * whatever the number of subscribers in this process, and each change delivered from the
 * profile its announcement carries; Redis is read only to resynchronise (a feed's first state,
 * a gap in versions, a reconnect, an announcement without a profile).
 */
export function createProfileFeeds(deps: ProfileFeedsDeps): ProfileFeeds {
  const feeds = new Map<string, Feed>();
  const resolve: IdentityResolver = deps.resolve ?? ((ids) => Promise.resolve([...ids]));
  const read = async (id: string) => (await deps.store.readMany([id]))[0]?.profile;
  async function readResolved(id: string): Promise<Resolved> {
    const [canonical = id] = await resolve([id]);
    return { id: canonical, profile: await read(canonical) };
  }
  /**
   * A subscription's reads of its profile ride out a short Redis outage (a failover, a dropped
   * connection) instead of failing the subscription: the client would only subscribe again
   * into the same outage.
   */
  async function patiently<T>(id: string, ended: () => boolean, work: () => Promise<T>) {
    const deadline = Date.now() + SUBSCRIBE_READ_PATIENCE_MS;
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 2_000)) {
      try {
        return await work();
      } catch (error) {
        if (ended() || Date.now() + delayMs > deadline) throw error;
        deps.logger.warn(
          { err: error, profile: id },
          'reading a subscribed profile failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  // Changes published while the subscriber connection was down are lost (pub/sub is
  // at-most-once): each watched profile is read again (resolved again: it may have been
  // merged meanwhile), and its subscribers get it if it is newer than what they last had. A
  // feed of every profile cannot be caught up this way.
  deps.channels.onResubscribed(() => {
    for (const feed of feeds.values()) {
      const id = feed.profileId;
      if (id === undefined) continue;
      readResolved(id).then(
        (resolved) => {
          if (resolved.id !== id) for (const each of feed.listeners) each.moved?.(resolved.id);
          else if (resolved.profile) feed.reader.resynchronised(resolved.profile);
        },
        (error: unknown) =>
          deps.logger.error({ err: error, profile: id }, 'reading a profile after a gap failed'),
      );
    }
  });

  /** A profile's channel is a shard channel (schema/redis-keys.ts); the firehose is classic. */
  function listenOn(channel: string, profileId: string | undefined, listener: ChannelListener) {
    return profileId === undefined
      ? deps.channels.listen(channel, listener)
      : deps.channels.listenShard(channel, listener);
  }

  function join(channel: string, profileId: string | undefined, listener: Listener) {
    let feed = feeds.get(channel);
    if (!feed) {
      const listeners = new Set<Listener>();
      const reader = createChangeReader({
        read,
        deliver: (changed) => {
          for (const each of listeners) each.changed(changed);
        },
        onError: (error, id) =>
          deps.logger.error({ err: error, profile: id }, 'reading a changed profile failed'),
      });
      const created: Feed = {
        listeners,
        profileId,
        reader,
        ready: listenOn(channel, profileId, (raw) => {
          const change = parseProfileChange(raw);
          if (!change) {
            deps.logger.warn({ channel, message: raw.slice(0, 200) }, 'not a profile change');
            return;
          }
          // A merged-away profile is gone: nothing to read or deliver of it. Its watchers
          // move to the target; on the all-profiles channel the target's own change follows.
          const target = change.mergedInto;
          if (target === undefined) reader.accept(change);
          else if (change.id === profileId) for (const each of listeners) each.moved?.(target);
        }),
      };
      feeds.set(channel, created);
      feed = created;
    }
    const joined = feed;
    joined.listeners.add(listener);
    const leave = (): void => {
      joined.listeners.delete(listener);
      if (joined.listeners.size > 0 || feeds.get(channel) !== joined) return;
      feeds.delete(channel);
      void joined.ready.then((stop) => stop()).catch(() => undefined);
    };
    return joined.ready.then(
      () => leave,
      (error: unknown) => {
        leave();
        throw error;
      },
    );
  }

  return {
    async profile(id) {
      /** Per delivered profile id, the last version delivered: versions never go back. */
      const delivered = new Map<string, number>();
      let watched: string | undefined;
      let leave = (): void => undefined;
      const iterator = createPushIterator<UserProfile>({ onEnd: () => leave() });
      const ended = () => iterator.ended;
      const offer = (profile: UserProfile): void => {
        // A read of the profile watched before a move may still land: not this feed's anymore.
        if (profile.id !== watched || profile.version <= (delivered.get(profile.id) ?? 0)) return;
        delivered.set(profile.id, profile.version);
        iterator.push(profile);
      };

      /**
       * Watches `target`: subscribes its channel BEFORE reading it, so no change falls between
       * the two, then leaves the previous channel; follows on if it resolves elsewhere by now.
       */
      async function watch(target: string): Promise<void> {
        for (let moves = 0; moves < MAX_MOVES && !iterator.ended; moves++) {
          if (target !== watched) {
            const previous = leave;
            leave = await join(deps.layout.profileChannel(target), target, listener);
            watched = target;
            previous();
            if (iterator.ended) return leave();
          }
          const resolved = await patiently(id, ended, () => readResolved(target));
          if (resolved.id === target) {
            if (resolved.profile) {
              offer(resolved.profile);
              // The channel's next announcement continues from this state, or is a gap.
              feeds
                .get(deps.layout.profileChannel(target))
                ?.reader.resynchronised(resolved.profile);
            }
            return;
          }
          target = resolved.id;
        }
        if (!iterator.ended) throw new Error(`the identity of ${id} does not settle`);
      }

      // Moves run one at a time, in the order they were asked for.
      let moving = Promise.resolve();
      const listener: Listener = {
        changed: (changed) => offer(changed.profile),
        moved: (target) => {
          moving = moving
            .then(() => watch(target))
            .catch((error: unknown) => {
              deps.logger.error({ err: error, profile: id }, 'following a merged profile failed');
              iterator.end(error instanceof Error ? error : new Error(String(error)));
            });
        },
      };

      const [canonical = id] = await patiently(id, ended, () => resolve([id]));
      const first = watch(canonical);
      moving = first.catch(() => undefined);
      await first;
      return iterator;
    },
    async all<T>(select: (changed: ChangedProfile) => readonly T[]) {
      let leave = (): void => undefined;
      const iterator = createPushIterator<T>({ onEnd: () => leave() });
      leave = await join(deps.layout.allProfilesChannel, undefined, {
        changed: (changed) => {
          for (const item of select(changed)) iterator.push(item);
        },
      });
      if (iterator.ended) leave();
      return iterator;
    },
  };
}
