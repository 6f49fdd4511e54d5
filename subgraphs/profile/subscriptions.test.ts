import { describe, expect, it } from 'vitest';
import { emptyProfile } from '../../schema/profile.ts';
import type { ChangedProfile } from './change-reader.ts';
import { concernsSegment, membershipChanges } from './subscriptions.ts';

const changedProfile = (
  segments: string[],
  changes: Array<{ entered: string[]; left: string[] }>,
): ChangedProfile => ({
  profile: { ...emptyProfile('u1'), segments, version: 2 },
  changes: changes.map((lists, index) => ({ id: 'u1', version: index + 1, segments: lists })),
});

describe('segment subscriptions', () => {
  it('profilesUpdated(segment) sees members and the change that made one leave', () => {
    expect(concernsSegment(changedProfile(['vip'], []), 'vip')).toBe(true);
    expect(concernsSegment(changedProfile([], [{ entered: [], left: ['vip'] }]), 'vip')).toBe(true);
    expect(concernsSegment(changedProfile(['other'], []), 'vip')).toBe(false);
    expect(concernsSegment(changedProfile([], []), null)).toBe(true);
  });

  it('segmentMembershipChanged lists entering and leaving in order', () => {
    const merged = changedProfile(
      [],
      [
        { entered: ['vip'], left: [] },
        { entered: [], left: ['vip', 'new'] },
      ],
    );
    expect(membershipChanges(merged, 'vip').map((c) => c.kind)).toEqual(['ENTERED', 'LEFT']);
    expect(membershipChanges(merged, 'absent')).toEqual([]);
  });
});
