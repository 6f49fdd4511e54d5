import type http from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Component } from '../../../lib/lifecycle.ts';

export interface SubscriptionServerOptions<Context> {
  server: http.Server;
  /** Default `/graphql`, beside the HTTP endpoint. */
  path?: string;
  schema: GraphQLSchema;
  context(): Context;
}

/** graphql-ws subscriptions on the service's HTTP server (protocol `graphql-transport-ws`). */
export function createSubscriptionServer<Context extends object>(
  options: SubscriptionServerOptions<Context>,
): Component {
  const wss = new WebSocketServer({ server: options.server, path: options.path ?? '/graphql' });
  const server = useServer({ schema: options.schema, context: () => options.context() }, wss);
  return {
    name: 'subscriptions',
    start: () => Promise.resolve(),
    async stop() {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    ready: () => Promise.resolve(true),
  };
}
