// Baseline server (its own process): Hive Gateway's runtime, the engine of the `hive-gateway`
// CLI, with its defaults, serving the given supergraph on a node:http server.
// Usage: hive-gateway.ts <supergraph file> <port>
import { readFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import { subgraphRequestSigner } from '../support/auth.ts';

/** The part of Hive Gateway's runtime this server uses. */
interface HiveRuntime {
  createGatewayRuntime(options: Record<string, unknown>): RequestListener;
}
interface FetchHookPayload {
  url: string;
  options: { body?: unknown; headers?: Record<string, string> };
  setOptions(options: FetchHookPayload['options']): void;
}

// Imported by a name TypeScript does not resolve: the runtime's type declarations augment
// graphql's GraphQLError extensions globally (graphql-yoga's), which would change how the rest
// of the project type-checks.
const HIVE_RUNTIME: string = '@graphql-hive/gateway-runtime';
const { createGatewayRuntime } = (await import(HIVE_RUNTIME)) as HiveRuntime;

const [supergraphPath, port] = process.argv.slice(2);
if (supergraphPath === undefined || port === undefined)
  throw new Error('usage: hive-gateway.ts <supergraph file> <port>');
const sign = subgraphRequestSigner();

/** Signs every subgraph request as PulseHub's gateway does (only where subgraphs require it). */
const signingPlugin = (signer: (body: string, url: string) => Record<string, string>) => ({
  onFetch({ url, options, setOptions }: FetchHookPayload) {
    const body = typeof options.body === 'string' ? options.body : '';
    setOptions({ ...options, headers: { ...options.headers, ...signer(body, url) } });
  },
});

const gateway = createGatewayRuntime({
  supergraph: readFileSync(supergraphPath, 'utf8'),
  logging: false,
  ...(sign ? { plugins: () => [signingPlugin(sign)] } : {}),
});
createServer(gateway).listen(Number(port), '127.0.0.1');
