// Baseline server (its own process): Hive Gateway's runtime, the engine of the `hive-gateway`
// CLI, with its defaults, serving the given supergraph on a node:http server.
// Usage: hive-gateway.ts <supergraph file> <port> [<subgraph headers as JSON>]
import { readFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';

/** The part of Hive Gateway's runtime this server uses. */
interface HiveRuntime {
  createGatewayRuntime(options: Record<string, unknown>): RequestListener;
}
interface FetchHookPayload {
  options: { body?: unknown; headers?: Record<string, string> };
  setOptions(options: FetchHookPayload['options']): void;
}

// Imported by a name TypeScript does not resolve: the runtime's type declarations augment
// graphql's GraphQLError extensions globally (graphql-yoga's), which would change how the rest
// of the project type-checks.
const HIVE_RUNTIME: string = '@graphql-hive/gateway-runtime';
const { createGatewayRuntime } = (await import(HIVE_RUNTIME)) as HiveRuntime;

const [supergraphPath, port, headersJson] = process.argv.slice(2);
if (supergraphPath === undefined || port === undefined)
  throw new Error('usage: hive-gateway.ts <supergraph file> <port> [<subgraph headers JSON>]');
const subgraphHeaders = JSON.parse(headersJson ?? '{}') as Record<string, string>;

/** Adds fixed headers to every subgraph request (only when the subgraphs require some). */
const withSubgraphHeaders = {
  onFetch({ options, setOptions }: FetchHookPayload) {
    setOptions({ ...options, headers: { ...options.headers, ...subgraphHeaders } });
  },
};

const gateway = createGatewayRuntime({
  supergraph: readFileSync(supergraphPath, 'utf8'),
  logging: false,
  ...(Object.keys(subgraphHeaders).length > 0 ? { plugins: () => [withSubgraphHeaders] } : {}),
});
createServer(gateway).listen(Number(port), '127.0.0.1');
