import { describe, expect, it } from 'vitest';
import { emptyProfile, type UserProfile } from '../schema/profile.ts';
import { segmentsSchema, type SegmentRule } from '../schema/segments.ts';
import { evaluateSegments, fieldValue, matches } from './segments.ts';

const profile: UserProfile = {
  ...emptyProfile('u1'),
  userId: 'u1',
  eventCount: 12,
  traits: { plan: 'pro', address: { city: 'Oslo' } },
  eventCounts: { 'Order.Completed': 3 },
  device: { type: 'mobile', os: 'iOS', browser: 'Safari' },
  anonymousIds: ['a1'],
  lastSeenAt: '2026-01-01T10:00:00.000Z',
};

describe('segment rules', () => {
  it('reads dotted paths, event names with dots, and 0 for unseen events', () => {
    expect(fieldValue(profile, 'traits.address.city')).toBe('Oslo');
    expect(fieldValue(profile, 'eventCounts.Order.Completed')).toBe(3);
    expect(fieldValue(profile, 'eventCounts.Never')).toBe(0);
    expect(fieldValue(profile, 'traits.plan.tier')).toBeUndefined();
  });

  it.each<[SegmentRule, boolean]>([
    [{ field: 'eventCount', op: 'eq', value: 12 }, true],
    [{ field: 'eventCount', op: 'neq', value: 12 }, false],
    [{ field: 'eventCount', op: 'gt', value: 11 }, true],
    [{ field: 'eventCount', op: 'gte', value: 13 }, false],
    [{ field: 'eventCount', op: 'lt', value: 13 }, true],
    [{ field: 'eventCount', op: 'lte', value: 11 }, false],
    [{ field: 'eventCount', op: 'gt', value: '11' }, false],
    [{ field: 'lastSeenAt', op: 'gte', value: '2026-01-01T00:00:00.000Z' }, true],
    [{ field: 'device.type', op: 'in', value: ['mobile', 'tablet'] }, true],
    [{ field: 'anonymousIds', op: 'contains', value: 'a1' }, true],
    [{ field: 'traits.plan', op: 'contains', value: 'pr' }, true],
    [{ field: 'traits.email', op: 'exists', value: false }, true],
    [{ field: 'userId', op: 'exists', value: true }, true],
    [
      {
        all: [
          { field: 'eventCount', op: 'gte', value: 10 },
          { field: 'traits.plan', op: 'eq', value: 'free' },
        ],
      },
      false,
    ],
    [
      {
        any: [
          { field: 'eventCount', op: 'gte', value: 100 },
          { field: 'traits.plan', op: 'eq', value: 'pro' },
        ],
      },
      true,
    ],
    [{ not: { field: 'traits.plan', op: 'eq', value: 'pro' } }, false],
  ])('%j -> %s', (rule, expected) => {
    expect(matches(profile, rule)).toBe(expected);
  });

  it('lists matching segments sorted', () => {
    expect(
      evaluateSegments(profile, [
        { name: 'z', rule: { field: 'userId', op: 'exists', value: true } },
        { name: 'a', rule: { field: 'eventCount', op: 'gt', value: 1 } },
        { name: 'm', rule: { field: 'eventCount', op: 'gt', value: 100 } },
      ]),
    ).toEqual(['a', 'z']);
  });

  it('validates configuration: operators, value shapes, names, duplicates', () => {
    const invalid = segmentsSchema.safeParse([
      { name: 'ok', rule: { field: 'x', op: 'in', value: 1 } },
      { name: 'ok2', rule: { field: 'x', op: 'like', value: 'a' } },
      { name: 'bad name!', rule: { all: [] } },
      { name: 'code', rule: { field: 'x', op: 'eq', value: 1, eval: 'process.exit()' } },
    ]);
    expect(invalid.success).toBe(false);
    const paths = invalid.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['0.rule.value', '1.rule', '2.name', '2.rule.all', '3.rule']),
    );
    const duplicate = segmentsSchema.safeParse([
      { name: 'a', rule: { field: 'x', op: 'eq', value: 1 } },
      { name: 'a', rule: { field: 'x', op: 'eq', value: 2 } },
    ]);
    expect(duplicate.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['1.name', 'duplicate segment name "a"'],
    ]);
    expect(
      segmentsSchema.safeParse([{ name: 'ok', rule: { field: 'x', op: 'gte', value: 1 } }]).success,
    ).toBe(true);
  });
});
