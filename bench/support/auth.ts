import { randomBytes } from 'node:crypto';
import { generateEs256KeyPair, mintToken } from '../../gateway/auth/dev-keys.ts';
import { SCOPES } from '../../gateway/auth/identity.ts';
import { signGatewayRequest } from '../../lib/graphql/gateway-signature.ts';
import { IDENTITY_HEADERS, identityHeaders } from '../../lib/graphql/identity-headers.ts';

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

/** The caller every benchmark request is made as: every scope, like the development admin. */
const BENCH_CALLER = { subject: 'bench', scopes: new Set<string>(SCOPES) };

/**
 * The secret the gateway and subgraphs share in a benchmark run. Set once in the environment
 * so that every process of the run (services, baselines, load generators) inherits it.
 */
function gatewaySecret(): string {
  process.env['GATEWAY_SIGNATURE_SECRET'] ??= randomBytes(32).toString('hex');
  return process.env['GATEWAY_SIGNATURE_SECRET'];
}

export async function benchAuth(): Promise<BenchAuth> {
  // A key pair of the run's own: the gateway trusts it, the benchmark signs its token with it.
  const keys = await generateEs256KeyPair();
  const token = await mintToken(keys.privateKey, {
    subject: BENCH_CALLER.subject,
    scopes: [...BENCH_CALLER.scopes],
    expiresInSeconds: 3_600, // 1 hour, longer than any run
    issuer: 'pulsehub-dev',
    audience: 'pulsehub',
  });
  return {
    ingestHeaders: {
      authorization: `Basic ${Buffer.from(`${BENCH_WRITE_KEY}:`).toString('base64')}`,
    },
    gatewayHeaders: { authorization: `Bearer ${token}` },
    connectionParams: { authorization: `Bearer ${token}` },
    serviceEnv: {
      INGEST_WRITE_KEYS: BENCH_WRITE_KEY,
      // The load comes from this one write key, far above a per-key policy: the benchmark
      // measures capacity, so its key's rate limit is lifted (the limiter still runs).
      INGEST_RATE_LIMIT_EVENTS_PER_SECOND: '10000000', // events per second
      INGEST_RATE_LIMIT_BURST: '10000000', // events
      AUTH_PUBLIC_KEY: keys.publicKey,
      AUTH_PUBLIC_KEY_FILE: '',
      GATEWAY_SIGNATURE_SECRET: gatewaySecret(),
    },
  };
}

/**
 * The headers a POST straight to a subgraph needs, for its exact body and URL: what the ceiling
 * load and the baseline gateways (Hive, stock Apollo) add to every subgraph request, as
 * PulseHub's gateway does (the caller's identity, signed with the shared secret). Callable in
 * any process of the run: the secret comes from the inherited environment.
 */
export function subgraphRequestSigner():
  ((body: string, url: string | URL) => Record<string, string>) | undefined {
  const secret = gatewaySecret();
  const identity = identityHeaders(BENCH_CALLER);
  const subject = identity[IDENTITY_HEADERS.subject] ?? '';
  const scopes = identity[IDENTITY_HEADERS.scopes] ?? '';
  return (body, url) => {
    const { pathname, search } = new URL(url);
    return {
      ...identity,
      [IDENTITY_HEADERS.signature]: signGatewayRequest(secret, {
        method: 'POST',
        target: `${pathname}${search}`,
        subject,
        scopes,
        body,
      }),
    };
  };
}
