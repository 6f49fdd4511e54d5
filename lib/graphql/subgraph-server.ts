import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';

export type { GraphQLResolverMap };
import type { DocumentNode } from 'graphql';

/** An Apollo Server for one federated subgraph. Call `start()` before serving. */
export function createSubgraphServer<Context extends BaseContext>(
  typeDefs: DocumentNode,
  resolvers: GraphQLResolverMap<Context>,
): ApolloServer<Context> {
  return new ApolloServer<Context>({
    schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
    // Inline traces feed Apollo's hosted usage reporting, which PulseHub does not use.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    // The gateway passes subgraph error extensions on; stack traces stay in the logs.
    includeStacktraceInErrorResponses: false,
    // The service's own lifecycle handles signals and stops Apollo in order.
    stopOnTerminationSignals: false,
  });
}
