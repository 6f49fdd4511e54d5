import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Component } from '../lifecycle.ts';

/** What a subgraph's subscription resolvers learn about the caller: the gateway's headers. */
export interface SubscriptionCaller {
  /** Header names lower-cased: the connection's, overridden by the subscription's own. */
  headers: Record<string, string>;
}

export interface SubgraphSubscriptionOptions<Context> {
  /** The node HTTP server that serves GraphQL over HTTP; WebSocket upgrades are taken from it. */
  server: http.Server;
  /** The subgraph's executable schema, with `subscribe` resolvers on its Subscription fields. */
  schema: GraphQLSchema;
  /** Path of the WebSocket endpoint. Default `/graphql`, the same as HTTP GraphQL. */
  path?: string;
  context(caller: SubscriptionCaller): Context | Promise<Context>;
  /**
   * Decides whether a connection may subscribe, from its headers (the gateway signs them).
   * Default: every connection may.
   */
  authorize?(caller: SubscriptionCaller): boolean | Promise<boolean>;
  /** Interval of WebSocket pings; a peer that does not answer within it is dropped. Default 12 s. */
  keepAliveMs?: number;
}

function headersOf(value: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return headers;
  for (const [name, header] of Object.entries(value))
    if (typeof header === 'string') headers[name.toLowerCase()] = header;
  return headers;
}

/**
 * Serves a subgraph's Subscription fields over graphql-ws (the `graphql-transport-ws`
 * protocol) on the subgraph's own HTTP server, for the gateway to stream from. The gateway
 * passes identity headers in `connection_init`'s `headers` and, per subscription, in the
 * subscribe payload's `extensions.headers`.
 */
export function createSubgraphSubscriptionServer<Context>(
  options: SubgraphSubscriptionOptions<Context>,
): Component & { clientCount(): number } {
  const path = options.path ?? '/graphql';
  const wss = new WebSocketServer({ noServer: true });
  let disposable: { dispose(): void | Promise<void> } | undefined;

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    if ((req.url ?? '/').split('?')[0] !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };

  return {
    name: 'graphql-ws',
    clientCount: () => wss.clients.size,
    start() {
      disposable = useServer<Record<string, unknown>>(
        {
          schema: options.schema,
          onConnect: async (ctx) => {
            if (!options.authorize) return true;
            return options.authorize({ headers: headersOf(ctx.connectionParams?.['headers']) });
          },
          context: (ctx, _id, payload) =>
            options.context({
              headers: {
                ...headersOf(ctx.connectionParams?.['headers']),
                ...headersOf(payload.extensions?.['headers']),
              },
            }) as never,
        },
        wss,
        options.keepAliveMs ?? 12_000, // 12 seconds
      );
      options.server.on('upgrade', onUpgrade);
      return Promise.resolve();
    },
    async stop() {
      options.server.off('upgrade', onUpgrade);
      const current = disposable;
      disposable = undefined;
      await current?.dispose();
    },
    ready: () => Promise.resolve(disposable !== undefined),
  };
}
