import { describe, expect, it } from 'vitest';
import type { Heartbeat } from '../../../lib/heartbeat.ts';
import { createInstanceRegistry } from './instance-registry.ts';

const beat = (overrides: Partial<Heartbeat> = {}): Heartbeat => ({
  service: 'gateway',
  instance: 'gateway-a',
  url: 'http://127.0.0.1:4000',
  ready: true,
  startedAt: '2026-12-01T10:00:00.000Z',
  sentAt: '2026-12-01T10:00:01.000Z',
  intervalMs: 1_000,
  stopping: false,
  figures: {},
  ...overrides,
});

describe('the instance registry', () => {
  it('keeps an instance live for three of its intervals, then forgets it', () => {
    const registry = createInstanceRegistry();
    registry.record(beat(), 10_000);
    const [live] = registry.services(['gateway'], 13_000);
    expect(live).toMatchObject({ name: 'gateway', up: true, ready: true });
    expect(live?.instances).toEqual([
      {
        id: 'gateway-a',
        url: 'http://127.0.0.1:4000',
        ready: true,
        startedAt: new Date('2026-12-01T10:00:00.000Z'),
        lastSeenAt: new Date(10_000),
      },
    ]);
    expect(registry.services(['gateway'], 13_001)[0]).toEqual({
      name: 'gateway',
      up: false,
      ready: false,
      instances: [],
    });
  });

  it('forgets an instance at its stopping heartbeat', () => {
    const registry = createInstanceRegistry();
    registry.record(beat(), 10_000);
    registry.record(beat({ stopping: true }), 10_500);
    expect(registry.services(['gateway'], 10_500)[0]?.up).toBe(false);
  });

  it('is ready only when every live instance is, and lists services never heard as down', () => {
    const registry = createInstanceRegistry();
    registry.record(beat(), 10_000);
    registry.record(beat({ instance: 'gateway-b', ready: false }), 10_000);
    const [gateway, archiver] = registry.services(['gateway', 'archiver'], 10_100);
    expect(gateway).toMatchObject({ up: true, ready: false });
    expect(gateway?.instances.map((i) => i.id)).toEqual(['gateway-a', 'gateway-b']);
    expect(archiver).toEqual({ name: 'archiver', up: false, ready: false, instances: [] });
  });

  it('sums a figure over live instances and remembers announced groups after they are gone', () => {
    const registry = createInstanceRegistry();
    registry.record(beat({ figures: { subscriptionConnections: 3 } }), 10_000);
    registry.record(
      beat({ instance: 'gateway-b', figures: { subscriptionConnections: 4 } }),
      10_000,
    );
    expect(registry.sumFigure('gateway', 'subscriptionConnections', 10_100)).toBe(7);
    const groups = [{ group: 'archiver', topic: 'events' }];
    registry.record(
      beat({ service: 'archiver', instance: 'archiver-a', figures: { consumerGroups: groups } }),
      10_000,
    );
    registry.record(beat({ service: 'archiver', instance: 'archiver-a', stopping: true }), 10_200);
    expect(registry.groupsOf('archiver')).toEqual(groups);
    expect(registry.groupsOf('processor')).toBeUndefined();
  });
});
