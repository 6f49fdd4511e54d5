import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';
import { EVENT_TYPES } from '../../schema/event.ts';
import { decodeCursor, type ActivityCursor } from './cursor.ts';
import type { VolumeUnit } from './activity-repository.ts';

/** The largest page of activities, and the most buckets one eventVolume answer holds. */
export const MAX_PAGE = 100;
export const MAX_BUCKETS = 1_000;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BadUserInput } });
}

export function pageSize(first: number): number {
  if (first < 1 || first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`);
  return first;
}

export function afterCursor(after: string | null | undefined): ActivityCursor | undefined {
  if (after == null) return undefined;
  const cursor = decodeCursor(after);
  if (cursor === undefined) throw badInput('after is not a valid cursor');
  return cursor;
}

export function eventType(type: string | null | undefined): string | undefined {
  if (type == null) return undefined;
  if (!(EVENT_TYPES as readonly string[]).includes(type))
    throw badInput(`type must be one of ${EVENT_TYPES.join(', ')}`);
  return type;
}

/** Approximate bucket widths, only to bound the number of buckets before querying. */
const UNIT_MS: Record<VolumeUnit, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 28 * 86_400_000, // the shortest month, so the bound is never too lax
};

export type VolumeInterval = 'MINUTE' | 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';

/** Checks an eventVolume range: `from` before `to`, and at most MAX_BUCKETS buckets. */
export function volumeRange(
  interval: VolumeInterval,
  from: string,
  to: string,
): { unit: VolumeUnit; from: string; to: string } {
  const unit = interval.toLowerCase() as VolumeUnit;
  const start = Date.parse(from);
  const end = Date.parse(to);
  if (!(start < end)) throw badInput('from must be before to');
  // +1: the first bucket starts at `from` truncated, up to one bucket earlier.
  const buckets = Math.ceil((end - start) / UNIT_MS[unit]) + 1;
  if (buckets > MAX_BUCKETS)
    throw badInput(
      `the range holds about ${buckets} ${unit} buckets; at most ${MAX_BUCKETS}: use a wider interval or a shorter range`,
    );
  return { unit, from: new Date(start).toISOString(), to: new Date(end).toISOString() };
}
