import { describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../schema/event.ts';
import { emptyStoredProfile, type StoredProfile } from '../schema/profile.ts';
import { applyEvent, applyEvents, type PositionedEvent } from './apply-event.ts';
import type { ProfileRules } from './rules.ts';
import { at, noRules, stamped } from './test-events.ts';

/** Small bounds, so that every one is reached in a few events. */
const rules: ProfileRules = {
  ...noRules,
  limits: {
    ...noRules.limits,
    traitKeys: 4,
    traitBytes: 1_024,
    eventNames: 3,
    eventNameBytes: 1_024,
    anonymousIds: 2,
    sessions: 2,
    messageIdWindow: 5,
  },
};

const HOUR = 60 * 60_000; // 1 hour in ms
const hour = (n: number) => new Date(Date.UTC(2026, 0, 1, n)).toISOString();

const positioned = (events: ActivityEvent[], partition = 0): PositionedEvent[] =>
  events.map((event, offset) => ({ event, position: { partition, offset } }));

/** One profile driven past every bound, in the stream order of a partition. */
function hostileStream(): ActivityEvent[] {
  return [
    stamped({ type: 'identify', traits: { a: 1, b: 2, c: 3, d: 4, e: 5 }, timestamp: hour(0) }),
    stamped({ type: 'identify', traits: { a: 'x'.repeat(2_000) }, timestamp: hour(0) }),
    ...['one', 'two', 'three', 'four', 'constructor', '__proto__'].map((name) =>
      stamped({ type: 'track', event: name, timestamp: hour(0) }),
    ),
    stamped({ type: 'track', event: 'one', timestamp: hour(0) }),
    ...['anon-1', 'anon-2', 'anon-3'].map((anonymousId, i) =>
      stamped({ type: 'page', anonymousId, timestamp: hour(2 * (i + 1)) }),
    ),
  ];
}

describe('applyEvents at the profile bounds', () => {
  const after = applyEvents(emptyStoredProfile('u1'), positioned(hostileStream()), rules);

  it('refuses trait keys beyond traitKeys and values beyond traitBytes, and counts them', () => {
    expect(after.profile.traits).toEqual({ a: 1, b: 2, c: 3, d: 4 });
    expect(after.refused).toMatchObject({ traitKeys: 1, traitBytes: 1 });
  });

  it('gives no counter to event names beyond eventNames, and still counts the events', () => {
    expect(after.profile.eventCounts).toEqual({ one: 2, two: 1, three: 1 });
    expect(after.refused.eventNames).toBe(3);
    expect(after.profile.eventCount).toBe(12);
  });

  it('keeps the most recent anonymous ids, sessions and messageIds', () => {
    expect(after.profile.anonymousIds).toEqual(['anon-2', 'anon-3']);
    expect(after.sessions).toEqual([
      [4 * HOUR + Date.UTC(2026, 0, 1), 4 * HOUR + Date.UTC(2026, 0, 1)],
      [6 * HOUR + Date.UTC(2026, 0, 1), 6 * HOUR + Date.UTC(2026, 0, 1)],
    ]);
    expect(after.profile.sessionCount).toBe(4);
    expect(after.recentMessageIds).toHaveLength(5);
  });

  it('gives the same profile applied at once, one by one, or replayed', () => {
    const events = positioned(hostileStream());
    const oneByOne = events.reduce(
      (stored: StoredProfile, { event, position }) => applyEvent(stored, event, position, rules),
      emptyStoredProfile('u1'),
    );
    const atOnce = applyEvents(emptyStoredProfile('u1'), events, rules);
    expect(atOnce).toEqual(oneByOne);
    expect(JSON.parse(JSON.stringify(atOnce))).toEqual(atOnce);
    // A redelivery changes nothing, refusals included.
    expect(applyEvents(atOnce, events, rules)).toBe(atOnce);
  });

  it('counts an event name such as constructor as a plain name', () => {
    const counted = applyEvents(
      emptyStoredProfile('u1'),
      positioned(
        ['constructor', '__proto__', 'constructor'].map((event) =>
          stamped({ type: 'track', event, timestamp: at('10:00:00') }),
        ),
      ),
      noRules,
    );
    expect(JSON.parse(JSON.stringify(counted.profile.eventCounts))).toEqual(
      JSON.parse('{"constructor":2,"__proto__":1}'),
    );
    expect(counted.refused.eventNames).toBe(0);
  });

  it('applies lowered bounds to what grows next, evicting down to them', () => {
    const lowered: ProfileRules = {
      ...rules,
      limits: { ...rules.limits, anonymousIds: 1, messageIdWindow: 2, eventNames: 1 },
    };
    const next = applyEvent(
      after,
      stamped({ type: 'track', event: 'two', anonymousId: 'anon-4', timestamp: hour(6) }),
      { partition: 0, offset: 100 },
      lowered,
    );
    expect(next.profile.anonymousIds).toEqual(['anon-4']);
    expect(next.recentMessageIds).toHaveLength(2);
    // Names with a counter keep counting above a lowered bound.
    expect(next.profile.eventCounts['two']).toBe(2);
  });
});
