// Baseline server (its own process): a stock @apollo/server + @apollo/gateway with default
// settings (startStandaloneServer, supergraphSdl), serving the given supergraph.
// Usage: apollo-gateway.ts <supergraph file> <port> [<subgraph headers as JSON>]
import { readFileSync } from 'node:fs';
import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const [supergraphPath, port, headersJson] = process.argv.slice(2);
if (supergraphPath === undefined || port === undefined)
  throw new Error('usage: apollo-gateway.ts <supergraph file> <port> [<subgraph headers JSON>]');
const subgraphHeaders = JSON.parse(headersJson ?? '{}') as Record<string, string>;

/** Adds fixed headers to every subgraph request (only when the subgraphs require some). */
class HeaderDataSource extends RemoteGraphQLDataSource {
  override willSendRequest({ request }: GraphQLDataSourceProcessOptions) {
    for (const [name, value] of Object.entries(subgraphHeaders))
      request.http?.headers.set(name, value);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(supergraphPath, 'utf8'),
  ...(Object.keys(subgraphHeaders).length > 0
    ? { buildService: ({ url }) => new HeaderDataSource(url === undefined ? {} : { url }) }
    : {}),
});
await startStandaloneServer(new ApolloServer({ gateway }), {
  listen: { port: Number(port), host: '127.0.0.1' },
});
