import { describe, expect, it } from 'vitest';
import type { EventRow } from '../schema/db/tables.ts';
import { firstPerKey } from './archive-rows.ts';

const row = (profileId: string, messageId: string, sourceOffset: number): EventRow => ({
  messageId,
  type: 'track',
  name: 'e',
  profileId,
  timestamp: '2026-11-01T00:00:00.000Z',
  receivedAt: '2026-11-01T00:00:00.000Z',
  sourcePartition: 0,
  sourceOffset,
});

describe('the dedupe of a batch', () => {
  it('keeps the first row of each (profile id, message id), in batch order', () => {
    const rows = [row('u1', 'm1', 0), row('u1', 'm2', 1), row('u1', 'm1', 2), row('u2', 'm1', 3)];
    expect(firstPerKey(rows).map((kept) => kept.sourceOffset)).toEqual([0, 1, 3]);
  });

  it('never takes two different keys for one, however the ids split', () => {
    const rows = [row('ab', 'c', 0), row('a', 'bc', 1), row('a:b', 'c', 2), row('a', ':bc', 3)];
    expect(firstPerKey(rows)).toHaveLength(4);
  });
});
