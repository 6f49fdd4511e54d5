import { graphqlRoute } from '../lib/http/graphql-route.ts';
import { createServiceServer } from '../lib/http/service-server.ts';
import { createEventProducer } from '../lib/ingest/producer.ts';
import { createKafka, parseBrokers } from '../lib/kafka/client.ts';
import type { Logger } from '../lib/logger.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import type { Service } from '../lib/service.ts';
import { supergraphSdl } from '../schema/sdl.ts';
import { SCOPES, type Authenticator } from './auth/identity.ts';
import type { GatewayConfig } from './config.ts';
import { createFederatedServer } from './federation.ts';
import { ingestRoute } from './ingest/route.ts';
import {
  createSubscriptionGateway,
  type SubscriptionGatewayOptions,
} from './subscriptions/index.ts';
import type { UpstreamHeaders } from './subscriptions/upstream-headers.ts';

export interface GatewayDeps {
  /** Verifies bearer tokens. Default: every caller is anonymous with every scope. */
  authenticator?: Authenticator;
  /** Headers sent to subgraphs on a caller's behalf. Default: subject and scopes. */
  upstreamHeaders?: UpstreamHeaders;
  /** Data sources for the entity fetches of subscriptions. Default: plain HTTP with the headers. */
  subscriptionDataSource?: SubscriptionGatewayOptions['dataSource'];
}

/** Grants every scope to everyone: what HTTP GraphQL does while it checks no tokens. */
const openAuthenticator: Authenticator = {
  authenticate: () => Promise.resolve({ subject: 'anonymous', scopes: new Set(SCOPES) }),
};

export function createGatewayService(
  config: GatewayConfig,
  logger: Logger,
  deps: GatewayDeps = {},
): Service {
  const kafka = createKafka(
    parseBrokers(config.kafka.brokers),
    `${config.kafka.clientId}-gateway`,
    logger,
  );
  const producer = createEventProducer(kafka, config.topics.events);
  const federation = createFederatedServer(config.subgraphs);
  const writeKeys = new Set(config.ingest.writeKeys);
  const metrics = createMetricsRegistry('gateway');
  const http = createServiceServer({
    ...config.http,
    metrics,
    dependencies: () => [producer, federation.component],
    routes: [
      ingestRoute({ producer, writeKeys: () => writeKeys }),
      graphqlRoute(federation.apollo, { context: () => Promise.resolve({}) }),
    ],
  });
  const subscriptions = createSubscriptionGateway({
    server: http.server,
    supergraphSdl: supergraphSdl(),
    subgraphUrls: config.subgraphs,
    limits: config.subscriptions,
    authenticator: deps.authenticator ?? openAuthenticator,
    ...(deps.upstreamHeaders ? { upstreamHeaders: deps.upstreamHeaders } : {}),
    ...(deps.subscriptionDataSource ? { dataSource: deps.subscriptionDataSource } : {}),
    metrics,
    logger,
  });
  return { components: [producer, federation.component, http, subscriptions], http };
}
