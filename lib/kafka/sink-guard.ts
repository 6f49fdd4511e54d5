import type { Logger } from '../logger.ts';

/** What a consumer batch offers the guard: liveness checks while it waits. */
export interface BatchHandle {
  /** False once the consumer stops or the partition moved to another member. */
  isActive(): boolean;
  heartbeat(): Promise<void>;
}

export interface SinkGuardOptions {
  /** Names the sink in logs. */
  name: string;
  logger: Logger;
  /** First wait after a failure; doubles up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Stops fetching while the sink is down (the batch in hand is kept and retried). */
  pause(): void;
  resume(): void;
  /** Told on every change between available and unavailable (metrics). */
  onAvailability?(available: boolean): void;
  /** Longest single sleep, so heartbeats and a stop are noticed while waiting. */
  sliceMs?: number;
  /** A short, loggable description of a failure (default: its message). */
  describe?(error: unknown): string;
}

export interface SinkGuard {
  /** False from the first failed attempt until an attempt succeeds again. */
  available(): boolean;
  /**
   * Runs `work` until it succeeds: on failure the consumer pauses, the guard waits with
   * exponential backoff (heart-beating), and tries again; it resumes the consumer after the
   * first success. Throws only when the batch is no longer ours (stop or rebalance), so the
   * caller never commits offsets for a batch that was not written. Giving a batch up resumes
   * the consumer: after a rebalance the partitions it is given would otherwise stay paused with
   * nothing left to retry, and their next batch is the one that finds the sink back (or pauses
   * again).
   */
  run<T>(work: () => Promise<T>, batch: BatchHandle): Promise<T>;
}

export class BatchAbandonedError extends Error {
  override readonly name = 'BatchAbandonedError';
}

export function createSinkGuard(options: SinkGuardOptions): SinkGuard {
  const { logger, name } = options;
  const sliceMs = options.sliceMs ?? 1_000; // 1 second
  const describe =
    options.describe ??
    ((error: unknown) => (error instanceof Error ? error.message : String(error)));
  let down = false;

  function abandon(error: unknown): BatchAbandonedError {
    options.resume();
    return new BatchAbandonedError(`${name}: batch abandoned while the sink was down`, {
      cause: error,
    });
  }

  async function wait(ms: number, batch: BatchHandle): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!batch.isActive()) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(sliceMs, until - Date.now())));
      // A rebalance surfaces here as a throw: the batch belongs to someone else now.
      await batch.heartbeat();
    }
  }

  /**
   * kafkajs heartbeats only when the loop asks. A write longer than the group's session (a slow
   * COPY, a PostgreSQL that answers late) would cost the member its partitions halfway, so a
   * heartbeat goes out every slice while it runs; a rebalance one reports is left to the
   * isActive checks after the write.
   */
  async function heartbeatingWhile<T>(work: Promise<T>, batch: BatchHandle): Promise<T> {
    const timer = setInterval(() => void batch.heartbeat().catch(() => undefined), sliceMs);
    try {
      return await work;
    } finally {
      clearInterval(timer);
    }
  }

  return {
    available: () => !down,
    async run(work, batch) {
      let backoff = options.initialBackoffMs;
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await heartbeatingWhile(work(), batch);
          if (down) {
            down = false;
            options.resume();
            options.onAvailability?.(true);
            logger.info({ sink: name, attempts: attempt }, 'sink available again, resuming');
          }
          return result;
        } catch (error) {
          if (!down) {
            down = true;
            options.pause();
            options.onAvailability?.(false);
          }
          logger.warn(
            { sink: name, error: describe(error), attempt, retryInMs: backoff },
            'sink unavailable, consumer paused',
          );
          if (!batch.isActive()) throw abandon(error);
          try {
            await wait(backoff, batch);
          } catch (rebalance) {
            options.resume();
            throw rebalance;
          }
          if (!batch.isActive()) throw abandon(error);
          backoff = Math.min(backoff * 2, options.maxBackoffMs);
        }
      }
    },
  };
}
