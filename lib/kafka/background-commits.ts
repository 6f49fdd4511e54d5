import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Logger } from '../logger.ts';
import { settlesWithin } from '../deadline.ts';
import { disconnectWithin } from './leave-group.ts';
import { createOffsetCommitter } from './offset-committer.ts';

export interface BackgroundCommits {
  /** Runs each batch unless the consumer is stopping; the stop waits for the batch in hand. */
  track(eachBatch: (payload: EachBatchPayload) => Promise<void>): typeof eachBatch;
  /**
   * The sink holds the batch up to `lastOffset`: resolves it in kafkajs and hands the next
   * offset to the committer. Returns at once.
   */
  done(payload: EachBatchPayload, lastOffset: string): void;
  /** False once a stop began or the partition moved on: a batch should give up, not retry. */
  isActive(payload: EachBatchPayload): boolean;
  /**
   * Stops taking batches, lets the one in hand finish, commits its offsets, then leaves the
   * group. Each step waits no longer than `timeoutMs`.
   */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Wires an offset committer (createOffsetCommitter) into a kafkajs consumer that runs with
 * `autoCommit: false`: commits follow the group's assignment, and a stop commits the last
 * batch's offsets before the member leaves, so a clean restart redelivers nothing.
 */
export function createBackgroundCommits(
  consumer: Consumer,
  topics: readonly string[],
  logger: Logger,
  name: string,
): BackgroundCommits {
  const committer = createOffsetCommitter(
    (offsets) => consumer.commitOffsets(offsets),
    (error, offsets) =>
      logger.warn(
        { err: error, component: name, offsets },
        'offset commit failed; retried with the next one',
      ),
  );
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
    committer.retain(payload.memberAssignment),
  );
  const inHand = new Set<Promise<void>>();
  let open = true;

  return {
    track(eachBatch) {
      return async (payload) => {
        if (!open) return;
        const work = eachBatch(payload);
        inHand.add(work);
        try {
          await work;
        } finally {
          inHand.delete(work);
        }
      };
    },
    done(payload, lastOffset) {
      const { topic, partition } = payload.batch;
      // Kafka's committed offset is the next one to read.
      committer.advance(topic, partition, String(BigInt(lastOffset) + 1n));
      payload.resolveOffset(lastOffset);
    },
    isActive: (payload) => open && payload.isRunning() && !payload.isStale(),
    async stop(timeoutMs) {
      open = false;
      // No more fetches: the loop would otherwise refetch the batches a stop declines.
      try {
        consumer.pause(topics.map((topic) => ({ topic })));
      } catch {
        // Not running (a start that failed): there is nothing to pause.
      }
      const committed = await settlesWithin(
        Promise.allSettled([...inHand]).then(() => committer.flush()),
        timeoutMs,
      );
      if (!committed)
        logger.warn(
          { component: name, timeoutMs },
          'last offsets not committed in time; their events will be redelivered',
        );
      await disconnectWithin(consumer, timeoutMs, logger, name);
    },
  };
}
