import { describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../schema/event.ts';
import { applyEvent, emptyStoredProfile } from './apply-event.ts';

const now = '2026-01-01T00:00:00.000Z';
const track = (timestamp: string): ActivityEvent => ({
  type: 'track',
  event: 'x',
  userId: 'u1',
  messageId: timestamp,
  timestamp,
  receivedAt: timestamp,
});

describe('applyEvent', () => {
  it('counts an event and advances the partition watermark', () => {
    const after = applyEvent(
      emptyStoredProfile('u1'),
      track('2026-01-01T10:00:00.000Z'),
      { partition: 2, offset: 7 },
      now,
    );
    expect(after.profile).toMatchObject({
      id: 'u1',
      userId: 'u1',
      eventCount: 1,
      version: 1,
      firstSeenAt: '2026-01-01T10:00:00.000Z',
    });
    expect(after.watermarks).toEqual({ 2: 7 });
  });

  it('ignores a redelivered event at or below the watermark (same object back)', () => {
    const once = applyEvent(
      emptyStoredProfile('u1'),
      track('2026-01-01T10:00:00.000Z'),
      { partition: 0, offset: 5 },
      now,
    );
    expect(
      applyEvent(once, track('2026-01-01T10:00:00.000Z'), { partition: 0, offset: 5 }, now),
    ).toBe(once);
    expect(
      applyEvent(once, track('2026-01-01T09:00:00.000Z'), { partition: 0, offset: 4 }, now),
    ).toBe(once);
  });

  it('keeps first/last seen by event time when events arrive out of order', () => {
    let stored = applyEvent(
      emptyStoredProfile('u1'),
      track('2026-01-01T10:00:00.000Z'),
      { partition: 0, offset: 1 },
      now,
    );
    stored = applyEvent(
      stored,
      track('2026-01-01T08:00:00.000Z'),
      { partition: 0, offset: 2 },
      now,
    );
    expect(stored.profile.firstSeenAt).toBe('2026-01-01T08:00:00.000Z');
    expect(stored.profile.lastSeenAt).toBe('2026-01-01T10:00:00.000Z');
  });
});
