import { describe, expect, it } from 'vitest';
import { emptyProfile } from './profile.ts';
import { parseProfileChange } from './profile-change.ts';

describe('parseProfileChange', () => {
  it('reads id, version and segment changes, ignoring other fields', () => {
    expect(
      parseProfileChange(
        '{"id":"u1","version":4,"changed":["eventCount"],"segments":{"entered":["vip"],"left":["new"]},"extra":1}',
      ),
    ).toEqual({ id: 'u1', version: 4, segments: { entered: ['vip'], left: ['new'] } });
  });

  it('treats a message without segment lists as no segment change', () => {
    expect(parseProfileChange('{"id":"u1","version":1}')).toEqual({
      id: 'u1',
      version: 1,
      segments: { entered: [], left: [] },
    });
  });

  it('reads the carried profile and the version it replaced, defaulting fields it lacks', () => {
    const { segments: _left, ...older } = { ...emptyProfile('u1'), version: 4, eventCount: 4 };
    const change = parseProfileChange(
      JSON.stringify({ id: 'u1', version: 4, previousVersion: 2, profile: older }),
    );
    expect(change).toEqual({
      id: 'u1',
      version: 4,
      previousVersion: 2,
      segments: { entered: [], left: [] },
      profile: { ...emptyProfile('u1'), version: 4, eventCount: 4 },
    });
  });

  it('leaves out a profile that is not the announced one, and any on a merged-away profile', () => {
    const profile = { ...emptyProfile('u1'), version: 3 };
    const at = (fields: object) => parseProfileChange(JSON.stringify(fields))?.profile;
    expect(at({ id: 'u1', version: 4, profile })).toBeUndefined();
    expect(at({ id: 'u2', version: 3, profile })).toBeUndefined();
    expect(at({ id: 'u1', version: 3, profile: [profile] })).toBeUndefined();
    expect(at({ id: 'u1', version: 3, profile, mergedInto: 'u9' })).toBeUndefined();
    expect(at({ id: 'u1', version: 3, profile })).toEqual(profile);
  });

  it('refuses what is not a profile change', () => {
    expect(parseProfileChange('not json')).toBeUndefined();
    expect(parseProfileChange('[1]')).toBeUndefined();
    expect(parseProfileChange('{"id":1,"version":1}')).toBeUndefined();
    expect(parseProfileChange('{"id":"u1","version":"2"}')).toBeUndefined();
  });
});
