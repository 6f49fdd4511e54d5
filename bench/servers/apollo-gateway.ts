// Baseline server (its own process): a stock @apollo/server + @apollo/gateway with default
// settings (startStandaloneServer, supergraphSdl), serving the given supergraph.
// Usage: apollo-gateway.ts <supergraph file> <port>
import { readFileSync } from 'node:fs';
import { supergraphForGateway } from '../../gateway/auth/supergraph-security.ts';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { subgraphRequestSigner } from '../support/auth.ts';

const [supergraphPath, port] = process.argv.slice(2);
if (supergraphPath === undefined || port === undefined)
  throw new Error('usage: apollo-gateway.ts <supergraph file> <port>');
const sign = subgraphRequestSigner();

/** The default data source, its default fetcher signing every request (only where required). */
function signingDataSource(
  url: string | undefined,
  signer: (body: string, url: string) => Record<string, string>,
): RemoteGraphQLDataSource {
  const source = new RemoteGraphQLDataSource(url === undefined ? {} : { url });
  const fetcher = source.fetcher;
  source.fetcher = (target, init) =>
    fetcher(target, {
      ...init,
      headers: {
        ...init?.headers,
        ...signer(typeof init?.body === 'string' ? init.body : '', target),
      },
    });
  return source;
}

const gateway = new ApolloGateway({
  // PulseHub's supergraph links @requiresScopes for security, which a stock gateway refuses to
  // load; stripped the same way PulseHub's gateway does (scopes are not the baseline's job).
  supergraphSdl: supergraphForGateway(readFileSync(supergraphPath, 'utf8')),
  ...(sign ? { buildService: ({ url }) => signingDataSource(url, sign) } : {}),
});
await startStandaloneServer(new ApolloServer({ gateway }), {
  listen: { port: Number(port), host: '127.0.0.1' },
});
