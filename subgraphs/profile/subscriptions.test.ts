import { describe, expect, it } from 'vitest';
import { emptyProfile } from '../../schema/profile.ts';
import { concernsSegment, membershipChanges } from './subscriptions.ts';

const update = (segments: string[], notices: Array<{ entered: string[]; left: string[] }>) => ({
  profile: { ...emptyProfile('u1'), segments, version: 2 },
  notices: notices.map((n, index) => ({ id: 'u1', version: index + 1, ...n })),
});

describe('segment subscriptions', () => {
  it('profilesUpdated(segment) sees members and the change that made one leave', () => {
    expect(concernsSegment(update(['vip'], []), 'vip')).toBe(true);
    expect(concernsSegment(update([], [{ entered: [], left: ['vip'] }]), 'vip')).toBe(true);
    expect(concernsSegment(update(['other'], []), 'vip')).toBe(false);
    expect(concernsSegment(update([], []), null)).toBe(true);
  });

  it('segmentMembershipChanged lists entering and leaving in order', () => {
    const merged = update(
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
