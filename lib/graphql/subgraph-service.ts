import type { ApolloServer, BaseContext } from '@apollo/server';
import type { Registry } from 'prom-client';
import type { Component } from '../lifecycle.ts';
import {
  createServiceServer,
  type RouteHandler,
  type ServiceServer,
} from '../http/service-server.ts';
import { graphqlRoute } from '../http/graphql-route.ts';
import { admitGatewayRequest, type GatewaySignatureSettings } from './admit-gateway-request.ts';
import type { Caller } from './identity-headers.ts';
import { bindCaller } from './subgraph-access.ts';

export interface SubgraphServiceOptions<Context extends BaseContext> {
  apollo: ApolloServer<Context>;
  host: string;
  port: number;
  metrics: Registry;
  dependencies: () => readonly Component[];
  /** Only requests signed with this secret by the gateway are served. */
  gatewaySignature: GatewaySignatureSettings;
  /** Builds a request's context; `caller` is the identity the gateway forwarded. */
  context: (caller: Caller | undefined) => Promise<Context>;
  routes?: RouteHandler[];
}

/**
 * A subgraph's process face: GraphQL at /graphql, served only to requests the gateway signed
 * and only as far as their caller meets the SDL's scopes (`apollo` from createSubgraphServer),
 * plus health, readiness and metrics.
 */
export function createSubgraphService<Context extends BaseContext>(
  options: SubgraphServiceOptions<Context>,
): { apollo: Component; http: ServiceServer } {
  const { apollo } = options;
  const apolloComponent: Component = {
    name: 'apollo',
    start: () => apollo.start(),
    stop: () => apollo.stop(),
    ready: () => Promise.resolve(true),
  };
  const http = createServiceServer({
    host: options.host,
    port: options.port,
    metrics: options.metrics,
    dependencies: options.dependencies,
    routes: [
      ...(options.routes ?? []),
      graphqlRoute<Context, Caller>(apollo, {
        admit: (req, body) => admitGatewayRequest(options.gatewaySignature, req, body),
        // The caller is bound to the context for the server's check of the SDL's scopes.
        context: async (_req, caller) => bindCaller(await options.context(caller), caller),
      }),
    ],
  });
  return { apollo: apolloComponent, http };
}
