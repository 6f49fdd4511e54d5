import { createServiceHeartbeat } from '../lib/heartbeat.ts';
import { createServiceServer } from '../lib/http/service-server.ts';
import { createKafka, parseBrokers } from '../lib/kafka/client.ts';
import { allReady } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import { createPostgresComponent } from '../lib/postgres.ts';
import { runMigrations } from '../schema/db/migrate.ts';
import type { Service } from '../lib/service.ts';
import type { ArchiverConfig } from './config.ts';
import { createArchiver } from './archiver.ts';
import { createArchiverMetrics } from './metrics.ts';
import { createPartitionKeeper } from './partitions.ts';
import { createSchemaGate } from './schema-gate.ts';
import { createSnapshotConsumer } from './snapshots.ts';

export function createArchiverService(config: ArchiverConfig, logger: Logger): Service {
  // Started whether or not PostgreSQL answers: the consumers hold their batches until it does,
  // so an archiver can join its groups (take partitions over) during an outage.
  const postgres = createPostgresComponent(config.database.url, {
    timeouts: config.database,
    requireAtStart: false,
  });
  const schema = createSchemaGate({
    migrate: () => runMigrations(config.database.url),
    logger,
    retry: config.retry,
  });
  const kafka = createKafka(
    parseBrokers(config.kafka.brokers),
    `${config.kafka.clientId}-archiver`,
    logger,
  );
  const registry = createMetricsRegistry('archiver');
  const metrics = createArchiverMetrics(registry);
  const partitions = createPartitionKeeper(postgres.db, config.partitions, logger);
  const shared = {
    kafka,
    db: postgres.db,
    topics: config.topics,
    logger,
    metrics,
    retry: config.retry,
    schema,
  };
  const { groupId, ...fetch } = config.consumer;
  const archiver = createArchiver({ ...shared, database: postgres, partitions, groupId, fetch });
  const { groupId: snapshotsGroupId, ...snapshotsFetch } = config.snapshots;
  const snapshots = createSnapshotConsumer({
    ...shared,
    groupId: snapshotsGroupId,
    fetch: snapshotsFetch,
  });
  const dependencies = () => [postgres, schema, archiver, snapshots];
  const http = createServiceServer({
    ...config.http,
    metrics: registry,
    // The consumers also say unready while they are paused retrying a write.
    dependencies,
  });
  // The archiver has no Redis of its own: the heartbeat opens one for its beats.
  const heartbeat = createServiceHeartbeat({
    service: 'archiver',
    settings: config,
    http,
    ready: () => allReady(dependencies()),
    // The groups as they run (environment overrides included), for the status's lag.
    figures: () => ({
      consumerGroups: [
        { group: groupId, topic: config.topics.events },
        { group: snapshotsGroupId, topic: config.topics.changelog },
      ],
    }),
  });
  return {
    components: [postgres, schema, partitions, archiver, snapshots, http, heartbeat],
    http,
  };
}
