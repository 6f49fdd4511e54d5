import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { SubscriptionCloseCode } from '../gateway/subscriptions/close-codes.ts';
import { createTestKeys } from './support/auth.ts';
import {
  acknowledgedSocket,
  collect,
  metricValue,
  rawSocket,
  wsClient,
  type RawSocket,
} from './support/graphql-ws.ts';
import { eventually, sendSegment } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

const WATCH = 'subscription ($id: ID!) { profileUpdated(id: $id) { id eventCount } }';
const CAP = 3; // open connections per address on the capped gateway
const BURST = 3; // connections at once on the rate-limited gateway, refilled at 1 per second

interface Update {
  profileUpdated: { id: string; eventCount: number };
}

type Upgrade =
  | { status: 101; socket: WebSocket }
  | { status: number; retryAfter: string | undefined; body: string };

/** Tries a WebSocket upgrade and reports the handshake or the HTTP answer that refused it. */
function upgrade(graphqlUrl: string): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.once('open', () => resolve({ status: 101, socket }));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.once('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          retryAfter: response.headers['retry-after'],
          body,
        }),
      );
    });
    socket.once('error', reject);
  });
}

/** The `exp` of a JWT, in Unix epoch milliseconds. */
function expiryOf(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  return (payload as { exp: number }).exp * 1_000;
}

describe('graphql-ws connection controls: required token, per-address limits, token expiry', () => {
  const { sandbox, system } = useSystem();
  /** A gateway with subscriptions.requireToken on. */
  let strict: string;
  const sockets: RawSocket[] = [];
  const opened: WebSocket[] = [];
  const clients: Client[] = [];
  let reader: string;

  const raw = async (graphqlUrl: string) => {
    const created = await rawSocket(graphqlUrl);
    sockets.push(created);
    return created;
  };

  beforeAll(async () => {
    strict = `${(await system().startGateway({ overrides: { subscriptions: { requireToken: true } } })).url}/graphql`;
    reader = await system().auth.token(['profiles:read'], { subject: 'dashboard' });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.socket.terminate();
    for (const socket of opened) socket.terminate();
    await Promise.all(clients.map((c) => c.dispose()));
  });

  it('with requireToken, closes an anonymous connection_init with 4401 before any subscribe', async () => {
    const anonymous = await raw(strict);
    anonymous.send({ type: 'connection_init' });
    anonymous.send({
      id: '1',
      type: 'subscribe',
      payload: { query: WATCH, variables: { id: 'x' } },
    });
    expect(await anonymous.closed).toEqual({
      code: SubscriptionCloseCode.Unauthorized,
      reason:
        'Unauthorized: a token is required; send connection_init with payload {"authorization":"Bearer <token>"}',
    });
    expect(anonymous.messages).toEqual([]);
    // The development gateway (requireToken false) still admits anonymous connections.
    const allowed = await acknowledgedSocket(system().graphqlUrl, undefined);
    sockets.push(allowed);
  });

  it('with requireToken, closes forged and expired tokens with 4401 and admits a valid one', async () => {
    const forged = await (await createTestKeys()).token(['profiles:read']);
    const expired = await system().auth.token(['profiles:read'], { expiresInSeconds: -60 });
    for (const [token, reason] of [
      [forged, 'Unauthorized: the token signature is not valid'],
      [expired, 'Unauthorized: the token has expired'],
    ] as const) {
      const socket = await raw(strict);
      socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
      expect(await socket.closed).toEqual({ code: 4401, reason });
      expect(socket.messages).toEqual([]);
    }
    const admitted = await acknowledgedSocket(strict, reader);
    sockets.push(admitted);
    expect(admitted.socket.readyState).toBe(admitted.socket.OPEN);
  });

  it('holds the open connections per address: N accepted, N+1 refused with 429, one closed, one more', async () => {
    const capped = (
      await system().startGateway({
        overrides: { subscriptions: { maxConnectionsPerAddress: CAP } },
      })
    ).url;
    const url = `${capped}/graphql`;
    const held: WebSocket[] = [];
    for (let index = 0; index < CAP; index++) {
      const answer = await upgrade(url);
      expect(answer.status).toBe(101);
      if ('socket' in answer) held.push(answer.socket);
    }
    opened.push(...held);
    expect(await upgrade(url)).toEqual({
      status: 429,
      retryAfter: '5',
      body: `Too many connections: at most ${CAP} open connections per client address\n`,
    });
    expect(
      await metricValue(
        capped,
        'pulsehub_subscription_rejected_total',
        'code="TOO_MANY_CONNECTIONS_PER_ADDRESS"',
      ),
    ).toBe(1);

    held[0]?.close();
    await eventually(async () =>
      (await metricValue(capped, 'pulsehub_subscription_connections')) === CAP - 1
        ? true
        : undefined,
    );
    const again = await upgrade(url);
    expect(again.status).toBe(101);
    if ('socket' in again) opened.push(again.socket);
    expect((await upgrade(url)).status).toBe(429);
  });

  it('rates new connections per address: the burst, then 429 with Retry-After, then the refill', async () => {
    const rated = (
      await system().startGateway({
        overrides: {
          subscriptions: { connectionsPerAddressPerSecond: 1, connectionBurstPerAddress: BURST },
        },
      })
    ).url;
    const url = `${rated}/graphql`;
    for (let index = 0; index < BURST; index++) {
      const answer = await upgrade(url);
      expect(answer.status).toBe(101);
      if ('socket' in answer) answer.socket.close(); // closed: only the rate can refuse
    }
    const refused = await upgrade(url);
    expect(refused).toMatchObject({ status: 429, retryAfter: '1' });
    expect(
      await metricValue(
        rated,
        'pulsehub_subscription_rejected_total',
        'code="CONNECTION_RATE_LIMITED"',
      ),
    ).toBeGreaterThanOrEqual(1);
    // A refusal takes no token: the bucket refills at 1 per second and admits one again.
    const admitted = await eventually(async () => {
      const answer = await upgrade(url);
      return 'socket' in answer ? answer.socket : undefined;
    }, 10_000);
    opened.push(admitted);
  });

  it('closes a connection with 4419 when its token expires', async () => {
    const token = await system().auth.token(['profiles:read'], { expiresInSeconds: 2 });
    const socket = await acknowledgedSocket(strict, token);
    sockets.push(socket);
    expect(await socket.closed).toEqual({
      code: SubscriptionCloseCode.TokenExpired,
      reason: 'Token expired',
    });
    expect(Date.now()).toBeGreaterThanOrEqual(expiryOf(token));
    expect(
      await metricValue(
        strict.replace(/\/graphql$/, ''),
        'pulsehub_subscription_connections_closed_total',
        'code="4419"',
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it('a graphql-ws client with a token function reconnects at expiry and receives events again', async () => {
    const userId = `expiring-${sandbox().id}`;
    expect((await sendSegment(system().gatewayUrl, 'track', { userId, event: 'One' })).status).toBe(
      200,
    );
    const tokensMinted: string[] = [];
    const closeCodes: number[] = [];
    let connections = 0;
    const client = wsClient(strict, {
      retryAttempts: 5,
      retryWait: () => Promise.resolve(),
      // The first token expires in about 2 s; the reconnection gets a fresh, longer one.
      connectionParams: async () => {
        const token = await system().auth.token(['profiles:read'], {
          expiresInSeconds: tokensMinted.length === 0 ? 2 : 600,
        });
        tokensMinted.push(token);
        return { authorization: `Bearer ${token}` };
      },
      on: {
        connected: () => void connections++,
        closed: (event) => void closeCodes.push((event as { code: number }).code),
      },
    });
    clients.push(client);
    const received = collect<Update>(client, WATCH, { id: userId });
    await eventually(async () =>
      received.data.at(-1)?.profileUpdated.eventCount === 1 ? true : undefined,
    );

    await eventually(async () => (connections >= 2 ? true : undefined), 15_000);
    expect(closeCodes).toEqual([SubscriptionCloseCode.TokenExpired]);
    expect(tokensMinted).toHaveLength(2);

    expect((await sendSegment(system().gatewayUrl, 'track', { userId, event: 'Two' })).status).toBe(
      200,
    );
    await eventually(async () =>
      received.data.at(-1)?.profileUpdated.eventCount === 2 ? true : undefined,
    );
    expect(received.errors).toEqual([]);
    expect(received.completed).toBe(false);
  });
});
