/**
 * How the benchmark authenticates, in one place: every scenario and load generator takes its
 * credentials from here, so a change in PulseHub's security model changes one file.
 */
export interface BenchAuth {
  /** Headers of a Segment ingest request (`POST /v1/*`): the write key as HTTP Basic user. */
  ingestHeaders: Record<string, string>;
  /** Headers of a GraphQL request to a gateway. */
  gatewayHeaders: Record<string, string>;
  /** graphql-ws `connection_init` payload for a gateway subscription. */
  connectionParams: Record<string, unknown>;
  /** Headers of a request sent straight to a subgraph (the ceiling), and by baseline gateways. */
  subgraphHeaders: Record<string, string>;
  /** Environment for the PulseHub services that makes these credentials valid. */
  serviceEnv: Record<string, string>;
}

/** The development write key every configuration accepts (config/gateway.yml). */
export const BENCH_WRITE_KEY = 'dev-write-key';

export function benchAuth(): BenchAuth {
  return {
    ingestHeaders: {
      authorization: `Basic ${Buffer.from(`${BENCH_WRITE_KEY}:`).toString('base64')}`,
    },
    gatewayHeaders: {},
    connectionParams: {},
    subgraphHeaders: {},
    serviceEnv: { INGEST_WRITE_KEYS: BENCH_WRITE_KEY },
  };
}
