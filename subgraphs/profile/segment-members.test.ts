import { describe, expect, it } from 'vitest';
import { redisLayout, SEGMENT_SHARDS } from '../../schema/redis-keys.ts';
import { useOwnRedis } from '../../test/support/redis-server.ts';
import { createSegmentReader, decodeMemberCursor, encodeMemberCursor } from './segment-members.ts';

describe('segment member cursors', () => {
  it('round-trip', () => {
    const cursor = { shard: 3, scan: '1234', skip: 7 };
    expect(decodeMemberCursor(encodeMemberCursor(cursor))).toEqual(cursor);
  });

  it('refuse what is not a cursor', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    expect(decodeMemberCursor('not-a-cursor')).toBeUndefined();
    expect(decodeMemberCursor(encode([0, '12', -1]))).toBeUndefined();
    expect(decodeMemberCursor(encode([0, '1 OR 1', 0]))).toBeUndefined();
    expect(decodeMemberCursor(encode([0, 12, 0]))).toBeUndefined();
    expect(decodeMemberCursor(encode([SEGMENT_SHARDS, '0', 0]))).toBeUndefined();
    expect(decodeMemberCursor(encode([-1, '0', 0]))).toBeUndefined();
    // The form of a single, unsharded set: its position means nothing in the shards.
    expect(decodeMemberCursor(encode(['12', 0]))).toBeUndefined();
  });
});

describe('segment reader over shards', () => {
  const redis = useOwnRedis();
  const layout = redisLayout('segment-reader:');

  it('pages through every shard, each member once, and counts them all', async () => {
    const ids = Array.from({ length: 250 }, (_, index) => `member-${index}`);
    await Promise.all(ids.map((id) => redis().sadd(layout.segmentMembersOf('big', id), id)));
    const reader = createSegmentReader(redis(), layout);

    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const cursor = after === undefined ? undefined : decodeMemberCursor(after);
      const page = await reader.members('big', 7, cursor);
      expect(page.members.length).toBe(page.hasNextPage ? 7 : page.members.length);
      seen.push(...page.members.map((member) => member.id));
      after = page.members.at(-1)?.cursor;
      if (!page.hasNextPage) break;
    }
    expect(seen.toSorted()).toEqual(ids.toSorted());
    expect(new Set(seen).size).toBe(ids.length);
    expect(await reader.size('big')).toBe(ids.length);
  });

  it('spreads members over the shards', async () => {
    const filled = await Promise.all(
      layout.segmentMemberShards('big').map((key) => redis().scard(key)),
    );
    expect(filled.filter((count) => count > 0).length).toBe(SEGMENT_SHARDS);
  });

  it('an empty segment has no members and no next page', async () => {
    const reader = createSegmentReader(redis(), layout);
    expect(await reader.members('none', 5, undefined)).toEqual({ members: [], hasNextPage: false });
    expect(await reader.size('none')).toBe(0);
  });
});
