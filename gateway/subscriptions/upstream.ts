import { createClient, type Client } from 'graphql-ws';
import type { GraphQLFormattedError } from 'graphql';
import WebSocket from 'ws';
import type { Component } from '../../lib/lifecycle.ts';
import type { Logger } from '../../lib/logger.ts';
import { ErrorCode } from '../../schema/errors.ts';
import type { UpstreamEvent } from './event-executor.ts';
import type { UpstreamHeaders } from './upstream-headers.ts';

export interface UpstreamSink {
  next(event: UpstreamEvent): void;
  /** The subgraph failed the subscription, or could not be reached: the stream is over. */
  error(errors: readonly GraphQLFormattedError[]): void;
  complete(): void;
}

export interface UpstreamRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  /** Identity headers of this subscription's caller; sent signed in `extensions.headers`. */
  headers: Record<string, string>;
}

export interface Upstream extends Component {
  /** Streams a subscription from a subgraph; the returned function cancels it. */
  subscribe(service: string, request: UpstreamRequest, sink: UpstreamSink): () => void;
}

export interface UpstreamOptions {
  /** HTTP GraphQL endpoints of the subgraphs; their WebSocket endpoint is the same URL. */
  subgraphUrls: Readonly<Record<string, string>>;
  upstreamHeaders: UpstreamHeaders;
  /** Reconnection attempts after a subgraph connection drops, before the subscriptions fail. */
  retryAttempts: number;
  logger: Logger;
}

function toWebSocketUrl(url: string): string {
  return url.replace(/^http/, 'ws');
}

function unavailable(service: string, reason: unknown): GraphQLFormattedError[] {
  if (Array.isArray(reason)) return reason as GraphQLFormattedError[];
  const detail =
    typeof reason === 'object' && reason !== null && 'code' in reason
      ? ` (WebSocket closed with ${String((reason as { code: unknown }).code)})`
      : '';
  return [
    {
      message: `subgraph ${service} is unavailable${detail}`,
      extensions: { code: ErrorCode.ServiceUnavailable },
    },
  ];
}

/**
 * Extensions whose content is made when they are serialized. graphql-ws's client keeps a
 * subscription's payload and serializes it anew at every send of its subscribe: the first and
 * the re-send after each reconnect. So the subscribe signature is made at each send, fresh by
 * construction, however long the subscription lived or the reconnection took; one made at
 * the first subscribe would be expired or replayed by then, and the subscription refused.
 */
function signedAtEverySend(make: () => Record<string, unknown>): Record<string, unknown> {
  return { toJSON: make };
}

/**
 * graphql-ws connections from the gateway to the subgraphs: one multiplexed connection per
 * subgraph, opened on first use, closed when idle, re-established (and its subscriptions
 * re-sent) after a drop.
 */
export function createUpstream(options: UpstreamOptions): Upstream {
  const clients = new Map<string, Client>();

  function clientFor(service: string): Client {
    let client = clients.get(service);
    if (client) return client;
    const url = options.subgraphUrls[service];
    if (url === undefined) throw new Error(`no URL configured for subgraph ${service}`);
    client = createClient({
      url: toWebSocketUrl(url),
      webSocketImpl: WebSocket,
      lazy: true,
      lazyCloseTimeout: 5_000, // 5 seconds: keeps the connection over a quick resubscribe
      keepAlive: 10_000, // 10 seconds between pings, so a dead subgraph is noticed
      retryAttempts: options.retryAttempts,
      shouldRetry: () => true,
      // Called at every (re)connect: each connection gets a new signature.
      connectionParams: () => ({ headers: options.upstreamHeaders.connection() }),
      on: {
        closed: (event) =>
          options.logger.debug(
            { service, code: (event as { code?: number }).code },
            'upstream closed',
          ),
      },
    });
    clients.set(service, client);
    return client;
  }

  return {
    name: 'subscription-upstream',
    start: () => Promise.resolve(),
    async stop() {
      // dispose() rethrows why a connection attempt in progress failed: nothing to act on now.
      await Promise.all(
        [...clients.values()].map((client) =>
          Promise.resolve(client.dispose()).catch(() => undefined),
        ),
      );
      clients.clear();
    },
    ready: () => Promise.resolve(true),
    subscribe(service, request, sink) {
      const operation = {
        query: request.query,
        ...(request.operationName === undefined ? {} : { operationName: request.operationName }),
        variables: request.variables,
      };
      return clientFor(service).subscribe<Record<string, unknown>>(
        {
          ...operation,
          extensions: signedAtEverySend(() => ({
            headers: options.upstreamHeaders.subscribe(operation, request.headers),
          })),
        },
        {
          next: (result) => sink.next(result as UpstreamEvent),
          error: (reason) => sink.error(unavailable(service, reason)),
          complete: () => sink.complete(),
        },
      );
    },
  };
}
