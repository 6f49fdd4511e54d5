import { describe, expect, it } from 'vitest';
import { profileIdOf, type ActivityEvent } from '../schema/event.ts';
import type { StoredProfile } from '../schema/profile.ts';
import { applyEvents, emptyStoredProfile, type PositionedEvent } from './apply-event.ts';
import { mergeStoredProfiles } from './merge-profiles.ts';
import type { ProfileRules } from './rules.ts';
import { at, noRules, stamped } from './test-events.ts';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const DESKTOP_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

const rules: ProfileRules = {
  ...noRules,
  segments: [
    { name: 'identified', description: 'd', rule: { field: 'userId', op: 'exists', value: true } },
    { name: 'busy', description: 'd', rule: { field: 'eventCount', op: 'gte', value: 5 } },
  ],
};

/** Positions on one partition, in order, as one identifier's stream. */
function positioned(events: ActivityEvent[], partition: number, from = 0): PositionedEvent[] {
  return events.map((event, index) => ({ event, position: { partition, offset: from + index } }));
}

/** The anonymous visitor's events (key a1, partition 1) and the user's (key u1, partition 0). */
const anonymous = positioned(
  [
    stamped({ userId: undefined, anonymousId: 'a1', type: 'page', timestamp: at('09:00:00') }),
    stamped({
      userId: undefined,
      anonymousId: 'a1',
      type: 'track',
      event: 'Viewed',
      timestamp: at('09:10:00'),
      context: { userAgent: IPHONE },
    }),
    stamped({
      userId: undefined,
      anonymousId: 'a1',
      type: 'identify',
      traits: { plan: 'free', color: 'red' },
      timestamp: at('09:20:00'),
    }),
  ],
  1,
);
const known = positioned(
  [
    stamped({
      type: 'identify',
      traits: { plan: 'pro' },
      timestamp: at('09:15:00'),
      context: { userAgent: DESKTOP_CHROME },
    }),
    stamped({ type: 'track', event: 'Viewed', timestamp: at('09:40:00') }),
    stamped({ type: 'track', event: 'Bought', timestamp: at('12:00:00') }),
  ],
  0,
);

function build(id: string, events: PositionedEvent[]): StoredProfile {
  return applyEvents(emptyStoredProfile(id), events, rules);
}

describe('mergeStoredProfiles', () => {
  const merged = mergeStoredProfiles(build('u1', known), build('a1', anonymous), rules);

  it('holds what one profile would hold had all the events been sent under its id', () => {
    // The same events, each under u1: the profile merging must reproduce.
    const underOneId = build(
      'u1',
      positioned(
        [...anonymous, ...known].map(({ event }) => ({
          ...event,
          userId: 'u1',
          anonymousId: undefined,
        })) as ActivityEvent[],
        0,
      ),
    );
    const { profile } = merged;
    for (const field of [
      'eventCount',
      'pageViews',
      'eventCounts',
      'sessionCount',
      'firstSeenAt',
      'lastSeenAt',
      'traits',
      'device',
      'segments',
      'version',
      'updatedAt',
    ] as const)
      expect(profile[field], field).toEqual(underOneId.profile[field]);
    expect(merged.sessions).toEqual(underOneId.sessions);
    expect(profile.traits).toEqual({ plan: 'free', color: 'red' });
    expect(profile.device?.type).toBe('desktop');
    expect(profile.eventCounts).toEqual({ Viewed: 2, Bought: 1 });
    expect(profile.sessionCount).toBe(2);
  });

  it('lists both identifiers and the merged id, and keeps each identifier its own watermarks', () => {
    expect(merged.profile.id).toBe('u1');
    expect(merged.profile.userId).toBe('u1');
    expect(merged.profile.identifiers).toEqual(['a1', 'u1']);
    expect(merged.profile.mergedFrom).toEqual(['a1']);
    expect(merged.watermarks).toEqual({ 0: 2 });
    expect(merged.identityWatermarks).toEqual({ a1: { 1: 2 } });
  });

  it('recognises redelivered events of either identifier, and counts new ones of the merged one', () => {
    expect(applyEvents(merged, [...known, ...anonymous], rules)).toBe(merged);
    const later = positioned(
      [stamped({ userId: undefined, anonymousId: 'a1', type: 'page', timestamp: at('12:05:00') })],
      1,
      3,
    );
    const after = applyEvents(merged, later, rules);
    expect(after.profile.pageViews).toBe(merged.profile.pageViews + 1);
    expect(after.identityWatermarks).toEqual({ a1: { 1: 3 } });
    expect(profileIdOf(later[0]!.event)).toBe('a1');
  });

  it('keeps the surviving profile’s trait and device on equal times', () => {
    const tie = at('10:00:00');
    const survivor = build(
      'u1',
      positioned(
        [
          stamped({
            type: 'identify',
            traits: { plan: 'pro' },
            timestamp: tie,
            context: { userAgent: DESKTOP_CHROME },
          }),
        ],
        0,
      ),
    );
    const other = build(
      'a1',
      positioned(
        [
          stamped({
            userId: undefined,
            anonymousId: 'a1',
            type: 'identify',
            traits: { plan: 'free' },
            timestamp: tie,
            context: { userAgent: IPHONE },
          }),
        ],
        1,
      ),
    );
    const result = mergeStoredProfiles(survivor, other, rules);
    expect(result.profile.traits).toEqual({ plan: 'pro' });
    expect(result.profile.device?.type).toBe('desktop');
  });

  it('counts event names beyond limits.eventNames as refused, and trait removals by their time', () => {
    const narrow: ProfileRules = { ...rules, limits: { ...rules.limits, eventNames: 2 } };
    const survivor = applyEvents(emptyStoredProfile('u1'), known, narrow);
    const other = applyEvents(
      emptyStoredProfile('a1'),
      positioned(
        [
          stamped({
            userId: undefined,
            anonymousId: 'a1',
            type: 'track',
            event: 'Other',
            timestamp: at('13:00:00'),
          }),
          stamped({
            userId: undefined,
            anonymousId: 'a1',
            type: 'identify',
            traits: { plan: null },
            timestamp: at('13:00:00'),
          }),
        ],
        1,
      ),
      narrow,
    );
    const result = mergeStoredProfiles(survivor, other, narrow);
    expect(result.profile.eventCounts).toEqual({ Viewed: 1, Bought: 1 });
    expect(result.refused.eventNames).toBe(1);
    expect(result.profile.eventCount).toBe(5);
    expect(result.profile.traits).toEqual({});
  });
});
