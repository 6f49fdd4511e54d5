import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('activity cursors', () => {
  it('round-trip', () => {
    const cursor = { timestamp: '2026-01-01T00:00:00.000Z', messageId: 'm-1', profileId: 'u1' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('refuse what is not a cursor', () => {
    expect(decodeCursor('not-a-cursor')).toBeUndefined();
    expect(decodeCursor(Buffer.from('[1,2]').toString('base64url'))).toBeUndefined();
  });
});
