import { describe, expect, it } from 'vitest';
import { decodeMemberCursor, encodeMemberCursor } from './segment-members.ts';

describe('segment member cursors', () => {
  it('round-trip', () => {
    const cursor = { scan: '1234', skip: 7 };
    expect(decodeMemberCursor(encodeMemberCursor(cursor))).toEqual(cursor);
  });

  it('refuse what is not a cursor', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    expect(decodeMemberCursor('not-a-cursor')).toBeUndefined();
    expect(decodeMemberCursor(encode(['12', -1]))).toBeUndefined();
    expect(decodeMemberCursor(encode(['1 OR 1', 0]))).toBeUndefined();
    expect(decodeMemberCursor(encode([12, 0]))).toBeUndefined();
  });
});
