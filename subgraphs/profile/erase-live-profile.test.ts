import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { ErasureFence } from '../../profiles/erasure-fence.ts';
import { createProfileStore, type ProfileWrite } from '../../profiles/profile-store.ts';
import { emptyStoredProfile, type StoredProfile } from '../../schema/profile.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { useOwnRedis } from '../../test/support/redis-server.ts';
import { eraseLivePerson, type LiveErasure } from './erase-live-profile.ts';

const layout = redisLayout('fence-test:');

function writeOf(id: string, fence: string | null, watermark: number): ProfileWrite {
  const stored: StoredProfile = { ...emptyStoredProfile(id), watermarks: { '1': watermark } };
  stored.profile.version = 1;
  return {
    id,
    expectedVersion: 0,
    nextVersion: 1,
    document: JSON.stringify(stored),
    change: { id, version: 1, segments: { entered: [], left: [] } },
    fence,
  };
}

/** The erasure of `identifiers`, failing the test when the step refused. */
async function erase(
  redis: Redis,
  identifiers: string[],
  endOffsets: Record<string, number>,
): Promise<LiveErasure & { fence: ErasureFence }> {
  const erased = await eraseLivePerson(redis, layout, identifiers, endOffsets);
  if (typeof erased === 'string') throw new Error(`refused: ${erased}`);
  const fence = erased.fences.get(identifiers[0] ?? '');
  if (fence === undefined) throw new Error('no fence for the canonical id');
  return { ...erased, fence };
}

describe('the deletion fence in Redis and the fenced profile write', () => {
  const redis = useOwnRedis();

  it('refuses a round that read a brand-new profile before its deletion', async () => {
    const store = createProfileStore(redis(), layout);
    const [read] = await store.readForUpdate(['new']);
    expect(read).toMatchObject({ stored: undefined, fence: null });
    // The deletion runs between the round's read and its write (version 0 on both sides).
    const { fence, removedLive } = await erase(redis(), ['new'], { '0': 5 });
    expect(removedLive).toBe(false);
    expect(await store.writeMany([writeOf('new', null, 3)])).toEqual(['new']);
    expect(await redis().exists(layout.profile('new'))).toBe(0);
    // Re-read, the round sees the fence and may write what lies at or above it.
    const [again] = await store.readForUpdate(['new']);
    expect(JSON.parse(again?.fence ?? 'null')).toEqual(fence);
    expect(await store.writeMany([writeOf('new', again?.fence ?? null, 7)])).toEqual([]);
  });

  it('raises the fence past what the erased profile applied, atomically with the unlink', async () => {
    const store = createProfileStore(redis(), layout);
    expect(await store.writeMany([writeOf('live', null, 41)])).toEqual([]);
    const { fence, removedLive } = await erase(redis(), ['live'], { '0': 9, '1': 40 });
    expect(removedLive).toBe(true);
    expect(fence.offsets).toEqual({ '0': 9, '1': 42 });
    expect(await redis().exists(layout.profile('live'))).toBe(0);
    expect(await redis().ttl(layout.erasureFence('live'))).toBeGreaterThan(7 * 24 * 3_600);
    // A second deletion has a fence of its own: a writer that saw the first is refused.
    const first = JSON.stringify(fence);
    await erase(redis(), ['live'], { '0': 9, '1': 50 });
    expect(await store.writeMany([writeOf('live', first, 60)])).toEqual(['live']);
  });

  it('fences every identifier of a person past what the person applied of its events', async () => {
    const stored: StoredProfile = {
      ...emptyStoredProfile('person'),
      watermarks: { '0': 20 },
      identityWatermarks: { 'anon-1': { '1': 30 } },
    };
    stored.profile.identifiers = ['anon-1', 'anon-2', 'person'];
    stored.profile.mergedFrom = ['anon-1'];
    await redis().hset(layout.profile('person'), 'version', '1', 'doc', JSON.stringify(stored));
    await redis().set(layout.identity('anon-1'), 'person');
    await redis().set(layout.identity('anon-2'), 'person');
    // A person's identifier left out: the step refuses and touches nothing.
    expect(await eraseLivePerson(redis(), layout, ['person', 'anon-1'], { '0': 5 })).toBe(
      'incomplete',
    );
    expect(await redis().exists(layout.profile('person'), layout.identity('anon-1'))).toBe(2);
    const { fences, removedLive } = await erase(redis(), ['person', 'anon-1', 'anon-2'], {
      '0': 5,
      '1': 5,
    });
    expect(removedLive).toBe(true);
    expect(fences.get('person')?.offsets).toEqual({ '0': 21, '1': 5 });
    expect(fences.get('anon-1')?.offsets).toEqual({ '0': 5, '1': 31 });
    expect(fences.get('anon-2')?.offsets).toEqual({ '0': 5, '1': 5 });
    expect(
      await redis().exists(
        layout.profile('person'),
        layout.identity('anon-1'),
        layout.identity('anon-2'),
      ),
    ).toBe(0);
    expect(await redis().exists(layout.erasureFence('anon-1'), layout.erasureFence('anon-2'))).toBe(
      2,
    );
  });

  it('unlinks the recent-activity list of every identifier with the profile', async () => {
    await redis().rpush(layout.recentActivity('listed'), '{"messageId":"m1"}');
    await redis().rpush(layout.recentActivity('listed-anon'), '{"messageId":"m0"}');
    await erase(redis(), ['listed', 'listed-anon'], {});
    expect(
      await redis().exists(layout.recentActivity('listed'), layout.recentActivity('listed-anon')),
    ).toBe(0);
  });

  it('refuses a canonical id that was merged away meanwhile', async () => {
    await redis().set(layout.identity('gone'), 'elsewhere');
    expect(await eraseLivePerson(redis(), layout, ['gone'], {})).toBe('moved');
    expect(await redis().exists(layout.erasureFence('gone'))).toBe(0);
  });
});
