/**
 * How the benchmark authenticates, in one place: every scenario, load generator and baseline
 * gateway takes its credentials from here, so a change in PulseHub's security model changes
 * this file only.
 */
export interface BenchAuth {
  /** Headers of a Segment ingest request (`POST /v1/*`): the write key as HTTP Basic user. */
  ingestHeaders: Record<string, string>;
  /** Headers of a GraphQL request to PulseHub's gateway. */
  gatewayHeaders: Record<string, string>;
  /** graphql-ws `connection_init` payload for a subscription through PulseHub's gateway. */
  connectionParams: Record<string, unknown>;
  /** Environment for the PulseHub services that makes these credentials valid. */
  serviceEnv: Record<string, string>;
}

/** The development write key every configuration accepts (config/gateway.yml). */
export const BENCH_WRITE_KEY = 'dev-write-key';

export async function benchAuth(): Promise<BenchAuth> {
  return {
    ingestHeaders: {
      authorization: `Basic ${Buffer.from(`${BENCH_WRITE_KEY}:`).toString('base64')}`,
    },
    gatewayHeaders: {},
    connectionParams: {},
    serviceEnv: { INGEST_WRITE_KEYS: BENCH_WRITE_KEY },
  };
}

/**
 * The headers a request straight to a subgraph needs, for its exact body: what the ceiling
 * load and the baseline gateways (Hive, stock Apollo) add to every subgraph request, as
 * PulseHub's gateway does. Undefined while the subgraphs accept any request, so that the
 * baselines then run exactly as shipped. Callable in any process (load generators and
 * baseline servers run in their own).
 */
export function subgraphRequestSigner(): ((body: string) => Record<string, string>) | undefined {
  return undefined;
}
