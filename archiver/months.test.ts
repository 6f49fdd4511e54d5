import { describe, expect, it } from 'vitest';
import {
  addMonths,
  compareMonths,
  expiredMonths,
  FIRST_MONTH,
  isPartitionable,
  LAST_MONTH,
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

  it('name and bound every month event times may fall in, 2000-01 to 2099-12, without gaps', () => {
    const months = Array.from({ length: 100 * 12 }, (_, i) =>
      addMonths({ year: 2000, month: 1 }, i),
    );
    expect(months.at(-1)).toEqual({ year: 2099, month: 12 });
    const names = months.map(partitionName);
    expect(names[0]).toBe('events_y2000m01');
    expect(names.at(-1)).toBe('events_y2099m12');
    expect(new Set(names).size).toBe(months.length);
    expect(names.map(parsePartitionName)).toEqual(months);
    const bounds = months.map(monthBounds);
    expect(bounds[0]?.from).toBe('2000-01-01T00:00:00.000Z');
    expect(bounds.at(-1)?.to).toBe('2100-01-01T00:00:00.000Z');
    bounds.slice(1).forEach((bound, i) => expect(bound.from).toBe(bounds[i]?.to));
    expect(months.every(isPartitionable)).toBe(true);
    // The window's first and last instants fall in its first and last month.
    expect(monthOf('2000-01-01T00:00:00.000Z')).toEqual({ year: 2000, month: 1 });
    expect(monthOf('2099-12-31T23:59:59.999Z')).toEqual({ year: 2099, month: 12 });
  });

  it('bound the years 0-99 as themselves, and partition only four-digit bounds', () => {
    expect(monthBounds({ year: 50, month: 2 })).toEqual({
      from: '0050-02-01T00:00:00.000Z',
      to: '0050-03-01T00:00:00.000Z',
    });
    expect(monthBounds(LAST_MONTH).to).toBe('9999-12-01T00:00:00.000Z');
    expect(compareMonths(FIRST_MONTH, { year: 1, month: 1 })).toBe(0);
    expect(isPartitionable({ year: 0, month: 12 })).toBe(false);
    expect(isPartitionable({ year: 9999, month: 12 })).toBe(false);
    expect(monthOf('+010000-01-01T00:00:00.000Z')).toEqual({ year: 10_000, month: 1 });
    expect(isPartitionable({ year: 10_000, month: 1 })).toBe(false);
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
