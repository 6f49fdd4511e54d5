import { createSubgraphServer } from '../../lib/graphql/subgraph-server.ts';
import { createSubgraphService } from '../../lib/graphql/subgraph-service.ts';
import { createMetricsRegistry } from '../../lib/metrics.ts';
import { createProfileStore } from '../../lib/profile-store.ts';
import { createRedisComponent } from '../../lib/redis.ts';
import type { Service } from '../../lib/service.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { subgraphTypeDefs } from '../../schema/sdl.ts';
import type { ProfileConfig } from './config.ts';
import { profileResolvers, type ProfileContext } from './resolvers.ts';
import { createSegmentReader } from './segment-members.ts';

export function createProfileService(config: ProfileConfig): Service {
  const redis = createRedisComponent(config.redis.url);
  const layout = redisLayout(config.redis.keyPrefix);
  const store = createProfileStore(redis.client, layout);
  const segments = createSegmentReader(redis.client, layout);
  const { apollo, http } = createSubgraphService<ProfileContext>({
    apollo: createSubgraphServer(subgraphTypeDefs('profile'), profileResolvers),
    ...config.http,
    metrics: createMetricsRegistry('profile'),
    gatewaySignature: config.gatewaySignature,
    dependencies: () => [redis],
    context: (caller) => Promise.resolve({ store, segments, caller }),
  });
  return { components: [redis, apollo, http], http };
}
