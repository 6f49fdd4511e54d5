import { describe, expect, it } from 'vitest';
import {
  addMonths,
  expiredMonths,
  monthBounds,
  monthOf,
  monthsToPrepare,
  parsePartitionName,
  partitionName,
} from './months.ts';

describe('partition months', () => {
  it('take the UTC month of an instant, whatever its offset', () => {
    expect(monthOf('2026-01-01T00:30:00+01:00')).toEqual({ year: 2025, month: 12 });
    expect(monthOf('2026-02-28T23:59:59.999Z')).toEqual({ year: 2026, month: 2 });
    expect(monthOf('not a date')).toBeUndefined();
  });

  it('cross year boundaries both ways', () => {
    expect(addMonths({ year: 2026, month: 11 }, 3)).toEqual({ year: 2027, month: 2 });
    expect(addMonths({ year: 2026, month: 1 }, -13)).toEqual({ year: 2024, month: 12 });
  });

  it('name partitions and read the names back', () => {
    expect(partitionName({ year: 2026, month: 3 })).toBe('events_y2026m03');
    expect(parsePartitionName('events_y2026m03')).toEqual({ year: 2026, month: 3 });
    expect(parsePartitionName('events_y2026m13')).toBeUndefined();
    expect(parsePartitionName('profiles')).toBeUndefined();
  });

  it('bound a month as half-open UTC instants', () => {
    expect(monthBounds({ year: 2026, month: 12 })).toEqual({
      from: '2026-12-01T00:00:00.000Z',
      to: '2027-01-01T00:00:00.000Z',
    });
  });

  it('prepare the current month and the ones ahead', () => {
    expect(monthsToPrepare(new Date('2026-11-21T10:00:00Z'), 2)).toEqual([
      { year: 2026, month: 11 },
      { year: 2026, month: 12 },
      { year: 2027, month: 1 },
    ]);
  });

  it('expire only months wholly outside the retention window', () => {
    const existing = [
      { year: 2026, month: 1 },
      { year: 2026, month: 2 },
      { year: 2026, month: 3 },
      { year: 2027, month: 3 },
    ];
    const now = new Date('2027-03-15T00:00:00Z');
    expect(expiredMonths(existing, now, 12)).toEqual([
      { year: 2026, month: 1 },
      { year: 2026, month: 2 },
    ]);
    expect(expiredMonths(existing, now, 0)).toEqual([]);
  });
});
