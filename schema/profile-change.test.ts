import { describe, expect, it } from 'vitest';
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

  it('refuses what is not a profile change', () => {
    expect(parseProfileChange('not json')).toBeUndefined();
    expect(parseProfileChange('[1]')).toBeUndefined();
    expect(parseProfileChange('{"id":1,"version":1}')).toBeUndefined();
    expect(parseProfileChange('{"id":"u1","version":"2"}')).toBeUndefined();
  });
});
