// Requests/s of GraphQL queries through the gateway, measured from this process against the
// profile, activity and config subgraphs and the gateway run as their own processes (the real
// mains) on free ports, with a Redis key prefix of their own.
//
//   npm run bench:gateway -- [--duration 10] [--connections 32]
//
// Needs Kafka, Redis and PostgreSQL (`npm run infra`, or already running).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { generateEs256KeyPair, mintToken } from '../gateway/auth/dev-keys.ts';
import { SCOPES } from '../gateway/auth/identity.ts';
import { loadServiceConfig } from '../config/client/load.ts';
import { signGatewayRequest } from '../lib/graphql/gateway-signature.ts';
import { IDENTITY_HEADERS, identityHeaders } from '../lib/graphql/identity-headers.ts';
import { createProfileStore } from '../lib/profile-store.ts';
import { profileConfigSchema } from '../subgraphs/profile/config.ts';
import { emptyStoredProfile } from '../processor/apply-event.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import { freePort, spawnService, type ChildService } from '../test/support/child-service.ts';
import { infraSettings } from '../test/support/infra-settings.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
  },
});
const DURATION_MS = Number(values.duration) * 1_000;
const CONNECTIONS = Number(values.connections);
const WARMUP_MS = 5_000; // JIT, query plan and document caches warm; 5 seconds

const QUERIES = {
  // The gateway's own pipeline (auth, limits, scopes, formatting) without a subgraph fetch.
  '__typename only': 'query T { __typename }',
  profile:
    'query Profile($id: ID!) { profile(id: $id) { id eventCount lastSeenAt device { type } } }',
  'profile + activities (2 subgraphs)':
    'query ProfileActivity($id: ID!) { profile(id: $id) { id eventCount activities(first: 5) { edges { node { name } } } } }',
};

interface Result {
  requests: number;
  failures: number;
  latenciesMs: number[];
}

/** `connections` loops sending the same request back to back for `ms`, on keep-alive sockets. */
async function load(
  pool: Pool,
  body: string,
  headers: Record<string, string>,
  ms: number,
): Promise<Result> {
  const result: Result = { requests: 0, failures: 0, latenciesMs: [] };
  const deadline = Date.now() + ms;
  const worker = async () => {
    while (Date.now() < deadline) {
      const started = performance.now();
      const answer = await pool.request({
        path: '/graphql',
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      const text = await answer.body.text();
      result.latenciesMs.push(performance.now() - started);
      result.requests += 1;
      if (answer.statusCode !== 200 || text.includes('"errors"')) result.failures += 1;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return result;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

const infra = infraSettings();
const prefix = `bench-${randomBytes(3).toString('hex')}:`;
const keys = await generateEs256KeyPair();
const children: ChildService[] = [];
const redis = new Redis(infra.redisUrl);
try {
  const common = {
    KAFKA_BROKERS: infra.kafkaBrokers,
    REDIS_URL: infra.redisUrl,
    DATABASE_URL: infra.databaseUrl,
    REDIS_KEY_PREFIX: prefix,
    LOG_LEVEL: 'warn',
  };
  const ports = { profile: await freePort(), activity: await freePort(), config: await freePort() };
  for (const [name, port] of Object.entries(ports))
    children.push(await spawnService(`subgraphs/${name}/main.ts`, port, common));
  const gatewayPort = await freePort();
  children.push(
    await spawnService('gateway/main.ts', gatewayPort, {
      ...common,
      SUBGRAPHS_PROFILE: `http://127.0.0.1:${ports.profile}/graphql`,
      SUBGRAPHS_ACTIVITY: `http://127.0.0.1:${ports.activity}/graphql`,
      SUBGRAPHS_CONFIG: `http://127.0.0.1:${ports.config}/graphql`,
      AUTH_PUBLIC_KEY: keys.publicKey,
      AUTH_PUBLIC_KEY_FILE: '',
    }),
  );

  const id = 'bench-user';
  const stored = emptyStoredProfile(id);
  stored.profile = {
    ...stored.profile,
    userId: id,
    eventCount: 42,
    version: 42,
    lastSeenAt: new Date().toISOString(),
    device: { type: 'desktop', os: 'Linux', browser: 'Firefox' },
  };
  await createProfileStore(redis, redisLayout(prefix)).writeMany([
    {
      expectedVersion: 0,
      next: stored,
      message: { id, version: 42, changed: ['eventCount'], segments: { entered: [], left: [] } },
    },
  ]);
  const token = await mintToken(keys.privateKey, {
    subject: 'bench',
    scopes: SCOPES,
    expiresInSeconds: 3_600,
    issuer: 'pulsehub-dev',
    audience: 'pulsehub',
  });

  const report = (name: string, result: Result) => {
    const sorted = result.latenciesMs.sort((a, b) => a - b);
    console.log(
      `${name}: ${Math.round(result.requests / (DURATION_MS / 1_000))} requests/s, ` +
        `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, ` +
        `${result.failures} failed of ${result.requests}`,
    );
  };
  const pool = new Pool(`http://127.0.0.1:${gatewayPort}`, { connections: CONNECTIONS });
  console.log(
    `gateway ${gatewayPort}: ${CONNECTIONS} connections, ${DURATION_MS / 1_000} s per query after ${WARMUP_MS / 1_000} s warm-up`,
  );
  for (const [name, query] of Object.entries(QUERIES)) {
    const body = JSON.stringify({ query, variables: { id } });
    const headers = { authorization: `Bearer ${token}` };
    await load(pool, body, headers, WARMUP_MS);
    report(`gateway, ${name}`, await load(pool, body, headers, DURATION_MS));
  }
  await pool.close();

  // The same profile query straight to the Profile subgraph (signed as the gateway signs it):
  // what the gateway adds on top of the subgraph's own cost.
  const { gatewaySignature } = await loadServiceConfig('profile', profileConfigSchema, {
    env: {},
    profiles: [],
  });
  const direct = new Pool(`http://127.0.0.1:${ports.profile}`, { connections: CONNECTIONS });
  const body = JSON.stringify({ query: QUERIES.profile, variables: { id } });
  const identity = identityHeaders({ subject: 'bench', scopes: new Set<string>(SCOPES) });
  const signed = () => ({
    ...identity,
    [IDENTITY_HEADERS.signature]: signGatewayRequest(gatewaySignature.secret, {
      subject: identity[IDENTITY_HEADERS.subject] ?? '',
      scopes: identity[IDENTITY_HEADERS.scopes] ?? '',
      body,
    }),
  });
  await load(direct, body, signed(), WARMUP_MS);
  report('profile subgraph directly, profile', await load(direct, body, signed(), DURATION_MS));
  await direct.close();
} finally {
  await redis.del(redisLayout(prefix).profile('bench-user'));
  redis.disconnect();
  for (const child of children.reverse()) await child.stop();
}
