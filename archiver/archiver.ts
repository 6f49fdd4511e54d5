import type { Kafka } from 'kafkajs';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { createEventConsumer, type EventBatch } from '../lib/kafka/event-consumer.ts';
import { toEventRow } from '../schema/db/event-row.ts';
import type { TopicNames } from '../schema/topics.ts';
import { archiveRows, type ArchiveDatabase } from './archive-rows.ts';
import type { FetchGathering } from './config.ts';
import type { ArchiverMetrics } from './metrics.ts';
import type { PartitionKeeper } from './partitions.ts';
import { createSinkGuard } from './sink-guard.ts';

export interface ArchiverDeps {
  kafka: Kafka;
  database: ArchiveDatabase;
  partitions: PartitionKeeper;
  topics: TopicNames;
  groupId: string;
  logger: Logger;
  metrics: ArchiverMetrics;
  retry: { initialBackoffMs: number; maxBackoffMs: number };
  fetch: { maxBytesPerPartition: number; concurrency: number } & FetchGathering;
}

/**
 * The cold path: every event into PostgreSQL exactly once. A batch is one insert that skips
 * events already stored, and offsets are committed only after it committed, so a crash at any
 * point at worst re-inserts rows that the dedupe key then skips. While PostgreSQL is down the
 * consumer pauses and the batch in hand is retried with backoff; `ready()` says false meanwhile.
 */
export function createArchiver(deps: ArchiverDeps): Component {
  const { metrics } = deps;
  const guard = createSinkGuard({
    name: 'events archive',
    logger: deps.logger,
    ...deps.retry,
    pause: () => consumer.consumer.pause([{ topic: deps.topics.events }]),
    resume: () => consumer.consumer.resume([{ topic: deps.topics.events }]),
    onAvailability: (available) =>
      metrics.postgresAvailable.set({ consumer: 'events' }, +available),
  });

  async function handleBatch(batch: EventBatch): Promise<void> {
    if (batch.events.length === 0) return;
    const rows = batch.events.map(({ event, offset }) =>
      toEventRow(event, batch.partition, offset),
    );
    const outcome = await guard.run(() => archiveRows(deps.database, deps.partitions, rows), batch);
    metrics.eventsInserted.inc(outcome.inserted);
    metrics.eventsDuplicate.inc(outcome.duplicates);
    if (outcome.rejected.length === 0) return;
    deps.logger.warn({ rejected: outcome.rejected }, 'dead-lettering events the archive refused');
    metrics.refusedDeadLetters.inc(outcome.rejected.length);
    await batch.deadLetter(outcome.rejected);
  }

  const consumer = createEventConsumer({
    ...deps,
    metrics: metrics.consumer,
    name: 'archiver',
    handleBatch,
    consumerConfig: {
      minBytes: deps.fetch.minBytes,
      maxWaitTimeInMs: deps.fetch.maxWaitTimeMs,
      maxBytesPerPartition: deps.fetch.maxBytesPerPartition,
    },
    // While PostgreSQL writes one batch, the next partition's batch is parsed and sent.
    partitionsConsumedConcurrently: deps.fetch.concurrency,
  });
  return {
    ...consumer,
    ready: async () => guard.available() && (await consumer.ready()),
  };
}
