import type { ApolloServer, BaseContext } from '@apollo/server';
import type { Registry } from 'prom-client';
import type { Component } from '../lifecycle.ts';
import {
  createServiceServer,
  type RouteHandler,
  type ServiceServer,
} from '../http/service-server.ts';
import { graphqlRoute } from '../http/graphql-route.ts';

export interface SubgraphServiceOptions<Context extends BaseContext> {
  apollo: ApolloServer<Context>;
  host: string;
  port: number;
  metrics: Registry;
  dependencies: () => readonly Component[];
  context: () => Promise<Context>;
  routes?: RouteHandler[];
}

/** A subgraph's process face: GraphQL at /graphql plus health, readiness and metrics. */
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
    routes: [...(options.routes ?? []), graphqlRoute(apollo, { context: options.context })],
  });
  return { apollo: apolloComponent, http };
}
