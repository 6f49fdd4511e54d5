import { decodeOpaqueCursor, encodeOpaqueCursor } from '../../lib/graphql/opaque-cursor.ts';
import type { RedisClient } from '../../lib/redis.ts';
import { SEGMENT_SHARDS, type RedisLayout } from '../../schema/redis-keys.ts';

/**
 * Position in a segment's members: the shard being read (schema/redis-keys.ts), the SSCAN
 * cursor of a batch of it and how many members of that batch were already handed out. A page
 * may end inside a batch (SSCAN's COUNT is only a hint, and small sets come back whole), so
 * the next page rescans from the batch start and skips. Shards are read in order, 0 first.
 */
export interface MemberCursor {
  shard: number;
  scan: string;
  skip: number;
}

export function encodeMemberCursor(cursor: MemberCursor): string {
  return encodeOpaqueCursor([cursor.shard, cursor.scan, cursor.skip]);
}

/** Decodes a cursor a client sent back; undefined when it is not one of ours. */
export function decodeMemberCursor(value: string): MemberCursor | undefined {
  return decodeOpaqueCursor(value, ([shard, scan, skip, ...rest]) =>
    typeof shard === 'number' &&
    Number.isSafeInteger(shard) &&
    shard >= 0 &&
    shard < SEGMENT_SHARDS &&
    typeof scan === 'string' &&
    /^\d+$/.test(scan) &&
    typeof skip === 'number' &&
    Number.isSafeInteger(skip) &&
    skip >= 0 &&
    rest.length === 0
      ? { shard, scan, skip }
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

export function createSegmentReader(redis: RedisClient, layout: RedisLayout): SegmentReader {
  return {
    async size(segment) {
      const counts = await Promise.all(
        layout.segmentMemberShards(segment).map((key) => redis.scard(key)),
      );
      return counts.reduce((sum, count) => sum + count, 0);
    },
    async members(segment, first, after) {
      const members: MemberPage['members'] = [];
      let shard = after?.shard ?? 0;
      let scan = after?.scan ?? '0';
      let skip = after?.skip ?? 0;
      // One more than asked tells whether a next page exists; a shard ends when SSCAN returns '0'.
      while (shard < SEGMENT_SHARDS) {
        const key = layout.segmentMembers(segment, shard);
        const [next, batch] = await redis.sscan(key, scan, 'COUNT', Math.max(first + 1, 10));
        const fresh = batch.slice(skip);
        for (const [index, id] of fresh.entries()) {
          if (members.length === first) return { members, hasNextPage: true };
          members.push({ id, cursor: encodeMemberCursor({ shard, scan, skip: skip + index + 1 }) });
        }
        if (next === '0') {
          shard += 1;
          scan = '0';
        } else scan = next;
        skip = 0;
      }
      return { members, hasNextPage: false };
    },
  };
}
