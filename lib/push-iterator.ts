/** Raised through a push iterator whose consumer fell more than `maxQueued` items behind. */
export class QueueOverflowError extends Error {
  override readonly name = 'QueueOverflowError';
}

export interface PushIteratorOptions {
  /** Called once when the iterator ends (consumer returned, producer ended, or overflow). */
  onEnd?: () => void;
  /** Items buffered for a consumer that does not keep up. Default 10,000. */
  maxQueued?: number;
  /**
   * What a push beyond `maxQueued` does. `fail` (the default) ends the iterator with a
   * QueueOverflowError: for streams where a lost item makes the consumer's view wrong.
   * `drop-oldest` discards the oldest queued item: for streams where the newest items matter
   * most and a slow consumer may skip some.
   */
  overflow?: 'fail' | 'drop-oldest';
}

/**
 * An async generator fed from outside: the bridge from callback sources (Redis messages,
 * upstream sockets) to the AsyncIterable that GraphQL subscriptions consume. `return()` from
 * the consumer (a client unsubscribing) runs `onEnd` so the source can be released. One
 * consumer reads it, one `next()` at a time (as `for await` and GraphQL executors do).
 */
export interface PushIterator<T> extends AsyncGenerator<T, undefined, unknown> {
  /** Queues a value; false once the iterator has ended. */
  push(value: T): boolean;
  /** Ends the iteration: after the queued values, or with `error` at once. */
  end(error?: Error): void;
  readonly ended: boolean;
}

export function createPushIterator<T>(options: PushIteratorOptions = {}): PushIterator<T> {
  const maxQueued = options.maxQueued ?? 10_000;
  const queue: T[] = [];
  let waiting: ((result: IteratorResult<T, undefined>) => void) | undefined;
  let failWaiting: ((error: Error) => void) | undefined;
  let ended = false;
  let failure: Error | undefined;

  const finish = (): void => {
    if (ended) return;
    ended = true;
    options.onEnd?.();
  };
  const done = (): IteratorResult<T, undefined> => ({ value: undefined, done: true });

  const iterator: PushIterator<T> = {
    get ended() {
      return ended;
    },
    push(value) {
      if (ended) return false;
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        failWaiting = undefined;
        resolve({ value, done: false });
        return true;
      }
      if (queue.length >= maxQueued) {
        if (options.overflow !== 'drop-oldest') {
          iterator.end(new QueueOverflowError(`consumer fell more than ${maxQueued} items behind`));
          return false;
        }
        queue.shift();
      }
      queue.push(value);
      return true;
    },
    end(error) {
      if (ended) return;
      if (error) {
        failure = error;
        queue.length = 0;
      }
      finish();
      if (waiting) {
        const resolve = waiting;
        const reject = failWaiting;
        waiting = undefined;
        failWaiting = undefined;
        if (failure && reject) {
          const pending = failure;
          failure = undefined;
          reject(pending);
        } else resolve(done());
      }
    },
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift() as T, done: false });
      if (failure) {
        const pending = failure;
        failure = undefined;
        return Promise.reject(pending);
      }
      if (ended) return Promise.resolve(done());
      return new Promise((resolve, reject) => {
        waiting = resolve;
        failWaiting = reject;
      });
    },
    return() {
      queue.length = 0;
      failure = undefined;
      iterator.end();
      return Promise.resolve(done());
    },
    throw(error: unknown) {
      iterator.end(error instanceof Error ? error : new Error(String(error)));
      return iterator.next();
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
