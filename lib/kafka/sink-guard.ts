import type { Logger } from '../lib/logger.ts';
import { describeDatabaseError } from './pg-errors.ts';

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
}

export interface SinkGuard {
  /** False from the first failed attempt until an attempt succeeds again. */
  available(): boolean;
  /**
   * Runs `work` until it succeeds: on failure the consumer pauses, the guard waits with
   * exponential backoff (heart-beating), and tries again; it resumes the consumer after the
   * first success. Throws only when the batch is no longer ours (stop or rebalance), so the
   * caller never commits offsets for a batch that was not written.
   */
  run<T>(work: () => Promise<T>, batch: BatchHandle): Promise<T>;
}

export class BatchAbandonedError extends Error {
  override readonly name = 'BatchAbandonedError';
}

export function createSinkGuard(options: SinkGuardOptions): SinkGuard {
  const { logger, name } = options;
  const sliceMs = options.sliceMs ?? 1_000; // 1 second
  let down = false;

  async function wait(ms: number, batch: BatchHandle): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!batch.isActive()) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(sliceMs, until - Date.now())));
      // A rebalance surfaces here as a throw: the batch belongs to someone else now.
      await batch.heartbeat();
    }
  }

  return {
    available: () => !down,
    async run(work, batch) {
      let backoff = options.initialBackoffMs;
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await work();
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
            { sink: name, error: describeDatabaseError(error), attempt, retryInMs: backoff },
            'sink unavailable, consumer paused',
          );
          if (!batch.isActive())
            throw new BatchAbandonedError(`${name}: batch abandoned while the sink was down`, {
              cause: error,
            });
          await wait(backoff, batch);
          if (!batch.isActive())
            throw new BatchAbandonedError(`${name}: batch abandoned while the sink was down`, {
              cause: error,
            });
          backoff = Math.min(backoff * 2, options.maxBackoffMs);
        }
      }
    },
  };
}
