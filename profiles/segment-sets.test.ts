import { describe, expect, it } from 'vitest';
import { emptyStoredProfile, type StoredProfile } from '../schema/profile.ts';
import { redisLayout, SEGMENT_SHARDS, segmentShardOf } from '../schema/redis-keys.ts';
import { useOwnRedis } from '../test/support/redis-server.ts';
import { forgetProfiles, restoreProfiles } from './profile-restore.ts';
import { createProfileStore } from './profile-store.ts';
import { segmentMemberSets } from './segment-sets.ts';

const layout = redisLayout('segment-sets-test:');
const ids = Array.from({ length: 64 }, (_, index) => `user-${index}`);

describe('the segment shard of a profile', () => {
  it('is 32-bit FNV-1a of the UTF-8 bytes modulo the shard count, on every platform', () => {
    // Pinned: another hash would leave every stored member in the wrong shard.
    expect(SEGMENT_SHARDS).toBe(16);
    expect(['u1', 'alice', 'user-42', 'ünïcødé', ''].map(segmentShardOf)).toEqual([3, 7, 11, 0, 5]);
  });

  it('spreads ids over every shard, each its own hash slot', () => {
    expect(new Set(ids.map(segmentShardOf)).size).toBe(SEGMENT_SHARDS);
    const shards = layout.segmentMemberShards('vip');
    expect(shards).toHaveLength(SEGMENT_SHARDS);
    expect(shards[3]).toBe('segment-sets-test:segment:{vip#3}:members');
    expect(layout.segmentMembersOf('vip', 'u1')).toBe(shards[segmentShardOf('u1')]);
  });
});

describe('segment sets over shards', () => {
  const redis = useOwnRedis();

  /** Every member of a segment, from all its shards, sorted. */
  async function membersOf(segment: string): Promise<string[]> {
    const shards = await Promise.all(
      layout.segmentMemberShards(segment).map((key) => redis().smembers(key)),
    );
    return shards.flat().toSorted();
  }

  it('syncSegmentSets puts each profile in its shard and takes it out of segments it left', async () => {
    const store = createProfileStore(redis(), layout);
    await store.syncSegmentSets(
      ids.map((id) => ({ id, segments: ['vip', 'mobile'] })),
      ['vip', 'mobile'],
    );
    expect(await membersOf('vip')).toEqual(ids.toSorted());
    for (const id of ids)
      expect(await redis().sismember(layout.segmentMembersOf('vip', id), id)).toBe(1);

    const leaving = ids.slice(0, 10);
    // A profile listed twice: its last membership is the one that holds.
    await store.syncSegmentSets(
      [
        { id: 'user-10', segments: [] },
        ...leaving.map((id) => ({ id, segments: ['vip'] })),
        { id: 'user-10', segments: ['vip', 'mobile'] },
      ],
      ['vip', 'mobile'],
    );
    expect(await membersOf('vip')).toEqual(ids.toSorted());
    expect(await membersOf('mobile')).toEqual(ids.slice(10).toSorted());
  });

  it('segmentMemberSets finds every shard of every segment', async () => {
    const sets = await segmentMemberSets(redis(), layout);
    expect(sets.toSorted()).toEqual(
      [...layout.segmentMemberShards('vip'), ...layout.segmentMemberShards('mobile')].toSorted(),
    );
  });

  it('restoreProfiles and forgetProfiles keep the shards in step with the documents', async () => {
    const restored = (id: string, segments: string[]): StoredProfile => {
      const stored = emptyStoredProfile(id);
      return { ...stored, profile: { ...stored.profile, version: 1, segments } };
    };
    await restoreProfiles(
      redis(),
      layout,
      [restored('r1', ['restored']), restored('r2', []), restored('r3', ['restored'])],
      'absent',
      { knownSegments: ['restored', 'vip'] },
    );
    expect(await membersOf('restored')).toEqual(['r1', 'r3']);

    await redis().sadd(layout.segmentMembersOf('vip', 'r2'), 'r2');
    const forgotten = await forgetProfiles(
      redis(),
      layout,
      ['r1', 'r2', 'not-stored'],
      await segmentMemberSets(redis(), layout),
    );
    expect(forgotten).toBe(2);
    expect(await membersOf('restored')).toEqual(['r3']);
    expect(await membersOf('vip')).not.toContain('r2');
    expect(await redis().exists(layout.profile('r1'), layout.profile('r2'))).toBe(0);
  });
});
