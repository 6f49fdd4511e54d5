import { DEFAULT_CONFIG_DIR } from '../../config/client/sources.ts';
import { createSubgraphServer } from '../../lib/graphql/subgraph-server.ts';
import { createSubgraphService } from '../../lib/graphql/subgraph-service.ts';
import { createMetricsRegistry } from '../../lib/metrics.ts';
import type { Service } from '../../lib/service.ts';
import { subgraphTypeDefs } from '../../schema/sdl.ts';
import type { ConfigServiceConfig } from './config.ts';
import { configResolvers, type ConfigContext } from './resolvers.ts';

export function createConfigService(config: ConfigServiceConfig): Service {
  const { apollo, http } = createSubgraphService<ConfigContext>({
    apollo: createSubgraphServer(subgraphTypeDefs('config'), configResolvers),
    ...config.http,
    metrics: createMetricsRegistry('config'),
    gatewaySignature: config.gatewaySignature,
    dependencies: () => [],
    context: () => Promise.resolve({ configDir: DEFAULT_CONFIG_DIR }),
  });
  return { components: [apollo, http], http };
}
