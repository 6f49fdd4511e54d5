import { createSubgraphServer } from '../../lib/graphql/subgraph-server.ts';
import { createSubgraphService } from '../../lib/graphql/subgraph-service.ts';
import { createMetricsRegistry } from '../../lib/metrics.ts';
import { createKafka, parseBrokers } from '../../lib/kafka/client.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { createPostgresComponent } from '../../lib/postgres.ts';
import { createProfileStore } from '../../lib/profile-store.ts';
import { createRedisComponent } from '../../lib/redis.ts';
import type { Service } from '../../lib/service.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { subgraphTypeDefs } from '../../schema/sdl.ts';
import type { ProfileConfig } from './config.ts';
import { createProfileEraser } from './delete-profile.ts';
import { createProfileLoader } from './profile-loader.ts';
import { profileResolvers, type ProfileContext } from './resolvers.ts';
import { createSegmentReader } from './segment-members.ts';

export function createProfileService(
  config: ProfileConfig,
  logger: Logger = createLogger('profile', config.log.level),
): Service {
  const redis = createRedisComponent(config.redis.url);
  const layout = redisLayout(config.redis.keyPrefix);
  const store = createProfileStore(redis.client, layout);
  const segments = createSegmentReader(redis.client, layout);
  // PostgreSQL: the snapshot fallback on a Redis miss, and erasure of the archive.
  const postgres = createPostgresComponent(config.database.url);
  const loader = createProfileLoader({ store, redis: redis.client, layout, db: postgres.db });
  const eraser = createProfileEraser({
    kafka: createKafka(
      parseBrokers(config.kafka.brokers),
      `${config.kafka.clientId}-profile`,
      logger,
    ),
    redis: redis.client,
    layout,
    db: postgres.db,
    changelogTopic: config.topics.changelog,
  });
  const { apollo, http } = createSubgraphService<ProfileContext>({
    apollo: createSubgraphServer(subgraphTypeDefs('profile'), profileResolvers),
    ...config.http,
    metrics: createMetricsRegistry('profile'),
    gatewaySignature: config.gatewaySignature,
    dependencies: () => [redis],
    context: (caller) => Promise.resolve({ loader, eraser, segments, caller }),
  });
  return { components: [redis, postgres, eraser, apollo, http], http };
}
