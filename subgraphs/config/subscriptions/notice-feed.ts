import type { ConfigNotice } from '../../../config/client/bus.ts';

/** Fans configuration notices out to subscription iterators. */
export interface NoticeFeed {
  push(notice: ConfigNotice): void;
  /** Notices accepted by `filter`, from now until the iterator is returned. */
  subscribe(filter: (notice: ConfigNotice) => boolean): AsyncIterableIterator<ConfigNotice>;
  /** Ends every open iterator (shutdown). */
  close(): void;
}

/** A slow subscriber loses its oldest notices beyond this, never the service's memory. */
const MAX_QUEUED = 100;

export function createNoticeFeed(): NoticeFeed {
  const subscribers = new Set<{ accept(notice: ConfigNotice): void; end(): void }>();
  return {
    push(notice) {
      for (const subscriber of subscribers) subscriber.accept(notice);
    },
    subscribe(filter) {
      const queued: ConfigNotice[] = [];
      let waiting: ((result: IteratorResult<ConfigNotice>) => void) | undefined;
      let done = false;
      const finish = (): Promise<IteratorResult<ConfigNotice>> => {
        done = true;
        subscribers.delete(subscriber);
        waiting?.({ done: true, value: undefined });
        waiting = undefined;
        return Promise.resolve({ done: true, value: undefined });
      };
      const subscriber = {
        accept(notice: ConfigNotice) {
          if (done || !filter(notice)) return;
          if (waiting) {
            waiting({ done: false, value: notice });
            waiting = undefined;
          } else {
            queued.push(notice);
            if (queued.length > MAX_QUEUED) queued.shift();
          }
        },
        end: () => void finish(),
      };
      subscribers.add(subscriber);
      const iterator: AsyncIterableIterator<ConfigNotice> = {
        next() {
          const notice = queued.shift();
          if (notice !== undefined) return Promise.resolve({ done: false, value: notice });
          if (done) return Promise.resolve({ done: true, value: undefined });
          return new Promise((resolve) => (waiting = resolve));
        },
        return: finish,
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
    close() {
      for (const subscriber of subscribers) subscriber.end();
    },
  };
}
