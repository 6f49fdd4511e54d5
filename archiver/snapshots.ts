import type { EachBatchPayload, Kafka } from 'kafkajs';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import type { Database } from '../lib/postgres.ts';
import { createProducer } from '../lib/kafka/client.ts';
import { deadLetterOf, sendDeadLetters } from '../lib/kafka/dead-letter.ts';
import { createBackgroundCommits } from '../lib/kafka/background-commits.ts';
import { DEFAULT_LEAVE_TIMEOUT_MS } from '../lib/kafka/leave-group.ts';
import type { TopicNames } from '../schema/topics.ts';
import type { FetchGathering } from './config.ts';
import type { ArchiverMetrics } from './metrics.ts';
import { createSinkGuard } from './sink-guard.ts';
import { planSnapshots } from './snapshot-plan.ts';
import { writeSnapshots } from './write-snapshots.ts';

export interface SnapshotConsumerDeps {
  kafka: Kafka;
  db: Database;
  topics: TopicNames;
  /** Its own consumer group: the changelog is read independently of the events. */
  groupId: string;
  fetch: FetchGathering;
  logger: Logger;
  metrics: ArchiverMetrics;
  retry: { initialBackoffMs: number; maxBackoffMs: number };
}

const NAME = 'snapshots';

/**
 * Keeps the `profiles` table equal to the compacted profile changelog: the newest snapshot per
 * profile, deleted on a tombstone. Offsets are committed (in the background) after the
 * transaction committed; the version rule makes redelivery harmless. PostgreSQL down: pause,
 * retry with backoff, resume.
 */
export function createSnapshotConsumer(deps: SnapshotConsumerDeps): Component {
  const { kafka, topics, logger, metrics } = deps;
  const consumer = kafka.consumer({
    groupId: deps.groupId,
    allowAutoTopicCreation: false,
    minBytes: deps.fetch.minBytes,
    maxWaitTimeInMs: deps.fetch.maxWaitTimeMs,
  });
  const producer = createProducer(kafka);
  const commits = createBackgroundCommits(consumer, [topics.changelog], logger, NAME);
  const guard = createSinkGuard({
    name: 'profile snapshots',
    logger,
    ...deps.retry,
    pause: () => consumer.pause([{ topic: topics.changelog }]),
    resume: () => consumer.resume([{ topic: topics.changelog }]),
    onAvailability: (available) => metrics.postgresAvailable.set({ consumer: NAME }, +available),
  });
  let running = false;

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const plan = planSnapshots(batch.messages);
    const isActive = () => commits.isActive(payload);
    if (!isActive()) return;
    if (plan.rejected.length > 0) {
      logger.warn({ partition: batch.partition, rejected: plan.rejected }, 'dead-lettering');
      const byOffset = new Map(batch.messages.map((m) => [m.offset, m]));
      await sendDeadLetters(
        producer,
        topics.deadLetter,
        plan.rejected.flatMap(({ offset, reason }) => {
          const message = byOffset.get(offset);
          return message ? [deadLetterOf(batch, message, reason, `archiver-${NAME}`)] : [];
        }),
      );
      metrics.refusedDeadLetters.inc(plan.rejected.length);
    }
    await guard.run(() => writeSnapshots(deps.db, plan), {
      isActive,
      heartbeat: payload.heartbeat,
    });
    metrics.snapshotsWritten.inc(plan.upserts.length + plan.deletes.length);
    const last = batch.messages.at(-1);
    if (last) commits.done(payload, last.offset);
    await payload.heartbeat();
  }

  return {
    name: NAME,
    async start() {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic: topics.changelog, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: commits.track(eachBatch),
      });
      running = true;
    },
    async stop() {
      running = false;
      await commits.stop(DEFAULT_LEAVE_TIMEOUT_MS);
      await producer.disconnect();
    },
    ready: () => Promise.resolve(running && guard.available()),
  };
}
