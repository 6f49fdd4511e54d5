import { describe, expect, it } from 'vitest';
import { parseChangeNotice } from './change-notice.ts';

describe('parseChangeNotice', () => {
  it('reads id, version and segment changes, ignoring other fields', () => {
    expect(
      parseChangeNotice(
        '{"id":"u1","version":4,"changed":["eventCount"],"segments":{"entered":["vip"],"left":["new"]},"extra":1}',
      ),
    ).toEqual({ id: 'u1', version: 4, entered: ['vip'], left: ['new'] });
  });

  it('treats a message without segment lists as no segment change', () => {
    expect(parseChangeNotice('{"id":"u1","version":1,"changed":[]}')).toEqual({
      id: 'u1',
      version: 1,
      entered: [],
      left: [],
    });
  });

  it('refuses what is not a change notice', () => {
    expect(parseChangeNotice('not json')).toBeUndefined();
    expect(parseChangeNotice('[1]')).toBeUndefined();
    expect(parseChangeNotice('{"id":1,"version":1}')).toBeUndefined();
    expect(parseChangeNotice('{"id":"u1","version":"2"}')).toBeUndefined();
  });
});
