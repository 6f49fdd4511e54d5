import { describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../../schema/event.ts';
import { emptyStoredProfile } from '../apply-event.ts';
import { noRules as rules } from '../test-events.ts';
import { replayEvent } from './replay.ts';

const event = (n: number): ActivityEvent => ({
  type: 'track',
  event: 'Clicked',
  userId: 'u1',
  messageId: `m${n}`,
  timestamp: `2026-01-01T10:00:0${n}.000Z`,
  receivedAt: `2026-01-01T10:00:0${n}.500Z`,
});

describe('replayEvent', () => {
  it('applies archived events with their Kafka position as the watermark', () => {
    let stored = emptyStoredProfile('u1');
    for (const n of [1, 2, 3])
      stored = replayEvent(stored, event(n), { partition: 1, offset: n }, rules);
    expect(stored.profile.eventCount).toBe(3);
    expect(stored.profile.version).toBe(3);
    expect(stored.watermarks).toEqual({ 1: 3 });
  });

  it('ignores an event at or below the watermark, as the processor does', () => {
    const once = replayEvent(
      emptyStoredProfile('u1'),
      event(1),
      { partition: 0, offset: 7 },
      rules,
    );
    expect(replayEvent(once, event(1), { partition: 0, offset: 7 }, rules)).toBe(once);
  });
});
