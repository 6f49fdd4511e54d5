import { describe, expect, it } from 'vitest';
import { baseUrlOf, parseHeartbeat, type Heartbeat } from './heartbeat.ts';

const heartbeat: Heartbeat = {
  service: 'processor',
  instance: 'processor-host-1-abc',
  url: 'http://127.0.0.1:4010',
  ready: true,
  startedAt: '2026-12-01T10:00:00.000Z',
  sentAt: '2026-12-01T10:00:05.000Z',
  intervalMs: 1_000,
  stopping: false,
  figures: { consumerGroups: [{ group: 'processor', topic: 'user-activity-events' }] },
};

describe('heartbeats', () => {
  it('parse what a service announces, and nothing else', () => {
    expect(parseHeartbeat(JSON.stringify(heartbeat))).toEqual(heartbeat);
    expect(parseHeartbeat('not json')).toBeUndefined();
    expect(parseHeartbeat(JSON.stringify({ ...heartbeat, ready: 'yes' }))).toBeUndefined();
  });

  it('name a reachable base URL for the bound address', () => {
    expect(baseUrlOf('127.0.0.1', 4000)).toBe('http://127.0.0.1:4000');
    expect(baseUrlOf('::1', 4000)).toBe('http://[::1]:4000');
    expect(baseUrlOf('0.0.0.0', 4000)).not.toContain('0.0.0.0');
  });
});
