// Baseline server (its own process): Hive Gateway's runtime, the engine of the `hive-gateway`
// CLI, with its defaults, serving the given supergraph on a node:http server.
// Usage: hive-gateway.ts <supergraph file> <port> [<subgraph headers as JSON>]
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway-runtime';

const [supergraphPath, port, headersJson] = process.argv.slice(2);
if (supergraphPath === undefined || port === undefined)
  throw new Error('usage: hive-gateway.ts <supergraph file> <port> [<subgraph headers JSON>]');
const subgraphHeaders = JSON.parse(headersJson ?? '{}') as Record<string, string>;

/** Adds fixed headers to every subgraph request (only when the subgraphs require some). */
const withSubgraphHeaders: GatewayPlugin = {
  onFetch({ options, setOptions }) {
    setOptions({ ...options, headers: { ...options.headers, ...subgraphHeaders } });
  },
};

const gateway = createGatewayRuntime({
  supergraph: readFileSync(supergraphPath, 'utf8'),
  logging: false,
  ...(Object.keys(subgraphHeaders).length > 0 ? { plugins: () => [withSubgraphHeaders] } : {}),
});
createServer(gateway).listen(Number(port), '127.0.0.1');
