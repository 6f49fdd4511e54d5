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
 * A subgraph's process face: GraphQL at /graphql, served only to requests the gateway signed,
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
        context: (_req, caller) => options.context(caller),
      }),
    ],
  });
  return { apollo: apolloComponent, http };
}
