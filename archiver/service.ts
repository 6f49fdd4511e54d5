import { createServiceServer } from '../lib/http/service-server.ts';
import { createKafka, parseBrokers } from '../lib/kafka/client.ts';
import type { Logger } from '../lib/logger.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import { createPostgresComponent } from '../lib/postgres.ts';
import type { Service } from '../lib/service.ts';
import type { ArchiverConfig } from './config.ts';
import { createArchiver } from './archiver.ts';

export function createArchiverService(config: ArchiverConfig, logger: Logger): Service {
  const postgres = createPostgresComponent(config.database.url);
  const archiver = createArchiver({
    kafka: createKafka(
      parseBrokers(config.kafka.brokers),
      `${config.kafka.clientId}-archiver`,
      logger,
    ),
    db: postgres.db,
    topics: config.topics,
    groupId: config.consumer.groupId,
    logger,
  });
  const http = createServiceServer({
    ...config.http,
    metrics: createMetricsRegistry('archiver'),
    dependencies: () => [postgres, archiver],
  });
  return { components: [postgres, archiver, http], http };
}
