import { describe, expect, it } from 'vitest';
import { stopService } from '../lib/service.ts';
import { collect, receivedAtLeast, wsClient } from './support/graphql-ws.ts';
import { eventually, sendSegment } from './support/http.ts';
import { produceRaw } from './support/kafka.ts';
import { useSystem } from './support/use-system.ts';

const STATUS = `{
  systemStatus {
    observedAt
    events { total perSecond }
    consumers { role group topic lag }
    deadLetters { total latest { reason at topic partition offset } }
    services { name up ready instances { id url ready startedAt lastSeenAt } }
    dependencies { name reachable error }
    subscriptions { connections }
  }
}`;

interface Status {
  observedAt: string;
  events: { total: number; perSecond: number };
  consumers: Array<{ role: string; group: string; topic: string; lag: number }>;
  deadLetters: {
    total: number;
    latest: Array<{ reason: string; at: string; topic: string | null; offset: string | null }>;
  };
  services: Array<{
    name: string;
    up: boolean;
    ready: boolean;
    instances: Array<{ id: string; url: string | null; ready: boolean }>;
  }>;
  dependencies: Array<{ name: string; reachable: boolean; error: string | null }>;
  subscriptions: { connections: number };
}

const SERVICES = ['gateway', 'profile', 'activity', 'config', 'processor', 'archiver'];

/**
 * The hub's own status through the public GraphQL API, as the control plane (the Config
 * subgraph) observes the real system: Kafka offsets, dead letters, every service's heartbeats.
 */
describe('the system status', () => {
  const { sandbox, system } = useSystem();

  const status = async (): Promise<Status> => {
    const answer = await system().query<{ systemStatus: Status }>(STATUS);
    expect(answer.errors).toBeUndefined();
    return answer.data!.systemStatus;
  };
  const track = (userId: string, count: number) =>
    sendSegment(system().gatewayUrl, 'batch', {
      batch: Array.from({ length: count }, () => ({ type: 'track', userId, event: 'Viewed' })),
    });

  it('lists every service up and ready, with Kafka and Redis reachable', async () => {
    const seen = await eventually(async () => {
      const now = await status();
      return now.services.every((s) => s.up && s.ready) ? now : undefined;
    });
    expect(seen.services.map((s) => s.name)).toEqual(SERVICES);
    for (const service of seen.services) {
      expect(service.instances, service.name).toHaveLength(1);
      expect(service.instances[0]?.url, service.name).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(seen.dependencies).toEqual([
      { name: 'kafka', reachable: true, error: null },
      { name: 'redis', reachable: true, error: null },
    ]);
    // The groups as the consumers run them (the sandbox's), not only as the files name them.
    expect(seen.consumers.map(({ role, group, topic }) => ({ role, group, topic }))).toEqual([
      { role: 'processor', group: `${sandbox().id}-processor`, topic: sandbox().topics.events },
      { role: 'archiver', group: `${sandbox().id}-archiver`, topic: sandbox().topics.events },
      {
        role: 'archiver',
        group: `${sandbox().id}-archiver-snapshots`,
        topic: sandbox().topics.changelog,
      },
    ]);
  });

  it('counts posted events in the total and the rate', async () => {
    const before = (await status()).events.total;
    expect((await track(`${sandbox().id}-rate`, 50)).status).toBe(200);
    const after = await eventually(async () => {
      const now = await status();
      return now.events.total >= before + 50 && now.events.perSecond > 0 ? now : undefined;
    });
    expect(after.events.total).toBeGreaterThanOrEqual(before + 50);
  });

  it('shows a poison event among the dead letters with its reason', async () => {
    const before = (await status()).deadLetters.total;
    await produceRaw(sandbox(), sandbox().topics.events, [
      { key: `${sandbox().id}-poison`, value: 'not json at all' },
    ]);
    const seen = await eventually(async () => {
      const now = await status();
      return now.deadLetters.total > before && now.deadLetters.latest.length > 0 ? now : undefined;
    });
    const [newest] = seen.deadLetters.latest;
    expect(newest?.reason).toMatch(/json/i);
    expect(newest?.topic).toBe(sandbox().topics.events);
    expect(newest?.offset).toMatch(/^\d+$/);
  });

  it('streams the status over a subscription, including its own connection', async () => {
    const client = wsClient(system().graphqlUrl, { token: system().adminToken });
    try {
      const received = collect<{ systemStatusChanged: Status }>(
        client,
        `subscription { systemStatusChanged { observedAt subscriptions { connections } } }`,
      );
      const updates = await receivedAtLeast(received, 3);
      expect(received.errors).toEqual([]);
      const times = updates.map((u) => Date.parse(u.systemStatusChanged.observedAt));
      expect(times[2]!).toBeGreaterThan(times[0]!);
      // The gateway's heartbeat announces the open connection within an interval or two.
      await eventually(() =>
        Promise.resolve(
          received.data.some((u) => u.systemStatusChanged.subscriptions.connections >= 1)
            ? true
            : undefined,
        ),
      );
      received.stop();
    } finally {
      await client.dispose();
    }
  });

  it('refuses the status without system:read', async () => {
    const token = await system().auth.token(['profiles:read', 'config:read']);
    const answer = await system().query(STATUS, {}, token);
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(answer.errors?.[0]?.message).toContain('system:read');
    expect(answer.data ?? undefined).toBeUndefined();
  });

  it('answers the configured segments with their live size through the gateway', async () => {
    const answer = await system().query<{
      segments: Array<{ name: string; description: string | null; size: number }>;
    }>('{ segments { name description size } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.segments.map(({ name, description }) => ({ name, description }))).toEqual([
      { name: 'identified', description: 'profiles with a known userId' },
      { name: 'engaged', description: 'at least 3 sessions or 20 page views' },
      { name: 'mobile', description: 'last seen on a phone or tablet' },
    ]);
    // The rate test's profile has a userId, so it is identified: the Profile subgraph sizes it.
    expect(answer.data?.segments[0]?.size).toBeGreaterThanOrEqual(1);
  });

  it('shows a stopped archiver down, and its lag growing as events arrive', async () => {
    await stopService(system().services['archiver']!);
    const down = await eventually(async () => {
      const now = await status();
      return now.services.find((s) => s.name === 'archiver')?.up === false ? now : undefined;
    });
    expect(down.services.find((s) => s.name === 'archiver')?.instances).toEqual([]);
    const lagOf = (now: Status) =>
      now.consumers.find((c) => c.role === 'archiver' && c.topic === sandbox().topics.events)!.lag;
    const before = lagOf(down);
    expect((await track(`${sandbox().id}-lag`, 30)).status).toBe(200);
    await eventually(async () => (lagOf(await status()) >= before + 30 ? true : undefined));
  });
});
