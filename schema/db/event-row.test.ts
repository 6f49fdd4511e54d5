import { describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../event.ts';
import { fromEventRow, toEventRow } from './event-row.ts';
import type { ArchivedEventRow } from './tables.ts';

const stamps = { timestamp: '2026-03-04T10:00:00.123Z', receivedAt: '2026-03-04T10:00:01.000Z' };

/** What PostgreSQL gives back for a stored row: timestamptz as its own text form. */
function stored(event: ActivityEvent): ArchivedEventRow {
  const row = toEventRow(event, 2, 41);
  return {
    ...row,
    name: row.name ?? null,
    userId: row.userId ?? null,
    anonymousId: row.anonymousId ?? null,
    properties: row.properties ?? null,
    traits: row.traits ?? null,
    context: row.context ?? null,
    extra: row.extra ?? null,
    timestamp: '2026-03-04 10:00:00.123+00',
    receivedAt: '2026-03-04 10:00:01+00',
  };
}

const cases: ActivityEvent[] = [
  {
    type: 'track',
    event: 'Order Completed',
    userId: 'u1',
    anonymousId: 'a1',
    messageId: 'm1',
    properties: { total: 12.5 },
    context: { userAgent: 'curl/8' },
    sentAt: '2026-03-04T10:00:00.000Z',
    originalTimestamp: '2026-03-04T09:59:59.000Z',
    integrations: { All: true },
    ...stamps,
  },
  { type: 'identify', userId: 'u1', messageId: 'm2', traits: { plan: 'pro' }, ...stamps },
  { type: 'page', anonymousId: 'a1', messageId: 'm3', name: 'Home', category: 'Docs', ...stamps },
  { type: 'screen', userId: 'u1', messageId: 'm4', properties: {}, ...stamps },
  { type: 'group', userId: 'u1', messageId: 'm5', groupId: 'g1', traits: { n: 1 }, ...stamps },
  { type: 'alias', userId: 'u1', messageId: 'm6', previousId: 'a1', ...stamps },
];

describe('event rows', () => {
  it.each(cases)('give back the archived $type event exactly', (event) => {
    expect(fromEventRow(stored(event))).toEqual(event);
  });

  it('pull out the searchable columns and keep the source position', () => {
    const [track] = cases;
    expect(toEventRow(track as ActivityEvent, 2, 41)).toMatchObject({
      messageId: 'm1',
      name: 'Order Completed',
      profileId: 'u1',
      sourcePartition: 2,
      sourceOffset: 41,
      extra: {
        sentAt: '2026-03-04T10:00:00.000Z',
        originalTimestamp: '2026-03-04T09:59:59.000Z',
        integrations: { All: true },
      },
    });
  });
});
