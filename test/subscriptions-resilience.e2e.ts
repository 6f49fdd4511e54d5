import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { loadServiceConfig } from '../config/client/load.ts';
import { startService, stopService, type Service } from '../lib/service.ts';
import { profileConfigSchema } from '../subgraphs/profile/config.ts';
import { createProfileService } from '../subgraphs/profile/service.ts';
import {
  acknowledgedSocket,
  collect,
  rawSocket,
  receivedAtLeast,
  wsClient,
} from './support/graphql-ws.ts';
import { eventually, sendSegment } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

describe('subscription liveness: keep-alive and subgraph restarts', () => {
  const { sandbox, system } = useSystem({
    system: {
      gateway: { subscriptions: { keepAliveMs: 300 } }, // pings every 0.3 seconds
    },
  });
  let client: Client;
  let restarted: Service | undefined;
  let opsToken: string;

  beforeAll(async () => {
    opsToken = await system().auth.token(['profiles:read'], { subject: 'ops' });
    client = wsClient(system().graphqlUrl, { token: opsToken });
  });
  afterAll(async () => {
    await client?.dispose();
    if (restarted) await stopService(restarted);
  });

  it('resubscribes upstream by itself and goes on from the current state', async () => {
    const userId = `restart-${sandbox().id}`;
    expect(
      (await sendSegment(system().gatewayUrl, 'track', { userId, event: 'Before' })).status,
    ).toBe(200);
    const received = collect<{ profileUpdated: { version: number; eventCount: number } }>(
      client,
      'subscription ($id: ID!) { profileUpdated(id: $id) { version eventCount } }',
      { id: userId },
    );
    await eventually(async () =>
      received.data.at(-1)?.profileUpdated.eventCount === 1 ? true : undefined,
    );

    const profile = system().services['profile'] as Service;
    const port = profile.http.port();
    await stopService(profile);
    // A change while the subgraph is away is not lost: the new subscription starts from it.
    expect(
      (await sendSegment(system().gatewayUrl, 'track', { userId, event: 'During' })).status,
    ).toBe(200);
    restarted = createProfileService(
      await loadServiceConfig('profile', profileConfigSchema, {
        env: {},
        profiles: [],
        overrides: { ...sandbox().sharedOverrides, http: { host: '127.0.0.1', port } },
      }),
    );
    await startService(restarted);
    await eventually(
      async () => (received.data.at(-1)?.profileUpdated.eventCount === 2 ? true : undefined),
      60_000,
    );
    expect(
      (await sendSegment(system().gatewayUrl, 'track', { userId, event: 'After' })).status,
    ).toBe(200);
    await receivedAtLeast(received, 3, 60_000);
    await eventually(async () =>
      received.data.at(-1)?.profileUpdated.eventCount === 3 ? true : undefined,
    );
    const versions = received.data.map((m) => m.profileUpdated.version);
    expect(versions).toEqual([1, 2, 3]);
    expect(received.errors).toEqual([]);
    expect(received.completed).toBe(false);
  });

  it('pings every connection and drops one that stopped answering', async () => {
    const mute = await rawSocket(system().graphqlUrl, undefined, { answerPings: false });
    const healthy = await acknowledgedSocket(system().graphqlUrl, opsToken);
    let pings = 0;
    healthy.socket.on('ping', () => pings++);
    // Dropped without a close frame: the client sees an abnormal closure.
    expect((await mute.closed).code).toBe(1006);
    await eventually(async () => (pings >= 3 ? true : undefined));
    expect(healthy.socket.readyState).toBe(healthy.socket.OPEN);
    healthy.socket.close();
  });
});
