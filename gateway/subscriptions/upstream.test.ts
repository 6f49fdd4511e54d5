import http from 'node:http';
import type net from 'node:net';
import { parse } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  admitGatewaySubscribe,
  type GatewaySignatureSettings,
} from '../../lib/graphql/admit-gateway-request.ts';
import { IDENTITY_HEADERS } from '../../lib/graphql/identity-headers.ts';
import { createSubgraphSubscriptionServer } from '../../lib/graphql/subscription-server.ts';
import { createLogger } from '../../lib/logger.ts';
import { createPushIterator, type PushIterator } from '../../lib/push-iterator.ts';
import { createUpstream, type Upstream, type UpstreamSink } from './upstream.ts';
import { signedUpstreamHeaders, type UpstreamHeaders } from './upstream-headers.ts';

const typeDefs = parse(`
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@requiresScopes"])
  type Query { ping: Boolean }
  type Subscription { ticks: Int! @requiresScopes(scopes: [["ticks:read"]]) }
`);
const trust: GatewaySignatureSettings = {
  secret: 'a-test-secret-of-enough-length-000',
  maxAgeSeconds: 30,
  replayCacheMaxEntries: 1_000,
};
const query = 'subscription { ticks }';

/** What a subscription received through the upstream. */
function recorder() {
  const seen = { ticks: [] as unknown[], errors: [] as unknown[] };
  const sink: UpstreamSink = {
    next: (event) => seen.ticks.push(event.data?.['ticks']),
    error: (errors) => seen.errors.push(...errors),
    complete: () => undefined,
  };
  return { seen, sink };
}

/**
 * The gateway's upstream against a subgraph subscription server, in one process: both see
 * the same (simulated) clock, so a signature is judged exactly as it would be between hosts
 * with synchronised clocks.
 */
describe('subscribes to a subgraph, signed at every send', () => {
  const subscribed: Array<PushIterator<number>> = [];
  const sockets = new Set<net.Socket>();
  const signed: Array<Record<string, string>> = [];
  let server: http.Server;
  let upstream: Upstream;
  let stopSubgraph: () => Promise<void>;

  beforeAll(async () => {
    server = http.createServer();
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const subgraph = createSubgraphSubscriptionServer<object>({
      server,
      typeDefs,
      resolvers: {
        Subscription: {
          ticks: {
            subscribe: () => {
              const ticks = createPushIterator<number>();
              subscribed.push(ticks);
              return ticks;
            },
            resolve: (tick: unknown) => tick,
          },
        },
      },
      gatewaySignature: trust,
      context: () => ({}),
    });
    await subgraph.start();
    stopSubgraph = () => subgraph.stop();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    // The production headers, recording each subscribe signature they make.
    const production = signedUpstreamHeaders(trust.secret);
    const recording: UpstreamHeaders = Object.assign(
      (identity: Parameters<UpstreamHeaders>[0]) => production(identity),
      {
        connection: () => production.connection(),
        subscribe: (...args: Parameters<UpstreamHeaders['subscribe']>) => {
          const headers = production.subscribe(...args);
          signed.push(headers);
          return headers;
        },
      },
    );
    upstream = createUpstream({
      subgraphUrls: { ticks: `http://127.0.0.1:${port}/graphql` },
      upstreamHeaders: recording,
      retryAttempts: 5,
      logger: createLogger('upstream-test', 'silent'),
    });
  });
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    await upstream?.stop();
    await stopSubgraph?.();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  const caller = (scopes: string) => ({
    [IDENTITY_HEADERS.subject]: 'ops',
    [IDENTITY_HEADERS.scopes]: scopes,
  });

  it('re-signs the subscribe it re-sends after a reconnect beyond the signature window', async () => {
    const { seen, sink } = recorder();
    const cancel = upstream.subscribe(
      'ticks',
      { query, operationName: undefined, variables: {}, headers: caller('ticks:read') },
      sink,
    );
    await vi.waitFor(() => expect(subscribed).toHaveLength(1));
    subscribed[0]!.push(1);
    await vi.waitFor(() => expect(seen.ticks).toEqual([1]));

    // Two minutes later (four signature windows) the connection drops.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 120_000);
    for (const socket of sockets) socket.destroy();
    // Resubscribed, or refused (as a subscribe signed only once would be: expired).
    await vi.waitFor(
      () => expect(subscribed.length + seen.errors.length).toBeGreaterThanOrEqual(2),
      { timeout: 20_000 },
    );
    expect(seen.errors).toEqual([]);
    subscribed[1]!.push(2);
    await vi.waitFor(() => expect(seen.ticks).toEqual([1, 2]));
    expect(seen.errors).toEqual([]);

    // Each send was signed at its own moment; the first signature is no use any more.
    expect(signed).toHaveLength(2);
    const time = (headers: Record<string, string>) =>
      Number(/^t=(\d+),/.exec(headers[IDENTITY_HEADERS.signature] ?? '')?.[1]);
    expect(time(signed[1]!) - time(signed[0]!)).toBeGreaterThanOrEqual(120);
    expect(admitGatewaySubscribe(trust, { query, variables: {} }, signed[0]!)).toMatchObject({
      ok: false,
      extensions: { reason: 'expired' },
    });
    cancel();
  }, 30_000);

  it('is refused by the subgraph when the caller lacks the scope its SDL requires', async () => {
    const { seen, sink } = recorder();
    upstream.subscribe(
      'ticks',
      { query, operationName: undefined, variables: {}, headers: caller('profiles:read') },
      sink,
    );
    await vi.waitFor(() => expect(seen.errors).toHaveLength(1));
    expect(seen.errors[0]).toMatchObject({
      message: expect.stringContaining('Subscription.ticks needs ticks:read') as unknown,
      extensions: { code: 'FORBIDDEN' },
    });
  });
});
