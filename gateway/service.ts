import { createServiceHeartbeat } from '../lib/heartbeat.ts';
import { graphqlRoute } from '../lib/http/graphql-route.ts';
import { createServiceServer } from '../lib/http/service-server.ts';
import { junkIdentifiers } from '../events/junk-identifiers.ts';
import { createEventProducer } from '../events/producer.ts';
import { createKafka, parseBrokers } from '../lib/kafka/client.ts';
import type { LiveConfig } from '../config/client/live.ts';
import { allReady } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import type { Service } from '../lib/service.ts';
import { createAuthComponent } from './auth/jwt-authenticator.ts';
import { requestContext } from './auth/request-identity.ts';
import { supergraphSdl } from '../schema/sdl.ts';
import type { GatewayConfig, QueryLimits } from './config.ts';
import { createDashboard } from './dashboard/index.ts';
import { createFederatedServer } from './federation.ts';
import { createIngestRateLimiter } from './ingest/rate-limit.ts';
import { ingestRoute } from './ingest/route.ts';
import { tokenLimitRefusal } from './operation/tokens.ts';
import { createSubgraphClient } from './subgraph-client.ts';
import { createSubscriptionGateway } from './subscriptions/index.ts';
import { LIVE_SUBSCRIPTION_SETTINGS } from './subscriptions/settings.ts';
import { signedUpstreamHeaders } from './subscriptions/upstream-headers.ts';

export function createGatewayService(
  config: GatewayConfig,
  logger: Logger,
  live?: LiveConfig<GatewayConfig>,
): Service {
  const kafka = createKafka(
    parseBrokers(config.kafka.brokers),
    `${config.kafka.clientId}-gateway`,
    logger,
  );
  const producer = createEventProducer({
    kafka,
    topic: config.topics.events,
    logger,
    timeoutMs: config.ingest.produceTimeoutMs,
  });
  // Read on every request, so a limit changed in the config service applies to the next one.
  const limits = (): QueryLimits => (live?.current() ?? config).limits;
  live?.readsLive('limits');
  const auth = createAuthComponent(config.auth);
  // Per-address connection limits and trusted proxies are read on every WebSocket upgrade.
  live?.readsLive(...LIVE_SUBSCRIPTION_SETTINGS);
  // One pooled, signing client for every subgraph call: queries and subscription entity fetches.
  const client = createSubgraphClient({
    ...config.subgraphClient,
    secret: config.gatewaySignature.secret,
  });
  const federation = createFederatedServer({
    subgraphUrls: config.subgraphs,
    client,
    graphql: config.graphql,
    limits,
    logger,
  });
  const metrics = createMetricsRegistry('gateway');
  // Read on every request: a changed rate or burst applies to the next one, buckets kept.
  const rateLimiter = createIngestRateLimiter({
    settings: () => (live?.current() ?? config).ingest.rateLimit,
    metrics,
  });
  live?.readsLive('ingest.rateLimit');
  let writeKeys = new Set(config.ingest.writeKeys);
  // Applied live: a key added or revoked in the config service counts from the next request.
  live?.onChange(
    (next) => {
      writeKeys = new Set(next.ingest.writeKeys);
      rateLimiter.retain(writeKeys);
    },
    ['ingest.writeKeys'],
  );
  let junk = junkIdentifiers(config.ingest.junkIdentifiers);
  // Applied live: a word added to the list is refused from the next request.
  live?.onChange(
    (next) => {
      junk = junkIdentifiers(next.ingest.junkIdentifiers);
    },
    ['ingest.junkIdentifiers'],
  );
  const dashboard = createDashboard(config, logger);
  const dependencies = () => [producer, auth, federation.component];
  const http = createServiceServer({
    ...config.http,
    metrics,
    dependencies,
    routes: [
      ingestRoute({
        producer,
        writeKeys: () => writeKeys,
        junkIdentifiers: () => junk,
        retryAfterSeconds: config.ingest.retryAfterSeconds,
        rateLimiter,
        metrics,
      }),
      graphqlRoute(federation.apollo, {
        maxBodyBytes: () => limits().maxBodyBytes,
        checkQuery: (query) => tokenLimitRefusal(query, limits().maxTokens),
        context: (req) => requestContext(auth, req),
      }),
      ...dashboard.routes,
    ],
  });
  const subscriptions = createSubscriptionGateway({
    server: http.server,
    supergraphSdl: supergraphSdl(),
    subgraphUrls: config.subgraphs,
    limits: config.subscriptions,
    liveLimits: () => (live?.current() ?? config).subscriptions,
    // The same live query limits as HTTP: subscribe documents pass the same admission.
    queryLimits: limits,
    authenticator: auth,
    upstreamHeaders: signedUpstreamHeaders(config.gatewaySignature.secret),
    dataSource: (url) => client.dataSource(url),
    metrics,
    logger,
  });
  // The gateway has no Redis of its own: the heartbeat opens one for its beats.
  const heartbeat = createServiceHeartbeat({
    service: 'gateway',
    settings: config,
    http,
    ready: () => allReady(dependencies()),
    figures: () => ({ subscriptionConnections: subscriptions.connectionCount() }),
  });
  return {
    // The dashboard's build, when needed, finishes before the server answers its first request.
    components: [
      producer,
      auth,
      federation.component,
      ...dashboard.components,
      http,
      subscriptions,
      heartbeat,
    ],
    http,
  };
}
