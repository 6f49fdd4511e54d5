import { createPushIterator, type PushIterator } from '../../../lib/push-iterator.ts';
import type { SystemStatus } from './model.ts';

export interface StatusFeedOptions {
  /** One observation of the whole system; never rejects (failed parts are reported in it). */
  observe(): Promise<SystemStatus>;
  intervalMs: number;
  /** The loop keeps running this long after the last query, then rests until asked again. */
  idleAfterMs?: number;
  now?: () => number;
}

export interface StatusFeed {
  /** The latest observation, or a new one when none is fresh (within an interval). */
  latest(): Promise<SystemStatus>;
  /** The latest status now, then each new observation until the iterator is returned. */
  subscribe(): AsyncIterableIterator<SystemStatus>;
  close(): void;
}

/** A subscriber this far behind is dropped (with an error) instead of queueing without end. */
const MAX_QUEUED = 100;

/**
 * One observation loop per process, shared by every subscriber and by the query, so a hundred
 * dashboards cost what one does. It runs while someone subscribes or queried within
 * `idleAfterMs`, and rests otherwise: no admin calls against Kafka nobody looks at.
 */
export function createStatusFeed(options: StatusFeedOptions): StatusFeed {
  const now = options.now ?? Date.now;
  const idleAfterMs = options.idleAfterMs ?? 60_000;
  const subscribers = new Set<PushIterator<SystemStatus>>();
  let latest: { status: SystemStatus; atMs: number } | undefined;
  let inFlight: Promise<SystemStatus> | undefined;
  let lastAskedMs = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function observeOnce(): Promise<SystemStatus> {
    inFlight ??= options
      .observe()
      .then((status) => {
        latest = { status, atMs: now() };
        for (const subscriber of subscribers) subscriber.push(status);
        return status;
      })
      .finally(() => (inFlight = undefined));
    return inFlight;
  }

  const wanted = () => subscribers.size > 0 || now() - lastAskedMs < idleAfterMs;

  function schedule(): void {
    if (timer !== undefined || closed || !wanted()) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!wanted()) return;
      void observeOnce()
        .catch(() => undefined)
        .finally(schedule);
    }, options.intervalMs);
    timer.unref();
  }

  return {
    async latest() {
      lastAskedMs = now();
      schedule();
      if (latest !== undefined && now() - latest.atMs <= options.intervalMs) return latest.status;
      return observeOnce();
    },
    subscribe() {
      const iterator = createPushIterator<SystemStatus>({
        maxQueued: MAX_QUEUED,
        onEnd: () => subscribers.delete(iterator),
      });
      if (closed) {
        iterator.end();
        return iterator;
      }
      subscribers.add(iterator);
      // The status now: the latest if fresh, else a new observation (which every subscriber gets).
      if (latest !== undefined && now() - latest.atMs <= options.intervalMs)
        iterator.push(latest.status);
      else void observeOnce().catch(() => undefined);
      schedule();
      return iterator;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      for (const subscriber of subscribers) subscriber.end();
      subscribers.clear();
    },
  };
}
