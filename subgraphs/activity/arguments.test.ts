import { describe, expect, it } from 'vitest';
import { afterCursor, eventType, pageSize, volumeRange } from './arguments.ts';
import { encodeCursor } from './cursor.ts';

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
  return 'no error';
}

describe('activity arguments', () => {
  it('bound page sizes', () => {
    expect(pageSize(1)).toBe(1);
    expect(pageSize(100)).toBe(100);
    expect(codeOf(() => pageSize(0))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => pageSize(101))).toBe('BAD_USER_INPUT');
  });

  it('decode cursors and refuse foreign ones', () => {
    const cursor = { timestamp: '2026-01-01T00:00:00.000Z', messageId: 'm', profileId: 'u' };
    expect(afterCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(afterCursor(null)).toBeUndefined();
    expect(codeOf(() => afterCursor('nope'))).toBe('BAD_USER_INPUT');
  });

  it('accept only Segment call types', () => {
    expect(eventType('track')).toBe('track');
    expect(eventType(undefined)).toBeUndefined();
    expect(codeOf(() => eventType('click'))).toBe('BAD_USER_INPUT');
  });

  it('normalize volume ranges and bound the number of buckets', () => {
    expect(volumeRange('HOUR', '2026-01-01T00:30:00+01:00', '2026-01-02T00:00:00Z')).toEqual({
      unit: 'hour',
      from: '2025-12-31T23:30:00.000Z',
      to: '2026-01-02T00:00:00.000Z',
    });
    expect(codeOf(() => volumeRange('DAY', '2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z'))).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      codeOf(() => volumeRange('MINUTE', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')),
    ).toBe('BAD_USER_INPUT');
    expect(volumeRange('MONTH', '2000-01-01T00:00:00Z', '2026-01-01T00:00:00Z').unit).toBe('month');
  });
});
