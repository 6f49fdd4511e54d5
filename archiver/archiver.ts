import type { Kafka } from 'kafkajs';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import type { Database } from '../lib/postgres.ts';
import { createEventConsumer, type EventBatch } from '../lib/kafka/event-consumer.ts';
import { events } from '../schema/db/tables.ts';
import type { TopicNames } from '../schema/topics.ts';
import { toEventRow } from './to-row.ts';

export interface ArchiverDeps {
  kafka: Kafka;
  db: Database;
  topics: TopicNames;
  groupId: string;
  logger: Logger;
}

/**
 * The cold path: every event into PostgreSQL exactly once. A batch is one multi-row insert
 * that ignores message ids already stored, and offsets are committed only after it committed,
 * so a crash at any point at worst re-inserts rows that the conflict rule then skips.
 */
export function createArchiver(deps: ArchiverDeps): Component {
  async function handleBatch(batch: EventBatch): Promise<void> {
    if (batch.events.length === 0) return;
    const rows = batch.events.map(({ event, offset }) =>
      toEventRow(event, batch.partition, offset),
    );
    await deps.db.insert(events).values(rows).onConflictDoNothing({ target: events.messageId });
  }
  return createEventConsumer({
    ...deps,
    name: 'archiver',
    handleBatch,
    consumerConfig: { maxWaitTimeInMs: 100 },
  });
}
