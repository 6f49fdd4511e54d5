import { ApolloServer } from '@apollo/server';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { Component } from '../lib/lifecycle.ts';
import { supergraphSdl, type SubgraphName } from '../schema/sdl.ts';
import { subscriptionsOverHttpRefused } from './subscriptions/http-refusal.ts';

/**
 * @apollo/gateway refuses supergraphs that link features `for: SECURITY` it does not enforce
 * (`@requiresScopes`). Scopes are checked by PulseHub's own code, so the purpose is dropped for
 * the query executor.
 */
function withoutSecurityPurpose(sdl: string): string {
  return sdl.replace(/(@link\(url: "[^"]+"), for: SECURITY\)/g, '$1)');
}

/**
 * Federated GraphQL over the checked-in supergraph (no runtime introspection of subgraphs).
 * Subgraph URLs come from configuration so deployments need not recompose.
 */
export function createFederatedServer(subgraphUrls: Record<SubgraphName, string>): {
  apollo: ApolloServer;
  component: Component;
} {
  const gateway = new ApolloGateway({
    supergraphSdl: withoutSecurityPurpose(supergraphSdl()),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({ url: subgraphUrls[name as SubgraphName] ?? url }),
  });
  // The service's own lifecycle handles signals and stops Apollo in order.
  const apollo = new ApolloServer({
    gateway,
    stopOnTerminationSignals: false,
    plugins: [subscriptionsOverHttpRefused()],
  });
  return {
    apollo,
    component: {
      name: 'federation',
      start: () => apollo.start(),
      stop: () => apollo.stop(),
      ready: () => Promise.resolve(true),
    },
  };
}
