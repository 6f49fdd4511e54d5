import type { Redis } from 'ioredis';
import { decodeOpaqueCursor, encodeOpaqueCursor } from '../../lib/graphql/opaque-cursor.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';

/**
 * Position in a segment's member set: the SSCAN cursor of a batch and how many members of that
 * batch were already handed out. A page may end inside a batch (SSCAN's COUNT is only a hint,
 * and small sets come back whole), so the next page rescans from the batch start and skips.
 */
export interface MemberCursor {
  scan: string;
  skip: number;
}

export function encodeMemberCursor(cursor: MemberCursor): string {
  return encodeOpaqueCursor([cursor.scan, cursor.skip]);
}

/** Decodes a cursor a client sent back; undefined when it is not one of ours. */
export function decodeMemberCursor(value: string): MemberCursor | undefined {
  return decodeOpaqueCursor(value, ([scan, skip, ...rest]) =>
    typeof scan === 'string' &&
    /^\d+$/.test(scan) &&
    typeof skip === 'number' &&
    Number.isSafeInteger(skip) &&
    skip >= 0 &&
    rest.length === 0
      ? { scan, skip }
      : undefined,
  );
}

export interface MemberPage {
  /** Member ids with the cursor that continues after each. */
  members: Array<{ id: string; cursor: string }>;
  hasNextPage: boolean;
}

export interface SegmentReader {
  size(segment: string): Promise<number>;
  /** Up to `first` members after `after` (the start when undefined). */
  members(segment: string, first: number, after: MemberCursor | undefined): Promise<MemberPage>;
}

export function createSegmentReader(redis: Redis, layout: RedisLayout): SegmentReader {
  return {
    size: (segment) => redis.scard(layout.segmentMembers(segment)),
    async members(segment, first, after) {
      const key = layout.segmentMembers(segment);
      const members: MemberPage['members'] = [];
      let scan = after?.scan ?? '0';
      let skip = after?.skip ?? 0;
      // One more than asked tells whether a next page exists; SSCAN ends when it returns '0'.
      for (;;) {
        const [next, batch] = await redis.sscan(key, scan, 'COUNT', Math.max(first + 1, 10));
        const fresh = batch.slice(skip);
        for (const [index, id] of fresh.entries()) {
          if (members.length === first) return { members, hasNextPage: true };
          members.push({ id, cursor: encodeMemberCursor({ scan, skip: skip + index + 1 }) });
        }
        if (next === '0') return { members, hasNextPage: false };
        scan = next;
        skip = 0;
      }
    },
  };
}
