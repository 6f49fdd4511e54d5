import { createSubgraphServer } from '../../lib/graphql/subgraph-server.ts';
import { createSubgraphService } from '../../lib/graphql/subgraph-service.ts';
import { createMetricsRegistry } from '../../lib/metrics.ts';
import { createPostgresComponent } from '../../lib/postgres.ts';
import type { Service } from '../../lib/service.ts';
import { subgraphTypeDefs } from '../../schema/sdl.ts';
import type { ActivityConfig } from './config.ts';
import { activityResolvers, type ActivityContext } from './resolvers.ts';

export function createActivityService(config: ActivityConfig): Service {
  const postgres = createPostgresComponent(config.database.url);
  const { apollo, http } = createSubgraphService<ActivityContext>({
    apollo: createSubgraphServer(subgraphTypeDefs('activity'), activityResolvers),
    ...config.http,
    metrics: createMetricsRegistry('activity'),
    gatewaySignature: config.gatewaySignature,
    dependencies: () => [postgres],
    context: () => Promise.resolve({ db: postgres.db }),
  });
  return { components: [postgres, apollo, http], http };
}
