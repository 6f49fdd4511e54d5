import { describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../schema/event.ts';
import type { StoredProfile } from '../schema/profile.ts';
import { applyEvent, applyEvents, emptyStoredProfile } from './apply-event.ts';
import type { ProfileRules } from './rules.ts';
import { at, noRules, stamped } from './test-events.ts';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const DESKTOP_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** Applies events in order at consecutive offsets of partition 0. */
function applyAll(
  events: ActivityEvent[],
  rules: ProfileRules = noRules,
  start: StoredProfile = emptyStoredProfile('u1'),
): StoredProfile {
  return events.reduce(
    (stored, event, index) => applyEvent(stored, event, { partition: 0, offset: index }, rules),
    start,
  );
}

describe('applyEvent', () => {
  it('spells every time in UTC with milliseconds, whatever spelling the event used', () => {
    const after = applyAll([
      stamped({
        type: 'track',
        event: 'Clicked',
        timestamp: '2026-01-01T11:00:00+01:00',
        receivedAt: '2026-01-01T10:00:05Z',
      }),
      stamped({ type: 'track', event: 'Clicked', timestamp: at('10:30:00') }),
    ]);
    expect(after.profile.firstSeenAt).toBe(at('10:00:00'));
    expect(after.profile.lastSeenAt).toBe(at('10:30:00'));
    expect(after.profile.updatedAt).toBe(at('10:30:00'));
  });

  it('counts a track event by name and advances the partition watermark', () => {
    const after = applyEvent(
      emptyStoredProfile('u1'),
      stamped({ type: 'track', event: 'Clicked', timestamp: at('10:00:00') }),
      { partition: 2, offset: 7 },
      noRules,
    );
    expect(after.profile).toMatchObject({
      id: 'u1',
      userId: 'u1',
      eventCount: 1,
      eventCounts: { Clicked: 1 },
      pageViews: 0,
      sessionCount: 1,
      version: 1,
      firstSeenAt: at('10:00:00'),
      lastSeenAt: at('10:00:00'),
      updatedAt: at('10:00:00'),
    });
    expect(after.watermarks).toEqual({ 2: 7 });
  });

  it('counts page and screen events as page views', () => {
    const after = applyAll([
      stamped({ type: 'page', name: 'Home', timestamp: at('10:00:00') }),
      stamped({ type: 'screen', name: 'Cart', timestamp: at('10:01:00') }),
      stamped({ type: 'group', groupId: 'g1', timestamp: at('10:02:00') }),
    ]);
    expect(after.profile).toMatchObject({ eventCount: 3, pageViews: 2, eventCounts: {} });
  });

  it('merges identify traits; null removes a trait; userId is kept once known', () => {
    const after = applyAll([
      stamped({
        type: 'identify',
        traits: { plan: 'free', name: 'Ada' },
        timestamp: at('10:00:00'),
      }),
      stamped({ type: 'identify', traits: { plan: 'pro', name: null }, timestamp: at('10:01:00') }),
    ]);
    expect(after.profile.traits).toEqual({ plan: 'pro' });
    expect(after.profile.userId).toBe('u1');
  });

  it('lets a late identify not overwrite newer traits', () => {
    const after = applyAll([
      stamped({ type: 'identify', traits: { plan: 'pro' }, timestamp: at('11:00:00') }),
      stamped({
        type: 'identify',
        traits: { plan: 'free', city: 'Oslo' },
        timestamp: at('10:00:00'),
      }),
    ]);
    expect(after.profile.traits).toEqual({ plan: 'pro', city: 'Oslo' });
  });

  it('records anonymous ids and alias previous ids', () => {
    const after = applyAll([
      stamped({ type: 'track', event: 'x', anonymousId: 'a1', timestamp: at('10:00:00') }),
      stamped({ type: 'alias', previousId: 'a0', timestamp: at('10:01:00') }),
      stamped({ type: 'track', event: 'x', anonymousId: 'a1', timestamp: at('10:02:00') }),
    ]);
    expect(after.profile.anonymousIds).toEqual(['a1', 'a0']);
  });

  it('parses the device of the latest event with a user agent', () => {
    const after = applyAll([
      stamped({ type: 'page', context: { userAgent: IPHONE }, timestamp: at('10:05:00') }),
      // Older by event time: does not replace the device although it arrives later.
      stamped({ type: 'page', context: { userAgent: DESKTOP_CHROME }, timestamp: at('10:00:00') }),
      stamped({ type: 'track', event: 'no agent', timestamp: at('10:10:00') }),
    ]);
    expect(after.profile.device).toEqual({ type: 'mobile', os: 'iOS', browser: 'Safari' });
    expect(after.deviceAt).toBe(at('10:05:00'));
  });

  it('starts a new session after the configured quiet period', () => {
    const rules = { ...noRules, sessionTimeoutMs: 30 * 60_000 };
    const after = applyAll(
      [
        stamped({ type: 'track', event: 'x', timestamp: at('10:00:00') }),
        stamped({ type: 'track', event: 'x', timestamp: at('10:30:00') }), // exactly 30 min: same
        stamped({ type: 'track', event: 'x', timestamp: at('11:00:01') }), // 30 min 1 s: new
      ],
      rules,
    );
    expect(after.profile.sessionCount).toBe(2);
  });

  it('keeps first/last seen and sessions by event time when events arrive out of order', () => {
    const times = ['09:00:00', '12:00:00', '09:20:00', '11:40:00', '10:30:00', '09:40:00'];
    const inOrder = applyAll(
      [...times].sort().map((t) => stamped({ type: 'track', event: 'x', timestamp: at(t) })),
    );
    const shuffled = applyAll(
      times.map((t) => stamped({ type: 'track', event: 'x', timestamp: at(t) })),
    );
    expect(shuffled.profile.firstSeenAt).toBe(at('09:00:00'));
    expect(shuffled.profile.lastSeenAt).toBe(at('12:00:00'));
    // 09:00-09:40 | 10:30 | 11:40-12:00
    expect(inOrder.profile.sessionCount).toBe(3);
    expect(shuffled.profile.sessionCount).toBe(3);
  });

  it('takes updatedAt from the latest receivedAt, never from the clock', () => {
    const after = applyAll([
      stamped({ type: 'track', event: 'x', timestamp: at('10:00:00'), receivedAt: at('10:00:05') }),
      stamped({ type: 'track', event: 'x', timestamp: at('09:00:00'), receivedAt: at('10:00:01') }),
    ]);
    expect(after.profile.updatedAt).toBe(at('10:00:05'));
  });

  it('ignores a redelivered event at or below the watermark (same object back)', () => {
    const event = stamped({ type: 'track', event: 'x', timestamp: at('10:00:00') });
    const once = applyEvent(emptyStoredProfile('u1'), event, { partition: 0, offset: 5 }, noRules);
    expect(applyEvent(once, event, { partition: 0, offset: 5 }, noRules)).toBe(once);
    const older = stamped({ type: 'track', event: 'y', timestamp: at('09:00:00') });
    expect(applyEvent(once, older, { partition: 0, offset: 4 }, noRules)).toBe(once);
  });

  it('ignores a duplicate messageId at a new offset (a client retry after a 503)', () => {
    const event = stamped({ type: 'track', event: 'x', timestamp: at('10:00:00') });
    const once = applyEvent(emptyStoredProfile('u1'), event, { partition: 0, offset: 5 }, noRules);
    expect(applyEvent(once, event, { partition: 0, offset: 9 }, noRules)).toBe(once);
  });

  it('remembers a bounded window of messageIds', () => {
    const window = noRules.limits.messageIdWindow;
    const events = Array.from({ length: window + 5 }, (_, i) =>
      stamped({ type: 'track', event: 'x', messageId: `w-${i}`, timestamp: at('10:00:00') }),
    );
    const after = applyAll(events);
    expect(after.recentMessageIds).toHaveLength(window);
    expect(after.profile.eventCount).toBe(window + 5);
  });

  it('evaluates segments after every event', () => {
    const rules: ProfileRules = {
      ...noRules,
      segments: [
        { name: 'pro', rule: { field: 'traits.plan', op: 'eq', value: 'pro' } },
        { name: 'busy', rule: { field: 'eventCounts.Order Completed', op: 'gte', value: 2 } },
      ],
    };
    const pro = applyAll(
      [stamped({ type: 'identify', traits: { plan: 'pro' }, timestamp: at('10:00:00') })],
      rules,
    );
    expect(pro.profile.segments).toEqual(['pro']);
    const both = applyAll(
      [
        stamped({ type: 'track', event: 'Order Completed', timestamp: at('10:01:00') }),
        stamped({ type: 'track', event: 'Order Completed', timestamp: at('10:02:00') }),
      ],
      rules,
      // applyAll restarts at offset 0: continue as if from another partition.
      { ...pro, watermarks: {} },
    );
    expect(both.profile.segments).toEqual(['busy', 'pro']);
    const left = applyAll(
      [stamped({ type: 'identify', traits: { plan: 'free' }, timestamp: at('10:03:00') })],
      rules,
      { ...both, watermarks: {} },
    );
    expect(left.profile.segments).toEqual(['busy']);
  });

  it('is deterministic: the same events and rules give identical documents', () => {
    const events = [
      stamped({ type: 'identify', traits: { plan: 'pro' }, timestamp: at('10:00:00') }),
      stamped({ type: 'page', context: { userAgent: IPHONE }, timestamp: at('10:01:00') }),
    ];
    expect(JSON.stringify(applyAll(events))).toBe(JSON.stringify(applyAll(events)));
  });
});

describe('applyEvents', () => {
  it('equals applying the events one by one, including skipped redeliveries and duplicates', () => {
    const rules: ProfileRules = {
      ...noRules,
      segments: [{ name: 'many', rule: { field: 'eventCount', op: 'gte', value: 3 } }],
    };
    const duplicate = stamped({ type: 'track', event: 'x', timestamp: at('10:00:00') });
    const events = [
      {
        event: stamped({
          type: 'identify',
          traits: { a: 1 },
          anonymousId: 'a1',
          timestamp: at('10:05:00'),
        }),
        position: { partition: 0, offset: 1 },
      },
      { event: duplicate, position: { partition: 0, offset: 2 } },
      { event: duplicate, position: { partition: 0, offset: 3 } },
      {
        event: stamped({ type: 'page', timestamp: at('09:00:00') }),
        position: { partition: 0, offset: 2 },
      },
      {
        event: stamped({ type: 'track', event: 'y', timestamp: at('12:00:00') }),
        position: { partition: 1, offset: 0 },
      },
      {
        event: stamped({ type: 'alias', previousId: 'a0', timestamp: at('12:01:00') }),
        position: { partition: 1, offset: 1 },
      },
    ];
    const start = emptyStoredProfile('u1');
    const oneByOne = events.reduce((s, e) => applyEvent(s, e.event, e.position, rules), start);
    expect(applyEvents(start, events, rules)).toEqual(oneByOne);
    expect(oneByOne.profile).toMatchObject({
      eventCount: 4,
      segments: ['many'],
      anonymousIds: ['a1', 'a0'],
    });
    expect(applyEvents(oneByOne, events, rules)).toBe(oneByOne);
    expect(start).toEqual(emptyStoredProfile('u1'));
  });
});
