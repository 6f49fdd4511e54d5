import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProfileStore, type ProfileWrite } from '../../profiles/profile-store.ts';
import { emptyStoredProfile, type StoredProfile } from '../../schema/profile.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { startOwnRedis, type OwnRedis } from '../../test/support/redis-server.ts';
import { eraseLiveProfile } from './erase-live-profile.ts';

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

describe('the deletion fence in Redis and the fenced profile write', () => {
  let server: OwnRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await startOwnRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
  });

  it('refuses a round that read a brand-new profile before its deletion', async () => {
    const store = createProfileStore(redis, layout);
    const [read] = await store.readForUpdate(['new']);
    expect(read).toEqual({ stored: undefined, fence: null });
    // The deletion runs between the round's read and its write (version 0 on both sides).
    const { fence, removedLive } = await eraseLiveProfile(redis, layout, 'new', { '0': 5 });
    expect(removedLive).toBe(false);
    expect(await store.writeMany([writeOf('new', null, 3)])).toEqual(['new']);
    expect(await redis.exists(layout.profile('new'))).toBe(0);
    // Re-read, the round sees the fence and may write what lies at or above it.
    const [again] = await store.readForUpdate(['new']);
    expect(JSON.parse(again?.fence ?? 'null')).toEqual(fence);
    expect(await store.writeMany([writeOf('new', again?.fence ?? null, 7)])).toEqual([]);
  });

  it('raises the fence past what the erased profile applied, atomically with the unlink', async () => {
    const store = createProfileStore(redis, layout);
    expect(await store.writeMany([writeOf('live', null, 41)])).toEqual([]);
    const { fence, removedLive } = await eraseLiveProfile(redis, layout, 'live', {
      '0': 9,
      '1': 40,
    });
    expect(removedLive).toBe(true);
    expect(fence.offsets).toEqual({ '0': 9, '1': 42 });
    expect(await redis.exists(layout.profile('live'))).toBe(0);
    expect(await redis.ttl(layout.erasureFence('live'))).toBeGreaterThan(7 * 24 * 3_600);
    // A second deletion has a fence of its own: a writer that saw the first is refused.
    const first = JSON.stringify(fence);
    await eraseLiveProfile(redis, layout, 'live', { '0': 9, '1': 50 });
    expect(await store.writeMany([writeOf('live', first, 60)])).toEqual(['live']);
  });
});
