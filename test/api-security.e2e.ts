import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../config/client/load.ts';
import { generateEs256KeyPair, mintToken } from '../gateway/auth/dev-keys.ts';
import { signGatewayRequest } from '../lib/graphql/gateway-signature.ts';
import { IDENTITY_HEADERS } from '../lib/graphql/identity-headers.ts';
import { profileConfigSchema } from '../subgraphs/profile/config.ts';
import { TEST_TOKEN_CLAIMS, bearer } from './support/auth.ts';
import { errorCode, post, type RawAnswer } from './support/gateway-requests.ts';
import { freePort } from './support/child-service.ts';
import { safeProductionEnv } from './support/production.ts';
import { useSystem } from './support/use-system.ts';

const PROFILE = '{ profile(id: "u1") { id } }';
const LIMITS = { maxDepth: 6, maxAliases: 10, maxTokens: 300, maxCost: 1_000, maxBodyBytes: 8_192 };

/**
 * Bad inputs through the gateway and around it: each gets its documented status and error
 * code, none a 500, and every service keeps serving afterwards.
 */
describe('API security and limits', () => {
  const { system } = useSystem({ system: { gateway: { limits: LIMITS } } });
  let admin: Record<string, string>;
  const statuses: number[] = [];
  const bodies: string[] = [];

  /** POSTs to the gateway and records the status for the "no 500" check. */
  async function call(
    body: unknown,
    headers: Record<string, string> = admin,
    url = system().graphqlUrl,
  ): Promise<RawAnswer> {
    const answer = await post(url, body, headers);
    statuses.push(answer.status);
    bodies.push(JSON.stringify(answer.body));
    return answer;
  }

  beforeAll(async () => {
    admin = bearer(system().adminToken);
  });

  describe('malformed requests', () => {
    it('malformed JSON gets 400 BAD_REQUEST', async () => {
      const answer = await call('{"query": "{ __typename }"');
      expect([answer.status, errorCode(answer)]).toEqual([400, 'BAD_REQUEST']);
    });

    it('a body without a query gets 400 BAD_REQUEST', async () => {
      const answer = await call({ variables: {} });
      expect([answer.status, errorCode(answer)]).toEqual([400, 'BAD_REQUEST']);
    });

    it('a syntax error gets 400 GRAPHQL_PARSE_FAILED', async () => {
      const answer = await call({ query: '{ profile(id: "u1") { id }' });
      expect([answer.status, errorCode(answer)]).toEqual([400, 'GRAPHQL_PARSE_FAILED']);
    });

    it('an unknown field or a wrong argument gets 400 GRAPHQL_VALIDATION_FAILED', async () => {
      for (const query of ['{ profile(id: "u1") { password } }', '{ profile { id } }']) {
        const answer = await call({ query });
        expect([answer.status, errorCode(answer)]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
      }
    });

    it('a wrongly typed variable gets 400 BAD_USER_INPUT', async () => {
      const answer = await call({
        query: 'query ($id: ID!) { profile(id: $id) { id } }',
        variables: { id: { no: 1 } },
      });
      expect([answer.status, errorCode(answer)]).toEqual([400, 'BAD_USER_INPUT']);
    });

    it('an argument a subgraph refuses keeps its BAD_USER_INPUT code through the gateway', async () => {
      const answer = await call({ query: '{ activities(first: 0) { edges { cursor } } }' });
      expect([answer.status, errorCode(answer), answer.body.data]).toEqual([
        200,
        'BAD_USER_INPUT',
        null,
      ]);
      expect(answer.body.errors?.[0]?.message).toBe('first must be between 1 and 100');
    });

    it('an unknown operationName gets 400 OPERATION_RESOLUTION_FAILURE', async () => {
      const answer = await call({ query: 'query A { __typename }', operationName: 'B' });
      expect([answer.status, errorCode(answer)]).toEqual([400, 'OPERATION_RESOLUTION_FAILURE']);
    });

    it('a persisted-query hash gets PERSISTED_QUERY_NOT_SUPPORTED', async () => {
      const answer = await call({
        extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
      });
      // 200 as the APQ protocol wants it: clients then fall back to sending the full query.
      expect([answer.status, errorCode(answer)]).toEqual([200, 'PERSISTED_QUERY_NOT_SUPPORTED']);
    });

    it('a body over limits.maxBodyBytes gets 413 PAYLOAD_TOO_LARGE', async () => {
      const answer = await call({ query: `{ __typename } # ${'x'.repeat(LIMITS.maxBodyBytes)}` });
      expect([answer.status, errorCode(answer)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    });

    it('CSRF prevention refuses simple requests: GET without a preflight header, text/plain POST', async () => {
      const get = await fetch(
        `${system().graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`,
        { headers: admin },
      );
      statuses.push(get.status);
      expect(get.status).toBe(400);
      expect(
        ((await get.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]
          ?.extensions.code,
      ).toBe('BAD_REQUEST');
      const plain = await call('{"query":"{ __typename }"}', {
        ...admin,
        'content-type': 'text/plain',
      });
      expect([plain.status, errorCode(plain)]).toEqual([400, 'BAD_REQUEST']);
      const preflighted = await fetch(
        `${system().graphqlUrl}?query=${encodeURIComponent(PROFILE)}`,
        {
          headers: { ...admin, 'apollo-require-preflight': 'true' },
        },
      );
      expect(preflighted.status).toBe(200);
    });
  });

  describe('query limits (QUERY_TOO_COMPLEX, 400)', () => {
    const expectTooComplex = async (body: unknown, limit: string) => {
      const answer = await call(body);
      expect([answer.status, errorCode(answer)]).toEqual([400, 'QUERY_TOO_COMPLEX']);
      expect(answer.body.errors?.[0]?.extensions?.['limit']).toBe(limit);
      expect(answer.body.data).toBeUndefined();
    };

    it('refuses over-deep queries and serves those at the limit', async () => {
      const atLimit = '{ profile(id: "u1") { activities { edges { node { id } } } } }'; // depth 5
      expect((await call({ query: atLimit })).status).toBe(200);
      await expectTooComplex(
        {
          query:
            '{ segment(name: "s") { members { edges { node { activities { edges { node { id } } } } } } } }',
        },
        'depth',
      );
    });

    it('refuses alias bombs, also when fragments multiply them', async () => {
      const aliases = Array.from({ length: 11 }, (_, i) => `a${i}: __typename`).join(' ');
      await expectTooComplex({ query: `{ ${aliases} }` }, 'aliases');
      await expectTooComplex(
        {
          query:
            'query { ...F ...F } fragment F on Query { a: __typename b: __typename c: __typename d: __typename e: __typename f: __typename }',
        },
        'aliases',
      );
    });

    it('refuses documents with too many tokens before parsing them', async () => {
      await expectTooComplex({ query: `{ ${'__typename '.repeat(350)}}` }, 'tokens');
    });

    it('refuses operations whose estimated cost is too high, variables included', async () => {
      const query =
        'query ($n: Int) { profile(id: "u1") { activities(first: $n) { edges { node { id name } } } } }';
      expect((await call({ query, variables: { n: 5 } })).status).toBe(200);
      await expectTooComplex(
        {
          query:
            'query ($ids: [ID!]!) { profiles(ids: $ids) { activities(first: 100) { edges { node { id } } } } }',
          variables: { ids: Array.from({ length: 50 }, (_, i) => `p${i}`) },
        },
        'cost',
      );
    });
  });

  describe('authentication (401 UNAUTHENTICATED) and authorization (403 FORBIDDEN)', () => {
    it('lets anonymous callers do only what needs no token', async () => {
      const open = await call({ query: '{ __typename }' }, {});
      expect([open.status, open.body]).toEqual([200, { data: { __typename: 'Query' } }]);
      const closed = await call({ query: PROFILE }, {});
      expect([closed.status, errorCode(closed)]).toEqual([401, 'UNAUTHENTICATED']);
      expect(closed.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const viewer = await call({ query: '{ viewer { subject } }' }, {});
      expect([viewer.status, errorCode(viewer)]).toEqual([401, 'UNAUTHENTICATED']);
    });

    it('refuses expired, forged, unsigned, HS256 and malformed tokens, whatever they ask', async () => {
      const other = await generateEs256KeyPair();
      const claims = {
        subject: 'mallory',
        scopes: ['profiles:read'],
        expiresInSeconds: 600,
        ...TEST_TOKEN_CLAIMS,
      };
      const hs256 = await new SignJWT({ scope: 'profiles:read' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('mallory')
        .setExpirationTime('10m')
        .setIssuer(TEST_TOKEN_CLAIMS.issuer)
        .setAudience(TEST_TOKEN_CLAIMS.audience)
        .sign(new TextEncoder().encode('x'.repeat(32)));
      const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'mallory', scope: 'profiles:read', exp: 9_999_999_999 })).toString('base64url')}.`;
      const tokens = {
        expired: await system().auth.token(['profiles:read'], { expiresInSeconds: -60 }),
        forged: await mintToken(other.privateKey, claims),
        foreignAudience: await mintToken(system().auth.keys.privateKey, {
          ...claims,
          audience: 'another-api',
        }),
        hs256,
        unsigned,
        garbage: 'abc.def.ghi',
      };
      for (const [kind, token] of Object.entries(tokens)) {
        for (const query of [PROFILE, '{ __typename }']) {
          const answer = await call({ query }, bearer(token));
          expect([kind, answer.status, errorCode(answer)]).toEqual([kind, 401, 'UNAUTHENTICATED']);
          expect(answer.headers.get('www-authenticate')).toContain('invalid_token');
        }
      }
      const expired = await call({ query: PROFILE }, bearer(tokens.expired));
      expect(expired.body.errors?.[0]?.message).toContain('expired');
    });

    it('keeps Segment write keys and user tokens apart', async () => {
      const writeKey = await call(
        { query: PROFILE },
        { authorization: `Basic ${Buffer.from('dev-write-key:').toString('base64')}` },
      );
      expect([writeKey.status, errorCode(writeKey)]).toEqual([401, 'UNAUTHENTICATED']);
      const ingest = await fetch(`${system().gatewayUrl}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...admin },
        body: JSON.stringify({ userId: 'u1', event: 'x' }),
      });
      expect(ingest.status).toBe(401);
    });

    it('answers 403 FORBIDDEN when the token lacks a scope, naming what is missing', async () => {
      const activitiesOnly = bearer(await system().auth.token(['activities:read']));
      const profileOnly = bearer(await system().auth.token(['profiles:read']));
      const noScopes = bearer(await system().auth.token([]));
      const cases: Array<[Record<string, string>, string, string]> = [
        [activitiesOnly, PROFILE, 'Query.profile needs profiles:read'],
        [
          profileOnly,
          '{ profile(id: "u1") { activities { edges { cursor } } } }',
          'Profile.activities needs activities:read',
        ],
        [
          profileOnly,
          '{ eventVolume(interval: DAY, from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z") { count } }',
          'Query.eventVolume needs activities:read',
        ],
        [noScopes, '{ config(application: "gateway") { name } }', 'Query.config needs config:read'],
        // Fragments do not hide a field from the check.
        [
          activitiesOnly,
          'query { ...Q } fragment Q on Query { ... on Query { segment(name: "s") { size } } }',
          'Query.segment needs profiles:read',
        ],
      ];
      for (const [headers, query, message] of cases) {
        const answer = await call({ query }, headers);
        expect([query, answer.status, errorCode(answer)]).toEqual([query, 403, 'FORBIDDEN']);
        expect(answer.body.errors?.[0]?.message).toContain(message);
        expect(answer.body.data).toBeUndefined();
      }
      const both = bearer(await system().auth.token(['profiles:read', 'activities:read']));
      expect(
        (await call({ query: '{ profile(id: "u1") { activities { edges { cursor } } } }' }, both))
          .status,
      ).toBe(200);
      const viewer = await call({ query: '{ viewer { subject scopes } }' }, noScopes);
      expect(viewer.body).toEqual({ data: { viewer: { subject: 'test-admin', scopes: [] } } });
    });
  });

  describe('subgraphs cannot be called around the gateway', () => {
    const profileUrl = () =>
      `http://127.0.0.1:${system().services['profile']!.http.port()}/graphql`;
    const body = JSON.stringify({ query: '{ viewer { subject scopes } }' });
    const graphqlPost = { method: 'POST', target: '/graphql' };

    it('listen on loopback by default', async () => {
      const config = await loadServiceConfig('profile', profileConfigSchema, {
        env: {},
        profiles: [],
      });
      expect(config.http.host).toBe('127.0.0.1');
    });

    it('refuse an unsigned request with 401 and a wrongly signed one with 403', async () => {
      const unsigned = await call(body, {}, profileUrl());
      expect([unsigned.status, errorCode(unsigned)]).toEqual([401, 'UNAUTHENTICATED']);
      const identity = {
        [IDENTITY_HEADERS.subject]: 'mallory',
        [IDENTITY_HEADERS.scopes]: 'profiles:read profiles:delete',
      };
      const wrongSecret = signGatewayRequest('not-the-gateway-secret-but-long-enough', {
        ...graphqlPost,
        subject: 'mallory',
        scopes: 'profiles:read profiles:delete',
        body,
      });
      const forged = await call(
        body,
        { ...identity, [IDENTITY_HEADERS.signature]: wrongSecret },
        profileUrl(),
      );
      expect([forged.status, errorCode(forged)]).toEqual([403, 'FORBIDDEN']);
      // A signature the gateway made for another identity does not carry over.
      const secret = (
        await loadServiceConfig('profile', profileConfigSchema, { env: {}, profiles: [] })
      ).gatewaySignature.secret;
      const replayed = signGatewayRequest(secret, {
        ...graphqlPost,
        subject: 'alice',
        scopes: '',
        body,
      });
      const edited = await call(
        body,
        { ...identity, [IDENTITY_HEADERS.signature]: replayed },
        profileUrl(),
      );
      expect([edited.status, errorCode(edited)]).toEqual([403, 'FORBIDDEN']);
      const signed = await call(
        body,
        {
          ...identity,
          [IDENTITY_HEADERS.signature]: signGatewayRequest(secret, {
            ...graphqlPost,
            subject: 'mallory',
            scopes: 'profiles:read profiles:delete',
            body,
          }),
        },
        profileUrl(),
      );
      expect(signed.body).toEqual({
        data: { viewer: { subject: 'mallory', scopes: ['profiles:delete', 'profiles:read'] } },
      });
    });
  });

  describe('the production profile', () => {
    let production: string;
    beforeAll(async () => {
      const closedPort = await freePort();
      const gateway = await system().startGateway({
        profiles: ['production'],
        overrides: {
          // A secret the subgraphs do not share (they refuse the gateway: an internal error),
          // and an Activity subgraph that is down.
          gatewaySignature: { secret: 'a-production-secret-the-subgraphs-do-not-know' },
          subgraphs: { activity: `http://127.0.0.1:${closedPort}/graphql` },
        },
      });
      production = `${gateway.url}/graphql`;
    });

    it('turns introspection off', async () => {
      const answer = await call({ query: '{ __schema { types { name } } }' }, admin, production);
      expect([answer.status, errorCode(answer)]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
    });

    it('masks unexpected errors and never sends stack traces or subgraph details', async () => {
      const down = await call({ query: '{ activities { edges { cursor } } }' }, admin, production);
      const refused = await call({ query: PROFILE }, admin, production);
      expect([down.status, refused.status]).toEqual([200, 200]);
      expect(down.body.errors?.map((e) => [e.message, e.extensions])).toEqual([
        ['service unavailable, retry later', { code: 'SERVICE_UNAVAILABLE' }],
      ]);
      expect(refused.body.errors?.map((e) => [e.message, e.extensions])).toEqual([
        ['internal server error', { code: 'INTERNAL_SERVER_ERROR' }],
      ]);
      for (const answer of [down, refused])
        expect(JSON.stringify(answer.body)).not.toMatch(
          /stack|ECONNREFUSED|127\.0\.0\.1|serviceName|signature/,
        );
    });

    it('will not start on development keys and secrets', async () => {
      const { gatewayConfigSchema } = await import('../gateway/config.ts');
      const production = loadServiceConfig('gateway', gatewayConfigSchema, {
        env: {},
        profiles: ['production'],
      });
      await expect(production).rejects.toThrow(/auth\.jwksUrl: exactly one of/);
      await expect(production).rejects.toThrow(
        /gatewaySignature\.secret: must be at least 32 characters/,
      );
      const subgraph = loadServiceConfig('profile', profileConfigSchema, {
        env: {},
        profiles: ['production'],
      });
      await expect(subgraph).rejects.toThrow(/gatewaySignature\.secret/);
      const configured = await loadServiceConfig('gateway', gatewayConfigSchema, {
        env: {
          ...safeProductionEnv('gateway'),
          AUTH_JWKS_URL: 'https://id.example.com/.well-known/jwks.json',
          GATEWAY_SIGNATURE_SECRET: 's'.repeat(32),
        },
        profiles: ['production'],
      });
      expect(configured.graphql).toEqual({ introspection: false, maskInternalErrors: true });
    });
  });

  it('never answered 500 nor sent a stack trace, and every service still serves', async () => {
    expect(statuses.length).toBeGreaterThan(30);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(bodies.filter((body) => /stacktrace|exception|\\n\s+at /.test(body))).toEqual([]);
    for (const [name, service] of Object.entries(system().services)) {
      const ready = await fetch(`http://127.0.0.1:${service.http.port()}/ready`);
      expect(ready.status, `${name} /ready`).toBe(200);
    }
    const answer = await call({
      query: '{ viewer { subject } config(application: "gateway") { name } }',
    });
    expect(answer.body).toEqual({
      data: { viewer: { subject: 'test-admin' }, config: { name: 'gateway' } },
    });
  });
});
