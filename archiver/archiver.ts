import type { Kafka } from 'kafkajs';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { createEventConsumer, type EventBatch } from '../events/event-consumer.ts';
import { groupTimingConfig, type GroupTiming } from '../lib/kafka/group-timing.ts';
import { toEventRow } from '../schema/db/event-row.ts';
import type { TopicNames } from '../schema/topics.ts';
import type { ArchiveDatabase } from './archive-rows.ts';
import { archiveUnerased } from './erased-rows.ts';
import type { FetchGathering } from './config.ts';
import type { ArchiverMetrics } from './metrics.ts';
import type { PartitionKeeper } from './partitions.ts';
import type { SchemaGate } from './schema-gate.ts';
import { describeDatabaseError } from './pg-errors.ts';

export interface ArchiverDeps {
  kafka: Kafka;
  database: ArchiveDatabase;
  partitions: PartitionKeeper;
  /** Writes wait (retrying) until the archive's migrations are applied. */
  schema: SchemaGate;
  topics: TopicNames;
  groupId: string;
  logger: Logger;
  metrics: ArchiverMetrics;
  retry: { initialBackoffMs: number; maxBackoffMs: number };
  fetch: { maxBytesPerPartition: number; concurrency: number } & FetchGathering & GroupTiming;
}

/**
 * The cold path: every event into PostgreSQL exactly once. A batch is one write that skips
 * events already stored, and offsets are committed only after it committed, so a crash at any
 * point at worst rewrites rows that the dedupe key then skips. While PostgreSQL is down the
 * consumer pauses and the batch in hand is retried with backoff; `ready()` says false meanwhile.
 * Invalid messages are the processor's to dead-letter (one copy in the dead-letter topic): the
 * archiver counts and skips them.
 */
export function createArchiver(deps: ArchiverDeps): Component {
  const { metrics } = deps;

  async function handleBatch(batch: EventBatch): Promise<void> {
    if (batch.events.length === 0) return;
    const rows = batch.events.map(({ event, offset }) =>
      toEventRow(event, batch.partition, offset),
    );
    const outcome = await batch.untilStored(() => {
      deps.schema.ensureApplied();
      return archiveUnerased(deps.database, deps.partitions, rows);
    });
    metrics.eventsInserted.inc(outcome.inserted);
    metrics.eventsDuplicate.inc(outcome.duplicates);
    if (outcome.rejected.length === 0) return;
    deps.logger.warn({ rejected: outcome.rejected }, 'dead-lettering events the archive refused');
    metrics.refusedDeadLetters.inc(outcome.rejected.length);
    await batch.deadLetter(outcome.rejected);
  }

  return createEventConsumer({
    ...deps,
    metrics: metrics.consumer,
    name: 'archiver',
    ownsInvalidEvents: false,
    handleBatch,
    sink: {
      name: 'events archive',
      ...deps.retry,
      describeError: describeDatabaseError,
      onAvailability: (available) =>
        metrics.postgresAvailable.set({ consumer: 'events' }, +available),
    },
    consumerConfig: {
      minBytes: deps.fetch.minBytes,
      maxWaitTimeInMs: deps.fetch.maxWaitTimeMs,
      maxBytesPerPartition: deps.fetch.maxBytesPerPartition,
      ...groupTimingConfig(deps.fetch),
    },
    // While PostgreSQL writes one batch, the next partition's batch is parsed and sent.
    partitionsConsumedConcurrently: deps.fetch.concurrency,
  });
}
