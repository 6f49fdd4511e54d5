import type { Kafka } from 'kafkajs';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import type { Database } from '../lib/postgres.ts';
import { createConsumerLoop } from '../lib/kafka/consumer-loop.ts';
import { groupTimingConfig, type GroupTiming } from '../lib/kafka/group-timing.ts';
import type { TopicNames } from '../schema/topics.ts';
import type { FetchGathering } from './config.ts';
import type { ArchiverMetrics } from './metrics.ts';
import type { SchemaGate } from './schema-gate.ts';
import { describeDatabaseError } from './pg-errors.ts';
import { decodeChangelogRecord, planSnapshots, type ChangelogEntry } from './snapshot-plan.ts';
import { withoutErasedSnapshots } from './erased-rows.ts';
import { writeSnapshots } from './write-snapshots.ts';

export interface SnapshotConsumerDeps {
  kafka: Kafka;
  db: Database;
  /** Writes wait (retrying) until the archive's migrations are applied. */
  schema: SchemaGate;
  topics: TopicNames;
  /** Its own consumer group: the changelog is read independently of the events. */
  groupId: string;
  fetch: FetchGathering & GroupTiming;
  logger: Logger;
  metrics: ArchiverMetrics;
  retry: { initialBackoffMs: number; maxBackoffMs: number };
}

const NAME = 'archiver-snapshots';

/**
 * Keeps the `profiles` table equal to the compacted profile changelog: the newest snapshot per
 * profile, deleted on a tombstone. The same consumer loop as the events' (createConsumerLoop):
 * a record that is not a snapshot, or that PostgreSQL refuses, is dead-lettered; PostgreSQL
 * down: pause, retry with backoff, resume. The version rule makes redelivery harmless.
 */
export function createSnapshotConsumer(deps: SnapshotConsumerDeps): Component {
  const { logger, metrics } = deps;
  return createConsumerLoop<ChangelogEntry>({
    name: NAME,
    kafka: deps.kafka,
    groupId: deps.groupId,
    topic: deps.topics.changelog,
    deadLetterTopic: deps.topics.deadLetter,
    logger,
    metrics: metrics.snapshotsConsumer,
    consumerConfig: {
      minBytes: deps.fetch.minBytes,
      maxWaitTimeInMs: deps.fetch.maxWaitTimeMs,
      ...groupTimingConfig(deps.fetch),
    },
    decode: decodeChangelogRecord,
    // Nobody else reads the changelog for PostgreSQL: its bad records are ours to set aside.
    undecodable: 'dead-letter',
    sink: {
      name: 'profile snapshots',
      ...deps.retry,
      describeError: describeDatabaseError,
      onAvailability: (available) =>
        metrics.postgresAvailable.set({ consumer: 'snapshots' }, +available),
    },
    async handleBatch(batch) {
      const plan = planSnapshots(batch.messages.map((message) => message.value));
      const outcome = await batch.untilStored(() => {
        deps.schema.ensureApplied();
        return withoutErasedSnapshots(deps.db, plan).then((kept) => writeSnapshots(deps.db, kept));
      });
      metrics.snapshotsWritten.inc(outcome.written);
      if (outcome.refused.length === 0) return;
      // The newest record of each refused profile in this batch is the one set aside.
      const lastOffsetOf = new Map(
        batch.messages
          .filter(({ value }) => value.snapshot !== undefined)
          .map(({ value, offset }) => [value.profileId, offset]),
      );
      const letters = outcome.refused.flatMap(({ profileId, reason }) => {
        const offset = lastOffsetOf.get(profileId);
        return offset === undefined ? [] : [{ offset, reason }];
      });
      logger.warn({ refused: outcome.refused }, 'dead-lettering snapshots PostgreSQL refused');
      metrics.refusedDeadLetters.inc(letters.length);
      await batch.deadLetter(letters);
    },
  });
}
