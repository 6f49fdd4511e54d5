import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';
import { createSubgraphAccess, subgraphAccessPlugin } from './subgraph-access.ts';

export type { GraphQLResolverMap };

/**
 * An Apollo Server for one federated subgraph. Call `start()` before serving. It enforces its
 * own SDL's `@authenticated` / `@requiresScopes` on the caller bound to each request's context
 * (subgraph-service.ts binds the one the gateway signed).
 */
export function createSubgraphServer<Context extends BaseContext>(
  typeDefs: DocumentNode,
  resolvers: GraphQLResolverMap<Context>,
): ApolloServer<Context> {
  return new ApolloServer<Context>({
    schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
    plugins: [
      subgraphAccessPlugin<Context>(createSubgraphAccess(typeDefs)),
      // Inline traces feed Apollo's hosted usage reporting, which PulseHub does not use.
      ApolloServerPluginInlineTraceDisabled(),
    ],
    // The gateway passes subgraph error extensions on; stack traces stay in the logs.
    includeStacktraceInErrorResponses: false,
    // The service's own lifecycle handles signals and stops Apollo in order.
    stopOnTerminationSignals: false,
  });
}
