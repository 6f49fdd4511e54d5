import { describe, expect, it } from 'vitest';
import type { SegmentDefinition } from '../../schema/segments.ts';
import { emptyStoredProfile } from '../apply-event.ts';
import { noRules } from '../test-events.ts';
import { parsePersonIdentity } from './identity-graph.ts';
import { withRecordedIdentity } from './person-identity.ts';

describe('withRecordedIdentity', () => {
  const replayed = emptyStoredProfile('u1');

  it('takes userId, identifiers and mergedFrom from the snapshot, sorted', () => {
    const stored = withRecordedIdentity(
      replayed,
      { userId: 'u1', identifiers: ['u1', 'b', 'a'], mergedFrom: ['b', 'a'] },
      noRules,
    );
    expect(stored.profile).toMatchObject({
      userId: 'u1',
      identifiers: ['a', 'b', 'u1'],
      mergedFrom: ['a', 'b'],
    });
  });

  it('leaves a person of one identifier as replayed', () => {
    expect(withRecordedIdentity(replayed, undefined, noRules)).toBe(replayed);
    expect(
      withRecordedIdentity(
        replayed,
        { userId: null, identifiers: ['u1'], mergedFrom: [] },
        noRules,
      ),
    ).toBe(replayed);
  });

  it('evaluates segments again when the recorded userId changes the profile', () => {
    const identified: SegmentDefinition = {
      name: 'identified',
      rule: { field: 'userId', op: 'exists', value: true },
    };
    const rules = { ...noRules, segments: [identified] };
    const stored = withRecordedIdentity(
      replayed,
      { userId: 'u1', identifiers: ['a1', 'u1'], mergedFrom: ['a1'] },
      rules,
    );
    expect(stored.profile.segments).toEqual(['identified']);
  });
});

describe('parsePersonIdentity', () => {
  it('reads the snapshot fields and drops what is malformed', () => {
    expect(
      parsePersonIdentity({ userId: 'u1', identifiers: ['a', 7, 'u1'], mergedFrom: 'x' }),
    ).toEqual({ userId: 'u1', identifiers: ['a', 'u1'], mergedFrom: [] });
    expect(parsePersonIdentity(null)).toEqual({ userId: null, identifiers: [], mergedFrom: [] });
  });
});
