import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import {
  acknowledgedSocket,
  collect,
  metricValue,
  rawSocket,
  receivedAtLeast,
  wsClient,
  type RawSocket,
} from './support/graphql-ws.ts';
import { basicAuth, eventually, sendSegment, waitUntilArchived } from './support/http.ts';
import { createTestKeys } from './support/auth.ts';
import { freePort } from './support/child-service.ts';
import { useSystem } from './support/use-system.ts';

const WATCH = 'subscription ($id: ID!) { profileUpdated(id: $id) { id eventCount } }';
const MAX_SUBSCRIPTIONS = 3;
const MAX_CONNECTIONS = 12;
const MAX_BUFFERED = 256 * 1_024; // 256 KiB

interface Update {
  profileUpdated: { id: string; eventCount: number };
}

/** The GraphQL error codes of the error message a raw socket received for `id`. */
function errorCodes(raw: RawSocket, id: string): unknown[] {
  const message = raw.messages.find((m) => m['type'] === 'error' && m['id'] === id);
  return ((message?.['payload'] as Array<{ extensions?: { code?: string } }>) ?? []).map(
    (error) => error.extensions?.code,
  );
}

async function errorFor(raw: RawSocket, id: string, payload: unknown): Promise<unknown[]> {
  raw.send({ id, type: 'subscribe', payload });
  return eventually(async () => {
    const codes = errorCodes(raw, id);
    return codes.length > 0 ? codes : undefined;
  });
}

describe('subscription protocol, authentication and limits', () => {
  const { sandbox, system } = useSystem({
    system: {
      gateway: {
        subscriptions: {
          maxSubscriptionsPerConnection: MAX_SUBSCRIPTIONS,
          maxConnections: MAX_CONNECTIONS,
          connectionInitTimeoutMs: 500,
          maxMessageBytes: 4_096,
          maxBufferedBytes: MAX_BUFFERED,
        },
      },
    },
  });
  const clients: Client[] = [];
  const sockets: RawSocket[] = [];
  let bystander: ReturnType<typeof collect<Update>>;
  let userId: string;
  /** A real token of the system's keys with the read scopes a dashboard has. */
  let reader: string;

  const raw = async (protocol?: string) => {
    const created = await rawSocket(system().graphqlUrl, protocol);
    sockets.push(created);
    return created;
  };
  /** `null`: an anonymous connection. */
  const acknowledged = async (token: string | null = reader) => {
    const created = await acknowledgedSocket(system().graphqlUrl, token ?? undefined);
    sockets.push(created);
    return created;
  };

  beforeAll(async () => {
    reader = await system().auth.token(['profiles:read', 'activities:read'], {
      subject: 'dashboard',
    });
    // A well-behaved subscriber that must keep being served through everything below.
    userId = `bystander-${sandbox().id}`;
    expect((await sendSegment(system().gatewayUrl, 'track', { userId, event: 'One' })).status).toBe(
      200,
    );
    const client = wsClient(system().graphqlUrl, { token: reader });
    clients.push(client);
    bystander = collect<Update>(client, WATCH, { id: userId });
    await eventually(async () =>
      bystander.data.at(-1)?.profileUpdated.eventCount === 1 ? true : undefined,
    );
  });
  afterAll(async () => {
    for (const socket of sockets) socket.socket.terminate();
    await Promise.all(clients.map((c) => c.dispose()));
  });

  it('closes a connection whose token is invalid with 4401', async () => {
    // Signed with a key pair the gateway does not trust.
    const forged = await (await createTestKeys()).token(['profiles:read']);
    const received = collect(wsClient(system().graphqlUrl, { token: forged }), WATCH, {
      id: userId,
    });
    const [error] = await eventually(async () =>
      received.errors.length > 0 ? received.errors : undefined,
    );
    expect(error).toMatchObject({
      code: 4401,
      reason: 'Unauthorized: the token signature is not valid',
    });
  });

  it('closes with 1013 (retry later) when tokens cannot be checked at the moment', async () => {
    // A gateway whose identity provider's key set cannot be fetched (nothing listens there).
    const blind = await system().startGateway({
      overrides: {
        auth: { jwksUrl: `http://127.0.0.1:${await freePort()}/jwks.json`, publicKey: '' },
      },
    });
    const received = collect(wsClient(`${blind.url}/graphql`, { token: reader }), WATCH, {
      id: userId,
    });
    const [error] = await eventually(async () =>
      received.errors.length > 0 ? received.errors : undefined,
    );
    expect(error).toMatchObject({ code: 1013 });
  });

  it('answers a subscription without the needed scope with FORBIDDEN, and an anonymous one with UNAUTHENTICATED', async () => {
    const noScopes = await acknowledged(
      await system().auth.token(['config:read'], { subject: 'intern' }),
    );
    expect(await errorFor(noScopes, 'a', { query: WATCH, variables: { id: userId } })).toEqual([
      'FORBIDDEN',
    ]);
    const anonymous = await acknowledged(null);
    expect(await errorFor(anonymous, 'b', { query: WATCH, variables: { id: userId } })).toEqual([
      'UNAUTHENTICATED',
    ]);
    // The connection stays usable: a permitted subscription on it would work.
    expect(noScopes.socket.readyState).toBe(noScopes.socket.OPEN);
  });

  it('answers invalid operations with their GraphQL error codes', async () => {
    const socket = await acknowledged();
    expect(await errorFor(socket, 'p', { query: 'subscription {' })).toEqual([
      'GRAPHQL_PARSE_FAILED',
    ]);
    expect(await errorFor(socket, 'v', { query: 'subscription { nope }' })).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ]);
    expect(await errorFor(socket, 'q', { query: '{ profile(id: "x") { id } }' })).toEqual([
      'BAD_REQUEST',
    ]);
    expect(
      await errorFor(socket, 'i', { query: WATCH, variables: { id: { not: 'an id' } } }),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('closes connections that break the protocol with its close codes', async () => {
    const notJson = await raw();
    notJson.send('this is not json');
    expect((await notJson.closed).code).toBe(4400);

    const noId = await acknowledged();
    noId.send({ type: 'subscribe', payload: { query: WATCH } });
    expect((await noId.closed).code).toBe(4400);

    const early = await raw();
    early.send({
      id: '1',
      type: 'subscribe',
      payload: { query: WATCH, variables: { id: userId } },
    });
    expect((await early.closed).code).toBe(4401);

    const twice = await acknowledged();
    twice.send({ type: 'connection_init' });
    expect((await twice.closed).code).toBe(4429);

    const duplicate = await acknowledged();
    const subscribe = {
      id: 'same',
      type: 'subscribe',
      payload: { query: WATCH, variables: { id: userId } },
    };
    duplicate.send(subscribe);
    duplicate.send(subscribe);
    expect((await duplicate.closed).code).toBe(4409);

    const silent = await raw();
    expect((await silent.closed).code).toBe(4408);

    const wrongProtocol = await raw('graphql-ws');
    expect((await wrongProtocol.closed).code).toBe(4406);

    const huge = await acknowledged();
    huge.send({
      id: 'h',
      type: 'subscribe',
      payload: { query: `# ${'x'.repeat(8_000)}\n${WATCH}` },
    });
    expect((await huge.closed).code).toBe(1009);
  });

  it('refuses subscriptions beyond the per-connection limit and keeps the others', async () => {
    const socket = await acknowledged();
    for (let index = 0; index < MAX_SUBSCRIPTIONS; index++)
      socket.send({
        id: `s${index}`,
        type: 'subscribe',
        payload: { query: WATCH, variables: { id: userId } },
      });
    expect(await errorFor(socket, 'extra', { query: WATCH, variables: { id: userId } })).toEqual([
      'TOO_MANY_SUBSCRIPTIONS',
    ]);
    // The first three stay: each gets the profile's current state.
    await eventually(async () =>
      [0, 1, 2].every((i) =>
        socket.messages.some((m) => m['id'] === `s${i}` && m['type'] === 'next'),
      )
        ? true
        : undefined,
    );
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);
  });

  it('closes connections beyond the connection limit with 1013', async () => {
    const open: RawSocket[] = [];
    const limit =
      MAX_CONNECTIONS -
      (await metricValue(system().gatewayUrl, 'pulsehub_subscription_connections'));
    for (let index = 0; index < limit; index++) open.push(await raw());
    const refused = await raw();
    expect(await refused.closed).toEqual({
      code: 1013,
      reason: 'Try again later: connection limit reached',
    });
    for (const socket of open) socket.socket.close();
  });

  it('kept serving the well-behaved subscriber throughout', async () => {
    expect((await sendSegment(system().gatewayUrl, 'track', { userId, event: 'Two' })).status).toBe(
      200,
    );
    const messages = await receivedAtLeast(bystander, 2);
    expect(messages.map((m) => m.profileUpdated.eventCount)).toEqual([1, 2]);
    expect(bystander.errors).toEqual([]);
    expect((await fetch(`${system().gatewayUrl}/health`)).status).toBe(200);
  });

  it('closes a client that stops reading with 4008 once its send buffer is full, and serves the rest', async () => {
    const heavy = `heavy-${sandbox().id}`;
    // 24 archived events of 25 KB each make every message about 600 KB.
    const blob = 'x'.repeat(25_000);
    for (let batch = 0; batch < 2; batch++) {
      const response = await fetch(`${system().gatewayUrl}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth('dev-write-key') },
        body: JSON.stringify({
          batch: Array.from({ length: 12 }, (_, i) => ({
            type: 'track',
            userId: heavy,
            event: `Big ${batch}-${i}`,
            properties: { blob },
          })),
        }),
      });
      expect(response.status).toBe(200);
    }
    await waitUntilArchived(system(), heavy, 24);
    const query = `subscription ($id: ID!) { profileUpdated(id: $id) {
      eventCount activities(first: 100) { edges { node { properties } } } } }`;
    const slow = await acknowledged();
    slow.send({ id: 'slow', type: 'subscribe', payload: { query, variables: { id: heavy } } });
    await eventually(async () => (slow.messages.length > 1 ? true : undefined));
    slow.socket.pause(); // stops reading: the server's writes pile up
    const client = wsClient(system().graphqlUrl, { token: reader });
    clients.push(client);
    const watcher = collect<{ profileUpdated: { eventCount: number } }>(client, query, {
      id: heavy,
    });
    await receivedAtLeast(watcher, 1);

    let closed = false;
    for (let count = 25; count <= 80 && !closed; count++) {
      await sendSegment(system().gatewayUrl, 'track', { userId: heavy, event: 'Small' });
      await eventually(async () =>
        watcher.data.at(-1)?.profileUpdated.eventCount === count ? true : undefined,
      );
      closed =
        (await metricValue(system().gatewayUrl, 'pulsehub_subscription_slow_consumers_total')) >= 1;
    }
    expect(closed).toBe(true);
    slow.socket.resume();
    expect(await slow.closed).toEqual({ code: 4008, reason: 'Slow consumer' });
    expect(watcher.errors).toEqual([]);
    const counts = watcher.data.map((m) => m.profileUpdated.eventCount);
    expect(counts).toEqual(Array.from({ length: counts.length }, (_, i) => 24 + i));
  });

  it('answers a subscription sent over HTTP POST with a client error, not a 500', async () => {
    const response = await fetch(system().graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: WATCH, variables: { id: userId } }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });
});
