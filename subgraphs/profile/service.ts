import { createSubgraphServer } from '../../lib/graphql/subgraph-server.ts';
import { createSubgraphService } from '../../lib/graphql/subgraph-service.ts';
import { createSubgraphSubscriptionServer } from '../../lib/graphql/subscription-server.ts';
import { createServiceHeartbeat } from '../../lib/heartbeat.ts';
import { createKafka, parseBrokers } from '../../lib/kafka/client.ts';
import { allReady } from '../../lib/lifecycle.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { createMetricsRegistry } from '../../lib/metrics.ts';
import { createPostgresComponent } from '../../lib/postgres.ts';
import { resolveProfileIds } from '../../profiles/identity-index.ts';
import { createProfileStore } from '../../profiles/profile-store.ts';
import { createChannelSubscriber } from '../../lib/redis-channels.ts';
import { createRedisComponent } from '../../lib/redis.ts';
import type { Service } from '../../lib/service.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { subgraphTypeDefs } from '../../schema/sdl.ts';
import type { ProfileConfig } from './config.ts';
import { createProfileEraser } from './delete-profile.ts';
import { createProfileFeeds } from './profile-feeds.ts';
import { createProfileLoader } from './profile-loader.ts';
import { profileResolvers, type ProfileContext } from './resolvers.ts';
import { createSegmentReader } from './segment-members.ts';
import { profileSubscriptionResolvers } from './subscriptions.ts';

export function createProfileService(
  config: ProfileConfig,
  logger: Logger = createLogger('profile', config.log.level),
): Service {
  const redis = createRedisComponent(config.redis.url, 'redis', config.redis);
  const layout = redisLayout(config.redis.keyPrefix);
  const store = createProfileStore(redis.client, layout);
  const segments = createSegmentReader(redis.client, layout);
  // PostgreSQL: the snapshot fallback on a Redis miss, and erasure of the archive.
  const postgres = createPostgresComponent(config.database.url, { timeouts: config.database });
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
    eventsTopic: config.topics.events,
    changelogTopic: config.topics.changelog,
  });
  // Live changes: one Redis subscriber connection for every subscription of this process.
  const channels = createChannelSubscriber(config.redis.url);
  const feeds = createProfileFeeds({
    channels,
    store,
    layout,
    logger,
    resolve: (ids) => resolveProfileIds(redis.client, layout, ids),
  });
  const dependencies = () => [redis, channels];
  const typeDefs = subgraphTypeDefs('profile');
  const resolvers = { ...profileResolvers, ...profileSubscriptionResolvers(feeds) };
  const context = (caller?: ProfileContext['caller']): ProfileContext => ({
    loader,
    eraser,
    segments,
    caller,
  });
  const { apollo, http } = createSubgraphService<ProfileContext>({
    apollo: createSubgraphServer(typeDefs, resolvers),
    ...config.http,
    metrics: createMetricsRegistry('profile'),
    gatewaySignature: config.gatewaySignature,
    dependencies,
    context: (caller) => Promise.resolve(context(caller)),
  });
  const subscriptions = createSubgraphSubscriptionServer<ProfileContext>({
    server: http.server,
    typeDefs,
    resolvers,
    // Like its HTTP face, the subgraph's WebSocket serves only the gateway.
    gatewaySignature: config.gatewaySignature,
    context: (caller) => context(caller),
  });
  const heartbeat = createServiceHeartbeat({
    service: 'profile',
    settings: config,
    http,
    redis: redis.client,
    ready: () => allReady(dependencies()),
  });
  return {
    components: [redis, postgres, eraser, channels, apollo, http, subscriptions, heartbeat],
    http,
  };
}
