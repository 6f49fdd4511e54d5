import type { Logger } from '../../lib/logger.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';
import { createPushIterator, type PushIterator } from '../../lib/push-iterator.ts';
import type { ChannelSubscriber } from '../../lib/redis-channels.ts';
import type { UserProfile } from '../../schema/profile.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';
import { parseProfileChange } from '../../schema/profile-change.ts';
import { createChangeReader, type ChangedProfile } from './change-reader.ts';

export interface ProfileFeedsDeps {
  channels: ChannelSubscriber;
  store: ProfileStore;
  layout: RedisLayout;
  logger: Logger;
}

/** Live profile changes for this process's subscribers, from the processor's pub/sub messages. */
export interface ProfileFeeds {
  /** One profile: its current state first (when it exists), then each newer version. */
  profile(id: string): Promise<PushIterator<UserProfile>>;
  /** Every profile's changes, each mapped by `select` to what the subscriber gets (maybe nothing). */
  all<T>(select: (changed: ChangedProfile) => readonly T[]): Promise<PushIterator<T>>;
}

interface Feed {
  listeners: Set<(changed: ChangedProfile) => void>;
  /** The profile of a one-profile channel, read again after a pub/sub gap. */
  profileId: string | undefined;
  /** Resolves once Redis confirmed the channel subscription. */
  ready: Promise<() => void>;
}

/**
 * Multiplexes the Redis channels to local subscribers: one channel subscription and one
 * profile read per change, whatever the number of subscribers in this process.
 */
export function createProfileFeeds(deps: ProfileFeedsDeps): ProfileFeeds {
  const feeds = new Map<string, Feed>();
  const read = async (id: string) => (await deps.store.readMany([id]))[0]?.profile;

  // Changes published while the subscriber connection was down are lost (pub/sub is
  // at-most-once): each watched profile is read again, and its subscribers get it if it is
  // newer than what they last had. A feed of every profile cannot be caught up this way.
  deps.channels.onResubscribed(() => {
    for (const feed of feeds.values()) {
      const id = feed.profileId;
      if (id === undefined) continue;
      read(id).then(
        (profile) => {
          if (profile) for (const each of feed.listeners) each({ profile, changes: [] });
        },
        (error: unknown) =>
          deps.logger.error({ err: error, profile: id }, 'reading a profile after a gap failed'),
      );
    }
  });

  function join(
    channel: string,
    profileId: string | undefined,
    listener: (changed: ChangedProfile) => void,
  ): Promise<() => void> {
    let feed = feeds.get(channel);
    if (!feed) {
      const listeners = new Set<(changed: ChangedProfile) => void>();
      const accept = createChangeReader({
        read,
        deliver: (changed) => {
          for (const each of listeners) each(changed);
        },
        onError: (error, id) =>
          deps.logger.error({ err: error, profile: id }, 'reading a changed profile failed'),
      });
      const created: Feed = {
        listeners,
        profileId,
        ready: deps.channels.listen(channel, (raw) => {
          const change = parseProfileChange(raw);
          if (change) accept(change);
          else deps.logger.warn({ channel, message: raw.slice(0, 200) }, 'not a profile change');
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
      let last = 0;
      let leave = (): void => undefined;
      const iterator = createPushIterator<UserProfile>({ onEnd: () => leave() });
      const offer = (profile: UserProfile): void => {
        if (profile.version <= last) return;
        last = profile.version;
        iterator.push(profile);
      };
      leave = await join(deps.layout.profileChannel(id), id, (changed) => offer(changed.profile));
      if (iterator.ended) leave();
      // Read only after the channel is subscribed, so no change falls between the two.
      const current = await read(id);
      if (current) offer(current);
      return iterator;
    },
    async all<T>(select: (changed: ChangedProfile) => readonly T[]) {
      let leave = (): void => undefined;
      const iterator = createPushIterator<T>({ onEnd: () => leave() });
      leave = await join(deps.layout.allProfilesChannel, undefined, (changed) => {
        for (const item of select(changed)) iterator.push(item);
      });
      if (iterator.ended) leave();
      return iterator;
    },
  };
}
