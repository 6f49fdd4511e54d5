import { graphqlRoute } from '../lib/http/graphql-route.ts';
import { createServiceServer } from '../lib/http/service-server.ts';
import { createEventProducer } from '../lib/ingest/producer.ts';
import { createKafka, parseBrokers } from '../lib/kafka/client.ts';
import type { LiveConfig } from '../config/client/live.ts';
import type { Logger } from '../lib/logger.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import type { Service } from '../lib/service.ts';
import type { GatewayConfig } from './config.ts';
import { createFederatedServer } from './federation.ts';
import { ingestRoute } from './ingest/route.ts';

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
  const producer = createEventProducer(kafka, config.topics.events);
  const federation = createFederatedServer(config.subgraphs);
  let writeKeys = new Set(config.ingest.writeKeys);
  // Applied live: a key added or revoked in the config service counts from the next request.
  live?.onChange((next) => (writeKeys = new Set(next.ingest.writeKeys)), ['ingest.writeKeys']);
  const http = createServiceServer({
    ...config.http,
    metrics: createMetricsRegistry('gateway'),
    dependencies: () => [producer, federation.component],
    routes: [
      ingestRoute({ producer, writeKeys: () => writeKeys }),
      graphqlRoute(federation.apollo, { context: () => Promise.resolve({}) }),
    ],
  });
  return { components: [producer, federation.component, http], http };
}
