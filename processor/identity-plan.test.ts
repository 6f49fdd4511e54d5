import { describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../schema/event.ts';
import type { PositionedEvent } from './apply-event.ts';
import { linkedIdentifiers, planIdentities, type PersonState } from './identity-plan.ts';
import type { IdentityPolicy } from './identity-policy.ts';
import { at, stamped } from './test-events.ts';

const policy: IdentityPolicy = { maxIdentifiers: 25, mergeIdentifiedByAlias: false };

function inOrder(events: ActivityEvent[]): PositionedEvent[] {
  return events.map((event, offset) => ({ event, position: { partition: 0, offset } }));
}

const anon = (anonymousId: string) =>
  stamped({ userId: undefined, anonymousId, type: 'page', timestamp: at('10:00:00') });
const identify = (userId: string, anonymousId: string) =>
  stamped({ userId, anonymousId, type: 'identify', traits: {}, timestamp: at('10:01:00') });
const alias = (userId: string, previousId: string) =>
  stamped({ userId, type: 'alias', previousId, timestamp: at('10:02:00') });

/** A plan over Redis as read: `identity` the identity keys, `profiles` the stored profiles. */
function plan(
  events: ActivityEvent[],
  read: {
    identity?: Record<string, string>;
    profiles?: Record<string, PersonState>;
    applied?: (event: PositionedEvent) => boolean;
    policy?: IdentityPolicy;
  } = {},
) {
  return planIdentities({
    events: inOrder(events),
    canonicalOf: (id) => read.identity?.[id] ?? id,
    personOf: (id) => read.profiles?.[id],
    alreadyApplied: read.applied ?? (() => false),
    policy: read.policy ?? policy,
  });
}

describe('linkedIdentifiers', () => {
  it('ties the anonymousId of an event with a userId, and an alias previousId, to the key', () => {
    expect(linkedIdentifiers(identify('u1', 'a1'))).toEqual(['a1']);
    expect(linkedIdentifiers(alias('u1', 'old'))).toEqual(['old']);
    expect(linkedIdentifiers(anon('a1'))).toEqual([]);
    expect(linkedIdentifiers(identify('u1', 'u1'))).toEqual([]);
  });
});

describe('planIdentities', () => {
  it('merges an anonymous profile into the user who identifies with it', () => {
    const result = plan([anon('a1'), identify('u1', 'a1')], {
      profiles: { a1: { userId: null, identifiers: ['a1'] } },
    });
    expect(result.rootOf('a1')).toBe('u1');
    expect(result.absorbed.get('u1')).toEqual(['a1']);
    expect(result.identifiers.get('u1')).toEqual(['a1', 'u1']);
    expect(result.refused).toEqual([]);
  });

  it('joins the known user when only the other side has a userId', () => {
    const result = plan(
      [
        stamped({
          userId: undefined,
          anonymousId: 'a2',
          type: 'alias',
          previousId: 'u1',
          timestamp: at('10:00:00'),
        }),
      ],
      { profiles: { u1: { userId: 'u1', identifiers: ['u1'] } } },
    );
    expect(result.rootOf('a2')).toBe('u1');
    expect(result.absorbed.get('u1')).toEqual(['a2']);
  });

  it('resolves through identity keys, and follows merges made earlier in the round', () => {
    const result = plan(
      [identify('u1', 'a1'), identify('u1', 'a2'), anon('a2'), alias('u1', 'crm-7')],
      {
        identity: { b1: 'u1' },
        profiles: { u1: { userId: 'u1', identifiers: ['b1', 'u1'] } },
      },
    );
    for (const id of ['a1', 'a2', 'b1', 'crm-7', 'u1']) expect(result.rootOf(id)).toBe('u1');
    expect(result.identifiers.get('u1')).toEqual(['a1', 'a2', 'b1', 'crm-7', 'u1']);
    expect(result.absorbed.get('u1')).toEqual(['a1', 'a2', 'crm-7']);
  });

  it('never merges two identified profiles through an anonymousId', () => {
    const result = plan([identify('u2', 'a1')], {
      identity: { a1: 'u1' },
      profiles: { u1: { userId: 'u1', identifiers: ['a1', 'u1'] } },
    });
    expect(result.rootOf('u2')).toBe('u2');
    expect(result.rootOf('a1')).toBe('u1');
    expect(result.absorbed.size).toBe(0);
    expect(result.refused).toMatchObject([
      { identifier: 'u2', refusal: 'both_identified', position: { partition: 0, offset: 0 } },
    ]);
    expect(result.refused[0]?.reason).toContain('a1');
  });

  it('merges two identified profiles by alias only when the policy allows it', () => {
    const profiles = {
      old: { userId: 'old', identifiers: ['old'] },
      u1: { userId: 'u1', identifiers: ['u1'] },
    };
    expect(plan([alias('u1', 'old')], { profiles }).refused).toHaveLength(1);
    const allowed = plan([alias('u1', 'old')], {
      profiles,
      policy: { ...policy, mergeIdentifiedByAlias: true },
    });
    expect(allowed.refused).toEqual([]);
    expect(allowed.rootOf('old')).toBe('u1');
  });

  it('refuses a link that would take a profile past maxIdentifiers', () => {
    const result = plan([identify('u1', 'a1'), identify('u1', 'a2'), identify('u1', 'a3')], {
      policy: { ...policy, maxIdentifiers: 3 },
    });
    expect(result.identifiers.get('u1')).toEqual(['a1', 'a2', 'u1']);
    expect(result.rootOf('a3')).toBe('a3');
    expect(result.refused).toMatchObject([
      { refusal: 'identifier_limit', position: { offset: 2 } },
    ]);
  });

  it('passes over an event its profile already holds: its links were decided when it was applied', () => {
    const result = plan([identify('u2', 'a1')], {
      identity: { a1: 'u1' },
      profiles: { u1: { userId: 'u1', identifiers: ['a1', 'u1'] } },
      applied: () => true,
    });
    expect(result.refused).toEqual([]);
  });
});
