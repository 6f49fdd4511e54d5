import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloGateway } from '@apollo/gateway';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { supergraphSdl, type SubgraphName } from '../schema/sdl.ts';
import { schemaAccessFromSdl } from '../lib/graphql/access-policy.ts';
import { supergraphForGateway } from './auth/supergraph-security.ts';
import type { GatewayConfig, QueryLimits } from './config.ts';
import type { GatewayContext } from './context.ts';
import { errorLoggingPlugin, formatGatewayError } from './errors.ts';
import { operationGuardPlugin } from './operation/guard-plugin.ts';
import type { SubgraphClient } from './subgraph-client.ts';
import { subscriptionsOverHttpRefused } from './subscriptions/http-refusal.ts';

export interface FederationOptions {
  subgraphUrls: Record<SubgraphName, string>;
  client: SubgraphClient;
  graphql: GatewayConfig['graphql'];
  /** The query limits in force; a getter so a configuration reload applies at once. */
  limits: () => QueryLimits;
  logger: Logger;
}

/**
 * Federated GraphQL over the checked-in supergraph (no runtime introspection of subgraphs).
 * Subgraph URLs come from configuration so deployments need not recompose. Query plans are
 * cached by @apollo/gateway per operation (an in-memory LRU of about 30 MiB), parsed and
 * validated documents by Apollo Server.
 */
export function createFederatedServer(options: FederationOptions): {
  apollo: ApolloServer<GatewayContext>;
  component: Component;
} {
  const supergraph = supergraphSdl();
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphForGateway(supergraph),
    buildService: ({ name, url }) =>
      options.client.dataSource(options.subgraphUrls[name as SubgraphName] ?? url ?? ''),
    logger: options.logger,
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // The service's own lifecycle handles signals and stops Apollo in order.
    stopOnTerminationSignals: false,
    introspection: options.graphql.introspection,
    csrfPrevention: true,
    persistedQueries: false,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    formatError: formatGatewayError(options.graphql.maskInternalErrors),
    logger: options.logger,
    plugins: [
      subscriptionsOverHttpRefused(),
      operationGuardPlugin({
        access: schemaAccessFromSdl(supergraph),
        limits: options.limits,
      }),
      errorLoggingPlugin(options.logger),
      ApolloServerPluginUsageReportingDisabled(),
      options.graphql.introspection
        ? ApolloServerPluginLandingPageLocalDefault({ footer: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  return {
    apollo,
    component: {
      name: 'federation',
      start: () => apollo.start(),
      stop: async () => {
        await apollo.stop();
        await options.client.close();
      },
      ready: () => Promise.resolve(true),
    },
  };
}
