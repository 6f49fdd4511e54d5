import { describe, expect, it } from 'vitest';
import { emptyProfile } from '../schema/profile.ts';
import { describeChange } from './describe-change.ts';

describe('describeChange', () => {
  it('names the profile, its versions, the segments entered and left, and carries the profile', () => {
    const before = { ...emptyProfile('u1'), segments: ['a', 'b'], traits: { plan: 'free' } };
    const after = {
      ...before,
      eventCount: 1,
      version: 1,
      traits: { plan: 'pro' },
      segments: ['b', 'c'],
    };
    expect(describeChange(before, after)).toEqual({
      id: 'u1',
      version: 1,
      previousVersion: 0,
      segments: { entered: ['c'], left: ['a'] },
      profile: after,
    });
  });

  it('has empty segment lists when the segments stayed', () => {
    const before = { ...emptyProfile('u1'), segments: ['a'] };
    const after = { ...before, eventCount: 1, version: 1 };
    expect(describeChange(before, after).segments).toEqual({ entered: [], left: [] });
  });
});
