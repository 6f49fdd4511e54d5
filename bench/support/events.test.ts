import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../events/normalize.ts';
import { activityEvent, incomingEvent, profileId, type EventPlan } from './events.ts';

const plan: EventPlan = { runId: 'r1', profiles: 3, baseTimeMs: Date.UTC(2026, 0, 1) };

describe('synthetic events', () => {
  it('are the same for the same index in every call (reproducible in any process)', () => {
    expect(activityEvent(plan, 41)).toEqual(activityEvent({ ...plan }, 41));
  });

  it('spread over the profiles round robin with unique message ids', () => {
    const events = Array.from({ length: 6 }, (_, index) => activityEvent(plan, index));
    expect(events.map((event) => event.userId)).toEqual([
      'r1-p0',
      'r1-p1',
      'r1-p2',
      'r1-p0',
      'r1-p1',
      'r1-p2',
    ]);
    expect(new Set(events.map((event) => event.messageId)).size).toBe(6);
    expect(profileId(plan, 2)).toBe('r1-p2');
  });

  it('mix track, page and identify, and all pass ingest validation', () => {
    const types = Array.from({ length: 10 }, (_, index) => incomingEvent(plan, index).type);
    expect(types.filter((type) => type === 'track')).toHaveLength(7);
    expect(types.filter((type) => type === 'page')).toHaveLength(2);
    expect(types.filter((type) => type === 'identify')).toHaveLength(1);
    for (let index = 0; index < 10; index++)
      expect(normalizeEvent(incomingEvent(plan, index), new Date()).ok).toBe(true);
  });
});
