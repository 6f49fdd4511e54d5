import { createServiceServer } from '../lib/http/service-server.ts';
import { createKafka, parseBrokers } from '../lib/kafka/client.ts';
import type { Logger } from '../lib/logger.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import { createProfileStore } from '../lib/profile-store.ts';
import { createRedisComponent } from '../lib/redis.ts';
import type { Service } from '../lib/service.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import type { ProcessorConfig } from './config.ts';
import { createProcessor } from './processor.ts';

export function createProcessorService(config: ProcessorConfig, logger: Logger): Service {
  const redis = createRedisComponent(config.redis.url);
  const processor = createProcessor({
    kafka: createKafka(
      parseBrokers(config.kafka.brokers),
      `${config.kafka.clientId}-processor`,
      logger,
    ),
    store: createProfileStore(redis.client, redisLayout(config.redis.keyPrefix)),
    topics: config.topics,
    groupId: config.consumer.groupId,
    logger,
  });
  const http = createServiceServer({
    ...config.http,
    metrics: createMetricsRegistry('processor'),
    dependencies: () => [redis, processor],
  });
  return { components: [redis, processor, http], http };
}
