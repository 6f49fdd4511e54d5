import type { ConfigNotice } from '../../../config/client/bus.ts';
import { createPushIterator, type PushIterator } from '../../../lib/push-iterator.ts';

/** Fans configuration notices out to subscription iterators. */
export interface NoticeFeed {
  push(notice: ConfigNotice): void;
  /** Notices accepted by `filter`, from now until the iterator is returned. */
  subscribe(filter: (notice: ConfigNotice) => boolean): AsyncIterableIterator<ConfigNotice>;
  /** Ends every open iterator (shutdown). */
  close(): void;
}

/**
 * A slow subscriber loses its oldest notices beyond this, never the service's memory: each
 * notice names the commit now in force, so the newest ones are those worth keeping.
 */
const MAX_QUEUED = 100;

export function createNoticeFeed(): NoticeFeed {
  const subscribers = new Map<PushIterator<ConfigNotice>, (notice: ConfigNotice) => boolean>();
  return {
    push(notice) {
      for (const [subscriber, filter] of subscribers) if (filter(notice)) subscriber.push(notice);
    },
    subscribe(filter) {
      const iterator = createPushIterator<ConfigNotice>({
        maxQueued: MAX_QUEUED,
        overflow: 'drop-oldest',
        onEnd: () => subscribers.delete(iterator),
      });
      subscribers.set(iterator, filter);
      return iterator;
    },
    close() {
      for (const subscriber of [...subscribers.keys()]) subscriber.end();
    },
  };
}
