import {
  createSubgraphServer,
  type GraphQLResolverMap,
} from '../../lib/graphql/subgraph-server.ts';
import { createSubgraphService } from '../../lib/graphql/subgraph-service.ts';
import { createServiceHeartbeat } from '../../lib/heartbeat.ts';
import type { LiveConfig } from '../../config/client/live.ts';
import { junkIdentifiers } from '../../events/junk-identifiers.ts';
import { createEventProducer } from '../../events/producer.ts';
import { createKafka, parseBrokers } from '../../lib/kafka/client.ts';
import { allReady } from '../../lib/lifecycle.ts';
import { createLogger } from '../../lib/logger.ts';
import { createMetricsRegistry } from '../../lib/metrics.ts';
import { createPostgresComponent } from '../../lib/postgres.ts';
import { createRedisComponent } from '../../lib/redis.ts';
import type { Service } from '../../lib/service.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { subgraphTypeDefs } from '../../schema/sdl.ts';
import type { ActivityConfig } from './config.ts';
import { ingestMutationResolvers, type IngestContext } from './ingest-mutations.ts';
import { createRecentActivityReader } from './recent-activities.ts';
import { activityResolvers, type ActivityContext } from './resolvers.ts';

export function createActivityService(
  config: ActivityConfig,
  live?: LiveConfig<ActivityConfig>,
): Service {
  const postgres = createPostgresComponent(config.database.url, { timeouts: config.database });
  const logger = createLogger('activity', config.log.level);
  // The ingest mutations produce with the same producer code as HTTP ingest.
  const producer = createEventProducer({
    kafka: createKafka(
      parseBrokers(config.kafka.brokers),
      `${config.kafka.clientId}-activity`,
      logger,
    ),
    topic: config.topics.events,
    logger,
    timeoutMs: config.ingest.produceTimeoutMs,
  });
  let junk = junkIdentifiers(config.ingest.junkIdentifiers);
  // Applied live: a word added to the list is refused from the next mutation.
  live?.onChange(
    (next) => {
      junk = junkIdentifiers(next.ingest.junkIdentifiers);
    },
    ['ingest.junkIdentifiers'],
  );
  // Redis, as the Profile subgraph reaches it (application.yml redis.*), for the processor's
  // recent-activity lists only: connected in the background and never a readiness
  // dependency, so a Redis away leaves the archive answering alone (recent-activities.ts).
  const redis = createRedisComponent(config.redis.url, 'redis', config.redis);
  const recentRedis = {
    name: 'recent-activity-redis',
    start: () => {
      void redis.start().catch(() => undefined);
      return Promise.resolve();
    },
    stop: () => redis.stop(),
    ready: () => Promise.resolve(true),
  };
  let readTimeoutMs = config.recentActivity.readTimeoutMs;
  live?.onChange(
    (next) => {
      readTimeoutMs = next.recentActivity.readTimeoutMs;
    },
    ['recentActivity'],
  );
  const recent = createRecentActivityReader(
    redis.client,
    redisLayout(config.redis.keyPrefix),
    () => readTimeoutMs,
  );
  const dependencies = () => [postgres, producer];
  const { apollo, http } = createSubgraphService<ActivityContext & IngestContext>({
    apollo: createSubgraphServer<ActivityContext & IngestContext>(subgraphTypeDefs('activity'), {
      ...(activityResolvers as GraphQLResolverMap<ActivityContext & IngestContext>),
      ...(ingestMutationResolvers as GraphQLResolverMap<ActivityContext & IngestContext>),
    }),
    ...config.http,
    metrics: createMetricsRegistry('activity'),
    gatewaySignature: config.gatewaySignature,
    dependencies,
    context: () => Promise.resolve({ db: postgres.db, recent, producer, junkIdentifiers: junk }),
  });
  const heartbeat = createServiceHeartbeat({
    service: 'activity',
    settings: config,
    http,
    redis: redis.client,
    ready: () => allReady(dependencies()),
  });
  return { components: [postgres, recentRedis, producer, apollo, http, heartbeat], http };
}
