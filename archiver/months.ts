/**
 * Month arithmetic for the `events` partitions (UTC). A month is `{ year, month }` with month
 * 1-12; partitions are named events_yYYYYmMM and hold [first instant, first instant of next).
 */
export interface Month {
  year: number;
  month: number;
}

/**
 * The months partitions can exist for: bounds with four-digit years, which PostgreSQL and
 * JavaScript read and write the same way in ISO 8601 (so not 9999-12, whose end is in the year
 * 10000), as the events_yYYYYmMM names hold them. Ingest lets through much less (2000-01 to
 * 2099-12); an event outside gets no partition, and the archive refuses it.
 */
export const FIRST_MONTH: Month = { year: 1, month: 1 };
export const LAST_MONTH: Month = { year: 9999, month: 11 };

/** The UTC month of an instant; undefined when the text is not a date. */
export function monthOf(timestamp: string): Month | undefined {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) return undefined;
  const date = new Date(ms);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1 };
}

export function addMonths({ year, month }: Month, count: number): Month {
  const index = year * 12 + (month - 1) + count;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

export function compareMonths(a: Month, b: Month): number {
  return a.year * 12 + a.month - (b.year * 12 + b.month);
}

export function isPartitionable(month: Month): boolean {
  return compareMonths(month, FIRST_MONTH) >= 0 && compareMonths(month, LAST_MONTH) <= 0;
}

export function partitionName({ year, month }: Month): string {
  return `events_y${String(year).padStart(4, '0')}m${String(month).padStart(2, '0')}`;
}

/** The month a partition name stands for; undefined for any other table. */
export function parsePartitionName(name: string): Month | undefined {
  const match = /^events_y(\d{4,})m(\d{2})$/.exec(name);
  if (!match) return undefined;
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? { year: Number(match[1]), month } : undefined;
}

/** The partition's bounds as ISO 8601 instants, for `FOR VALUES FROM (...) TO (...)`. */
export function monthBounds(month: Month): { from: string; to: string } {
  const start = (m: Month) => {
    // setUTCFullYear, not Date.UTC, which reads the years 0-99 as 1900-1999.
    const date = new Date(0);
    date.setUTCFullYear(m.year, m.month - 1, 1);
    return date.toISOString();
  };
  return { from: start(month), to: start(addMonths(month, 1)) };
}

/** The current month and the `ahead` months after it. */
export function monthsToPrepare(now: Date, ahead: number): Month[] {
  const current = monthOf(now.toISOString()) as Month;
  return Array.from({ length: ahead + 1 }, (_, i) => addMonths(current, i));
}

/**
 * Months entirely older than the retention window: with `retentionMonths` = 12 in March 2027
 * the current month and the 12 before it are kept, and February 2026 and older go. 0 keeps all.
 */
export function expiredMonths(
  existing: readonly Month[],
  now: Date,
  retentionMonths: number,
): Month[] {
  if (retentionMonths <= 0) return [];
  const oldestKept = addMonths(monthOf(now.toISOString()) as Month, -retentionMonths);
  return existing.filter((month) => compareMonths(month, oldestKept) < 0);
}
