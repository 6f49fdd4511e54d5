import path from 'node:path';
import { createConfigBus } from '../../config/client/bus.ts';
import { CHECKOUT_ROOT } from '../../config/client/sources.ts';
import { createSubgraphServer } from '../../lib/graphql/subgraph-server.ts';
import { createSubgraphSubscriptionServer } from '../../lib/graphql/subscription-server.ts';
import { createSubgraphService } from '../../lib/graphql/subgraph-service.ts';
import type { Caller } from '../../lib/graphql/identity-headers.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { createServiceHeartbeat } from '../../lib/heartbeat.ts';
import { allReady } from '../../lib/lifecycle.ts';
import { createMetricsRegistry } from '../../lib/metrics.ts';
import { createChannelSubscriber } from '../../lib/redis-channels.ts';
import { createRedisComponent } from '../../lib/redis.ts';
import type { Service } from '../../lib/service.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { subgraphTypeDefs } from '../../schema/sdl.ts';
import { callerOf } from './caller.ts';
import type { ConfigServiceConfig } from './config.ts';
import { createConfigStore } from './config-store.ts';
import { createGitRepository } from './git/repository.ts';
import { environmentRoute } from './http/environment-route.ts';
import { configResolvers, type ConfigContext } from './resolvers.ts';
import { loadKeyMaterial } from './secrets/cipher.ts';
import { createSystemStatus } from './status/index.ts';
import { createNoticeFeed } from './subscriptions/notice-feed.ts';

/**
 * The Config subgraph: configuration of every service from a git repository — GraphQL
 * (queries, setConfig, refreshConfig, encryptValue, configChanged over WebSocket), the Spring
 * Cloud Config HTTP endpoint for the services, and change notices on Redis.
 */
export function createConfigService(
  config: ConfigServiceConfig,
  logger: Logger = createLogger('config', config.log.level),
): Service {
  const fromCheckout = (p: string) => path.resolve(CHECKOUT_ROOT, p);
  const metrics = createMetricsRegistry('config');
  const redis = createRedisComponent(config.redis.url, 'redis', config.redis);
  const channel = redisLayout(config.redis.keyPrefix).configChannel;
  const repo = createGitRepository({
    dir: fromCheckout(config.repository.path),
    seedFrom: fromCheckout(config.repository.seedFrom),
    branch: config.repository.branch,
    committer: config.repository.committer,
    logger,
  });
  const store = createConfigStore({
    repo,
    defaultsDir: fromCheckout(config.repository.seedFrom),
    keyMaterial: () =>
      loadKeyMaterial(
        { key: config.encrypt.key, keyFile: fromCheckout(config.encrypt.keyFile) },
        logger,
      ),
    previousKeys: config.encrypt.previousKeys,
    publish: async (notice) => {
      await redis.client.publish(channel, JSON.stringify(notice));
    },
    logger,
    pollIntervalMs: config.repository.pollIntervalMs,
    metrics,
  });
  // Notices from every config instance (not just this one) feed the subscriptions.
  const feed = createNoticeFeed();
  const bus = createConfigBus({
    redisUrl: config.redis.url,
    channel,
    logger,
    onNotice: (notice) => feed.push(notice),
  });
  // The system status: heartbeats of every service heard here, Kafka observed on demand.
  const channels = createChannelSubscriber(config.redis.url);
  const status = createSystemStatus({
    config,
    store,
    channels,
    redisAnswers: () => redis.ready(),
    logger,
  });
  const context = (caller?: Caller): ConfigContext => ({
    store,
    feed,
    status,
    caller: callerOf(caller, config.repository.committer),
  });
  const dependencies = () => [store, redis];
  const typeDefs = subgraphTypeDefs('config');
  const { apollo, http } = createSubgraphService<ConfigContext>({
    apollo: createSubgraphServer(typeDefs, configResolvers),
    ...config.http,
    metrics,
    gatewaySignature: config.gatewaySignature,
    dependencies: () => dependencies(),
    // The identity the gateway forwarded and signed decides the commit author.
    context: (caller) => Promise.resolve(context(caller)),
    routes: [environmentRoute({ store, credentials: config.auth, logger })],
  });
  const subscriptions = createSubgraphSubscriptionServer<ConfigContext>({
    server: http.server,
    typeDefs,
    resolvers: configResolvers,
    // Like its HTTP face, the subgraph's WebSocket serves only the gateway.
    gatewaySignature: config.gatewaySignature,
    context: (caller) => context(caller),
  });
  const feedComponent = {
    name: 'notice-feed',
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(feed.close()),
    ready: () => Promise.resolve(true),
  };
  const heartbeat = createServiceHeartbeat({
    service: 'config',
    settings: config,
    http,
    redis: redis.client,
    ready: () => allReady(dependencies()),
  });
  return {
    // Subscriptions stop before the HTTP server, which would otherwise wait on open sockets.
    components: [
      redis,
      store,
      bus,
      feedComponent,
      channels,
      status.component,
      apollo,
      http,
      subscriptions,
      heartbeat,
    ],
    http,
  };
}
