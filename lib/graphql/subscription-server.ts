import type http from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  GraphQLError,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Component } from '../lifecycle.ts';
import { ErrorCode } from '../../schema/errors.ts';
import type { Refusal } from '../http/graphql-route.ts';
import { upgradesAt } from '../http/upgrade-refusal.ts';
import {
  admitGatewayConnection,
  admitGatewaySubscribe,
  type GatewaySignatureSettings,
} from './admit-gateway-request.ts';
import type { Caller } from './identity-headers.ts';
import { accessDenialError, createSubgraphAccess } from './subgraph-access.ts';
import type { GraphQLResolverMap } from './subgraph-server.ts';

export interface SubgraphSubscriptionOptions<Context> {
  /** The node HTTP server that serves GraphQL over HTTP; WebSocket upgrades are taken from it. */
  server: http.Server;
  /** The subgraph's SDL: its schema, and the `@requiresScopes` every subscribe is checked on. */
  typeDefs: DocumentNode;
  /** Its resolvers, with `subscribe` resolvers on its Subscription fields. */
  resolvers: GraphQLResolverMap<Context>;
  /** Path of the WebSocket endpoint. Default `/graphql`, the same as HTTP GraphQL. */
  path?: string;
  /** Connections and each subscribe on them are served only when the gateway signed them. */
  gatewaySignature: GatewaySignatureSettings;
  /** Builds a subscription's context; `caller` is the identity its signed subscribe names. */
  context(caller: Caller | undefined): Context | Promise<Context>;
  /** Interval of WebSocket pings; a peer that does not answer within it is dropped. Default 12 s. */
  keepAliveMs?: number;
}

/** Validated documents kept per query text: the gateway sends few distinct subscriptions. */
const MAX_CACHED_DOCUMENTS = 1_000;

function headersOf(value: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return headers;
  for (const [name, header] of Object.entries(value))
    if (typeof header === 'string') headers[name.toLowerCase()] = header;
  return headers;
}

/** A refused subscribe as graphql-ws answers it: an error message with the HTTP refusal's code. */
function refusalError(refusal: Refusal): GraphQLError {
  return new GraphQLError(refusal.message, {
    extensions: { ...refusal.extensions, code: refusal.code },
  });
}

/**
 * Parses and validates a query once per text, so the access check's per-document cache hits
 * on every later subscribe of the same operation (graphql-ws would parse each one anew).
 */
function documentCache(schema: ExecutionArgs['schema']) {
  const documents = new Map<string, DocumentNode>();
  return (query: string): DocumentNode | readonly GraphQLError[] => {
    const cached = documents.get(query);
    if (cached !== undefined) return cached;
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      if (error instanceof GraphQLError) return [error];
      throw error;
    }
    const errors = validate(schema, document);
    if (errors.length > 0) return errors;
    if (documents.size >= MAX_CACHED_DOCUMENTS) documents.delete(documents.keys().next().value!);
    documents.set(query, document);
    return document;
  };
}

/**
 * Serves a subgraph's Subscription fields over graphql-ws (the `graphql-transport-ws`
 * protocol) on the subgraph's own HTTP server, for the gateway to stream from. Like its HTTP
 * face it trusts only the gateway: the connection must carry the gateway's connection
 * signature (`connection_init` `headers`), and each subscribe the gateway's signature of its
 * caller and operation (the payload's `extensions.headers`), accepted once. The caller it
 * names must then meet what the SDL requires of everything the operation selects.
 */
export function createSubgraphSubscriptionServer<Context>(
  options: SubgraphSubscriptionOptions<Context>,
): Component & { clientCount(): number } {
  const path = options.path ?? '/graphql';
  const schema = buildSubgraphSchema([
    { typeDefs: options.typeDefs, resolvers: options.resolvers },
  ]);
  const access = createSubgraphAccess(options.typeDefs);
  const documentOf = documentCache(schema);
  const wss = new WebSocketServer({ noServer: true });
  let disposable: { dispose(): void | Promise<void> } | undefined;

  /** Everything graphql-ws would execute, or why this subscribe is refused. */
  const admit = async (payload: SubscribePayload): Promise<ExecutionArgs | GraphQLError[]> => {
    const admission = admitGatewaySubscribe(
      options.gatewaySignature,
      payload,
      headersOf(payload.extensions?.['headers']),
    );
    if (!admission.ok) return [refusalError(admission)];
    const document = documentOf(payload.query);
    if (!('kind' in document)) return [...document];
    const operation = getOperationAST(document, payload.operationName);
    if (!operation)
      return [
        new GraphQLError('the document names no such operation, or several', {
          extensions: { code: ErrorCode.OperationResolutionFailure },
        }),
      ];
    const denial = access.denial(schema, document, operation, admission.caller);
    if (denial !== undefined) return [accessDenialError(denial)];
    return {
      schema,
      document,
      operationName: payload.operationName ?? null,
      variableValues: payload.variables ?? null,
      contextValue: await options.context(admission.caller),
    };
  };

  const onUpgrade = upgradesAt(path, (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
  );

  return {
    name: 'graphql-ws',
    clientCount: () => wss.clients.size,
    start() {
      disposable = useServer<Record<string, unknown>>(
        {
          schema,
          onConnect: (ctx) =>
            admitGatewayConnection(
              options.gatewaySignature,
              headersOf(ctx.connectionParams?.['headers']),
            ),
          onSubscribe: (_ctx, _id, payload) => admit(payload),
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
