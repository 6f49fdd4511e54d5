import { describe, expect, it } from 'vitest';
import { emptyProfile } from '../schema/profile.ts';
import { describeChange } from './profile-change.ts';

describe('describeChange', () => {
  it('lists the changed fields and the segments entered and left', () => {
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
      changed: ['eventCount', 'segments', 'traits', 'version'],
      segments: { entered: ['c'], left: ['a'] },
    });
  });

  it('does not list objects that are equal but not identical', () => {
    const before = { ...emptyProfile('u1'), eventCounts: { x: 1 } };
    const after = { ...before, eventCounts: { x: 1 }, version: 1 };
    expect(describeChange(before, after).changed).toEqual(['version']);
  });
});
