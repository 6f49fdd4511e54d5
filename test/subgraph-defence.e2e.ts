import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import {
  signGatewayConnection,
  signGatewaySubscribe,
  type SubscribeOperation,
} from '../lib/graphql/admit-gateway-request.ts';
import { signGatewayRequest } from '../lib/graphql/gateway-signature.ts';
import { IDENTITY_HEADERS } from '../lib/graphql/identity-headers.ts';
import type { ProfileConfig } from '../subgraphs/profile/config.ts';
import { post, type RawAnswer } from './support/gateway-requests.ts';
import { collect, rawSocket, wsClient, type RawSocket } from './support/graphql-ws.ts';
import { eventually, sendSegment } from './support/http.ts';
import { useSystem } from './support/use-system.ts';
import { createTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

type Identity = Record<string, string>;

const identity = (subject: string, scopes: string): Identity => ({
  [IDENTITY_HEADERS.subject]: subject,
  [IDENTITY_HEADERS.scopes]: scopes,
});

/**
 * Each subgraph checks on its own what the gateway already checked: that every subscribe on
 * the gateway's connection carries the gateway's signature of its caller and operation
 * (once), and that the caller meets the subgraph SDL's `@authenticated` / `@requiresScopes`,
 * over HTTP and WebSocket. Requests are signed here with the system's secret and the real
 * signing functions, as only the gateway (or someone holding its secret) could.
 */
describe('subgraphs defend themselves', () => {
  const { system } = useSystem();
  let secret: string;
  const userId = 'defence-user';
  const origin = (name: string) => `http://127.0.0.1:${system().services[name]!.http.port()}`;

  beforeAll(async () => {
    secret = (system().live['profile']!.current() as ProfileConfig).gatewaySignature.secret;
    expect(
      (await sendSegment(system().gatewayUrl, 'track', { userId, event: 'Seen' })).status,
    ).toBe(200);
    await eventually(async () => {
      const answer = await system().query<{ profile: { eventCount: number } | null }>(
        `{ profile(id: "${userId}") { eventCount } }`,
      );
      return answer.data?.profile?.eventCount === 1 ? true : undefined;
    });
  });

  describe('over the gateway connection (graphql-ws)', () => {
    let socket: RawSocket;
    let nextId = 0;
    const profileUpdated: SubscribeOperation = {
      query: 'subscription ($id: ID!) { profileUpdated(id: $id) { id eventCount } }',
      variables: { id: userId },
    };

    /** A graphql-ws connection to a subgraph, admitted with the gateway's connection signature. */
    async function gatewayConnection(service: string): Promise<RawSocket> {
      const raw = await rawSocket(`${origin(service)}/graphql`);
      raw.send({ type: 'connection_init', payload: { headers: signGatewayConnection(secret) } });
      await eventually(async () =>
        raw.messages.some((m) => m['type'] === 'connection_ack') ? true : undefined,
      );
      return raw;
    }

    /** Sends a subscribe and waits for its first answer: its first event or its error. */
    async function subscribe(
      operation: SubscribeOperation,
      headers: Identity | undefined,
      on: RawSocket = socket,
    ): Promise<Record<string, unknown>> {
      const id = String((nextId += 1));
      on.send({
        id,
        type: 'subscribe',
        payload: { ...operation, ...(headers === undefined ? {} : { extensions: { headers } }) },
      });
      const answer = await eventually(async () => on.messages.find((m) => m['id'] === id));
      on.send({ id, type: 'complete' });
      return answer;
    }

    const refusal = (answer: Record<string, unknown>) => {
      const errors = answer['payload'] as Array<{ extensions?: Record<string, unknown> }>;
      return [answer['type'], errors[0]?.extensions?.['code'], errors[0]?.extensions?.['reason']];
    };

    beforeAll(async () => {
      socket = await gatewayConnection('profile');
    });
    afterAll(() => socket?.socket.close());

    it('serves a subscribe the gateway signed for a caller with the scope', async () => {
      const answer = await subscribe(
        profileUpdated,
        signGatewaySubscribe(secret, profileUpdated, identity('ops', 'profiles:read')),
      );
      expect(answer).toMatchObject({
        type: 'next',
        payload: { data: { profileUpdated: { id: userId, eventCount: 1 } } },
      });
    });

    it('refuses a subscribe whose identity is not signed', async () => {
      expect(refusal(await subscribe(profileUpdated, identity('ops', 'profiles:read')))).toEqual([
        'error',
        'UNAUTHENTICATED',
        undefined,
      ]);
      expect(refusal(await subscribe(profileUpdated, undefined))).toEqual([
        'error',
        'UNAUTHENTICATED',
        undefined,
      ]);
    });

    it('refuses a subscribe with another identity or operation than the signed one', async () => {
      const signedFor = (subject: string, scopes: string, operation = profileUpdated) =>
        signGatewaySubscribe(secret, operation, identity(subject, scopes))[
          IDENTITY_HEADERS.signature
        ]!;
      const mallory = identity('mallory', 'profiles:read');
      const altered: Array<[SubscribeOperation, Identity]> = [
        // Another caller's signature, or the right caller with more scopes than were signed.
        [profileUpdated, { ...mallory, [IDENTITY_HEADERS.signature]: signedFor('alice', '') }],
        [profileUpdated, { ...mallory, [IDENTITY_HEADERS.signature]: signedFor('mallory', '') }],
        // The signed caller, with another profile or another query.
        [
          { ...profileUpdated, variables: { id: 'someone-else' } },
          { ...mallory, [IDENTITY_HEADERS.signature]: signedFor('mallory', 'profiles:read') },
        ],
        [
          { query: 'subscription { profilesUpdated { id traits } }' },
          { ...mallory, [IDENTITY_HEADERS.signature]: signedFor('mallory', 'profiles:read') },
        ],
      ];
      for (const [operation, headers] of altered)
        expect(refusal(await subscribe(operation, headers))).toEqual([
          'error',
          'FORBIDDEN',
          'mismatch',
        ]);
    });

    it('refuses a replayed subscribe, on the same connection or another', async () => {
      const headers = signGatewaySubscribe(
        secret,
        profileUpdated,
        identity('ops', 'profiles:read'),
      );
      expect((await subscribe(profileUpdated, headers))['type']).toBe('next');
      expect(refusal(await subscribe(profileUpdated, headers))).toEqual([
        'error',
        'FORBIDDEN',
        'replayed',
      ]);
      const other = await gatewayConnection('profile');
      expect(refusal(await subscribe(profileUpdated, headers, other))).toEqual([
        'error',
        'FORBIDDEN',
        'replayed',
      ]);
      other.socket.close();
    });

    it("refuses a signed subscribe whose caller lacks the scope of the subgraph's SDL", async () => {
      const forbidden = await subscribe(
        profileUpdated,
        signGatewaySubscribe(secret, profileUpdated, identity('ops', 'activities:read')),
      );
      expect(refusal(forbidden)).toEqual(['error', 'FORBIDDEN', undefined]);
      expect(JSON.stringify(forbidden['payload'])).toContain(
        'Subscription.profileUpdated needs profiles:read',
      );
      const anonymous = await subscribe(
        profileUpdated,
        signGatewaySubscribe(secret, profileUpdated, {}),
      );
      expect(refusal(anonymous)).toEqual(['error', 'UNAUTHENTICATED', undefined]);
      // The Config subgraph checks its own SDL the same way.
      const config = await gatewayConnection('config');
      const configChanged: SubscribeOperation = {
        query: 'subscription { configChanged(application: "gateway") { version } }',
      };
      expect(
        refusal(
          await subscribe(
            configChanged,
            signGatewaySubscribe(secret, configChanged, identity('ops', 'profiles:read')),
            config,
          ),
        ),
      ).toEqual(['error', 'FORBIDDEN', undefined]);
      config.socket.close();
    });
  });

  describe('over HTTP', () => {
    /** A POST to a subgraph signed as the gateway would sign it for `caller`. */
    function signedPost(service: string, body: unknown, caller: Identity): Promise<RawAnswer> {
      const text = JSON.stringify(body);
      const signature = signGatewayRequest(secret, {
        method: 'POST',
        target: '/graphql',
        subject: caller[IDENTITY_HEADERS.subject] ?? '',
        scopes: caller[IDENTITY_HEADERS.scopes] ?? '',
        body: text,
      });
      return post(`${origin(service)}/graphql`, text, {
        'content-type': 'application/json',
        ...caller,
        [IDENTITY_HEADERS.signature]: signature,
      });
    }
    const verdict = (answer: RawAnswer) => [
      answer.status,
      answer.body.errors?.[0]?.extensions?.['code'],
    ];
    const served = (answer: RawAnswer) => [answer.status, answer.body.errors];

    const entities = (selection: string) => ({
      query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Profile { ${selection} } } }`,
      variables: { r: [{ __typename: 'Profile', id: userId }] },
    });

    it('refuses a query without the scope (403) or without an identity (401), serves it with', async () => {
      const query = { query: `{ profile(id: "${userId}") { id eventCount } }` };
      expect(
        verdict(await signedPost('profile', query, identity('ops', 'activities:read'))),
      ).toEqual([403, 'FORBIDDEN']);
      expect(verdict(await signedPost('profile', query, identity('', '')))).toEqual([
        401,
        'UNAUTHENTICATED',
      ]);
      const answer = await signedPost('profile', query, identity('ops', 'profiles:read'));
      expect(answer.body).toEqual({ data: { profile: { id: userId, eventCount: 1 } } });
    });

    it('checks entity fetches by the types their inline fragments select', async () => {
      const profileEntity = entities('eventCount');
      expect(
        verdict(await signedPost('profile', profileEntity, identity('ops', 'activities:read'))),
      ).toEqual([403, 'FORBIDDEN']);
      const answer = await signedPost('profile', profileEntity, identity('ops', 'profiles:read'));
      expect(answer.body).toEqual({ data: { _entities: [{ eventCount: 1 }] } });
      // The Activity subgraph's Profile fields need its own scope, not the Profile subgraph's.
      const activities = entities('activities(first: 1) { edges { node { name } } }');
      expect(
        verdict(await signedPost('activity', activities, identity('ops', 'profiles:read'))),
      ).toEqual([403, 'FORBIDDEN']);
      expect(
        served(await signedPost('activity', activities, identity('ops', 'activities:read'))),
      ).toEqual([200, undefined]);
    });

    it('refuses a mutation without its scope and runs it with', async () => {
      const erase = { query: 'mutation { deleteProfile(id: "nobody-here") { __typename } }' };
      expect(verdict(await signedPost('profile', erase, identity('ops', 'profiles:read')))).toEqual(
        [403, 'FORBIDDEN'],
      );
      expect(
        served(await signedPost('profile', erase, identity('ops', 'profiles:delete'))),
      ).toEqual([200, undefined]);
    });

    it('keeps serving what needs no scope: _service and introspection, to anyone signed', async () => {
      const sdl = await signedPost('profile', { query: '{ _service { sdl } }' }, identity('', ''));
      expect(served(sdl)).toEqual([200, undefined]);
      const schema = await signedPost(
        'activity',
        { query: '{ __schema { queryType { name } } }' },
        identity('', ''),
      );
      expect(schema.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    });
  });

  describe('through the gateway', () => {
    let proxy: TcpProxy;
    let client: Client;
    let gatewayGraphql: string;

    beforeAll(async () => {
      // A gateway whose connection to the Profile subgraph runs through a proxy the test can cut.
      proxy = await createTcpProxy('127.0.0.1', system().services['profile']!.http.port());
      const gateway = await system().startGateway({
        overrides: { subgraphs: { profile: `http://127.0.0.1:${proxy.port}/graphql` } },
      });
      gatewayGraphql = `${gateway.url}/graphql`;
      client = wsClient(gatewayGraphql, {
        token: await system().auth.token(['profiles:read', 'activities:read'], { subject: 'ops' }),
      });
    });
    afterAll(async () => {
      await client?.dispose();
      await proxy?.close();
    });

    it('re-signs the subscribes it re-sends after a dropped subgraph connection', async () => {
      const received = collect<{ profileUpdated: { eventCount: number } }>(
        client,
        'subscription ($id: ID!) { profileUpdated(id: $id) { eventCount activities(first: 1) { edges { node { name } } } } }',
        { id: userId },
      );
      await eventually(async () => (received.data.length > 0 ? true : undefined));
      const before = received.data.at(-1)!.profileUpdated.eventCount;
      // The connection drops; the gateway reconnects to the same subgraph process, whose
      // replay cache still holds the first subscribe's signature.
      await proxy.refuse();
      await proxy.accept();
      expect(
        (await sendSegment(system().gatewayUrl, 'track', { userId, event: 'After the drop' }))
          .status,
      ).toBe(200);
      // The new event, or the refusal a re-sent signature would meet (replayed).
      await eventually(
        async () =>
          received.errors.length > 0 ||
          received.data.at(-1)?.profileUpdated.eventCount === before + 1
            ? true
            : undefined,
        60_000,
      );
      expect(received.errors).toEqual([]);
      expect(received.data.at(-1)?.profileUpdated.eventCount).toBe(before + 1);
      expect(received.completed).toBe(false);
      received.stop();
    });

    it('serves queries as before', async () => {
      const answer = await post(
        gatewayGraphql,
        { query: `{ profile(id: "${userId}") { id activities(first: 1) { edges { cursor } } } }` },
        { authorization: `Bearer ${system().adminToken}` },
      );
      expect([answer.status, answer.body.errors]).toEqual([200, undefined]);
    });
  });
});
