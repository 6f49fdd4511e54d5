import { createServiceServer } from '../lib/http/service-server.ts';
import { createKafka, parseBrokers } from '../lib/kafka/client.ts';
import type { Logger } from '../lib/logger.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import { createPostgresComponent } from '../lib/postgres.ts';
import type { Service } from '../lib/service.ts';
import type { ArchiverConfig } from './config.ts';
import { createArchiver } from './archiver.ts';
import { createArchiverMetrics } from './metrics.ts';
import { createPartitionKeeper } from './partitions.ts';
import { createSnapshotConsumer } from './snapshots.ts';

export function createArchiverService(config: ArchiverConfig, logger: Logger): Service {
  const postgres = createPostgresComponent(config.database.url);
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
  };
  const { groupId, ...fetch } = config.consumer;
  const archiver = createArchiver({ ...shared, database: postgres, partitions, groupId, fetch });
  const { groupId: snapshotsGroupId, ...snapshotsFetch } = config.snapshots;
  const snapshots = createSnapshotConsumer({
    ...shared,
    groupId: snapshotsGroupId,
    fetch: snapshotsFetch,
  });
  const http = createServiceServer({
    ...config.http,
    metrics: registry,
    // The consumers also say unready while they are paused retrying a write.
    dependencies: () => [postgres, archiver, snapshots],
  });
  return { components: [postgres, partitions, archiver, snapshots, http], http };
}
