import { buildSubgraphSchema } from '@apollo/subgraph';
import { createSubgraphServer } from '../../lib/graphql/subgraph-server.ts';
import { createSubgraphService } from '../../lib/graphql/subgraph-service.ts';
import { createSubgraphSubscriptionServer } from '../../lib/graphql/subscription-server.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { createMetricsRegistry } from '../../lib/metrics.ts';
import { createProfileStore } from '../../lib/profile-store.ts';
import { createChannelSubscriber } from '../../lib/redis-channels.ts';
import { createRedisComponent } from '../../lib/redis.ts';
import type { Service } from '../../lib/service.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { subgraphTypeDefs } from '../../schema/sdl.ts';
import type { ProfileConfig } from './config.ts';
import { createProfileFeeds } from './profile-feeds.ts';
import { profileResolvers, type ProfileContext } from './resolvers.ts';
import { profileSubscriptionResolvers } from './subscriptions.ts';

export function createProfileService(
  config: ProfileConfig,
  logger: Logger = createLogger('profile', config.log.level),
): Service {
  const redis = createRedisComponent(config.redis.url);
  const layout = redisLayout(config.redis.keyPrefix);
  const store = createProfileStore(redis.client, layout);
  const channels = createChannelSubscriber(config.redis.url);
  const feeds = createProfileFeeds({ channels, store, layout, logger });
  const typeDefs = subgraphTypeDefs('profile');
  const resolvers = { ...profileResolvers, ...profileSubscriptionResolvers(feeds) };
  const { apollo, http } = createSubgraphService<ProfileContext>({
    apollo: createSubgraphServer(typeDefs, resolvers),
    ...config.http,
    metrics: createMetricsRegistry('profile'),
    dependencies: () => [redis, channels],
    context: () => Promise.resolve({ store }),
  });
  const subscriptions = createSubgraphSubscriptionServer<ProfileContext>({
    server: http.server,
    schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
    context: () => ({ store }),
  });
  return { components: [redis, channels, apollo, http, subscriptions], http };
}
