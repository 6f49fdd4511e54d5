import { describe, expect, it } from 'vitest';
import { emptyStoredProfile, storedDocument } from '../schema/profile.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import type { RedisClient } from '../lib/redis.ts';
import { useOwnRedisCluster } from '../test/support/redis-cluster.ts';
import { useOwnRedis } from '../test/support/redis-server.ts';
import { createPersonLocks, LOCK_STALE_MS, tokenOf, type MergePlan } from './person-locks.ts';
import { createProfileStore, type ProfileWrite } from './profile-store.ts';

const layout = redisLayout('locks-test:');

function writeOf(id: string, expectedVersion: number, identifiers: string[] = [id]): ProfileWrite {
  const stored = emptyStoredProfile(id);
  stored.profile.version = expectedVersion + 1;
  stored.profile.identifiers = identifiers;
  return {
    id,
    expectedVersion,
    nextVersion: expectedVersion + 1,
    document: storedDocument(stored),
    change: { id, version: expectedVersion + 1, segments: { entered: [], left: [] } },
  };
}

/** A lock as a writer took it `ageMs` ago. */
const lockFrom = (target: string, ageMs: number) =>
  JSON.stringify({
    token: `token-${target}-${ageMs}`,
    target,
    at: Date.now() - ageMs,
    kind: 'merge',
  });

/** How many of `keys` exist: one EXISTS each, as on a cluster each key is its own slot. */
async function existing(redis: RedisClient, ...keys: string[]): Promise<number> {
  const found = await Promise.all(keys.map((key) => redis.exists(key)));
  return found.reduce((sum, n) => sum + n, 0);
}

describe.each([
  ['one Redis server', useOwnRedis],
  ['a Redis Cluster', useOwnRedisCluster],
] as const)('merges across hash slots, under locks, on %s', (_, useRedis) => {
  const redis: () => RedisClient = useRedis();

  it('merges a profile and links a free identifier, leaving no lock or plan behind', async () => {
    const store = createProfileStore(redis(), layout);
    expect(await store.writeMany([writeOf('s1', 0), writeOf('t1', 0)])).toEqual([]);
    const merge = writeOf('t1', 1, ['c1', 's1', 't1']);
    merge.identity = {
      absorbed: [
        {
          id: 's1',
          expectedVersion: 1,
          change: { id: 's1', version: 2, segments: { entered: [], left: [] } },
        },
      ],
      claimed: ['c1'],
      identifiers: ['c1', 's1'],
    };
    expect(await store.writeMany([merge])).toEqual([]);
    expect(await existing(redis(), layout.profile('s1'))).toBe(0);
    expect(await redis().get(layout.identity('s1'))).toBe('t1');
    expect(await redis().get(layout.identity('c1'))).toBe('t1');
    const leftovers = ['s1', 'c1', 't1'].flatMap((id) => [
      layout.personLock(id),
      layout.mergePlans(id),
    ]);
    expect(await existing(redis(), ...leftovers)).toBe(0);
  });

  it('refuses a merge whose merged profile moved on, and changes nothing', async () => {
    const store = createProfileStore(redis(), layout);
    expect(await store.writeMany([writeOf('s2', 0), writeOf('t2', 0)])).toEqual([]);
    const merge = writeOf('t2', 1, ['s2', 't2']);
    merge.identity = {
      absorbed: [
        {
          id: 's2',
          expectedVersion: 0,
          change: { id: 's2', version: 1, segments: { entered: [], left: [] } },
        },
      ],
      claimed: [],
      identifiers: ['s2'],
    };
    expect(await store.writeMany([merge])).toEqual(['t2']);
    expect(await redis().hget(layout.profile('s2'), 'version')).toBe('1');
    expect(await redis().hget(layout.profile('t2'), 'version')).toBe('1');
    expect(await existing(redis(), layout.personLock('s2'), layout.identity('s2'))).toBe(0);
  });

  it('refuses a write of a locked profile', async () => {
    const store = createProfileStore(redis(), layout);
    await redis().set(layout.personLock('s3'), lockFrom('t3', 0));
    expect(await store.writeMany([writeOf('s3', 0)])).toEqual(['s3']);
    expect(await existing(redis(), layout.profile('s3'))).toBe(0);
  });

  it('gives up a stale merge that never committed: its lock goes, its commit is refused', async () => {
    const store = createProfileStore(redis(), layout);
    expect(await store.writeMany([writeOf('s4', 0)])).toEqual([]);
    const lock = lockFrom('t4', LOCK_STALE_MS + 1_000);
    const locks = createPersonLocks(redis(), layout);
    const taken = await locks.lockForMerge(lock, [{ id: 's4', expectedVersion: 1 }], [], 0);
    expect(taken.locked).toBe(true);

    // A reader meets the lock, settles it and reads the profile as it is.
    const [read] = await store.readForUpdate(['s4']);
    expect(read?.stored?.profile.version).toBe(1);
    expect(await existing(redis(), layout.personLock('s4'))).toBe(0);
    const token = tokenOf(lock);
    expect(await redis().sismember(layout.abandonedMerges('t4'), token)).toBe(1);
  });

  it('finishes a stale merge that committed: the merged profile goes, its id points on', async () => {
    const store = createProfileStore(redis(), layout);
    expect(await store.writeMany([writeOf('s5', 0), writeOf('t5', 0)])).toEqual([]);
    const lock = lockFrom('t5', LOCK_STALE_MS + 1_000);
    const locks = createPersonLocks(redis(), layout);
    expect((await locks.lockForMerge(lock, [{ id: 's5', expectedVersion: 1 }], [], 0)).locked).toBe(
      true,
    );
    // The writer committed (the survivor's step stores the plan), then died.
    const plan: MergePlan = {
      lock,
      survivor: 't5',
      repoint: [],
      claimed: [],
      absorbed: [{ id: 's5', change: JSON.stringify({ id: 's5', version: 2, mergedInto: 't5' }) }],
    };
    const token = tokenOf(lock);
    await redis().hset(layout.mergePlans('t5'), token, JSON.stringify(plan));

    const [read] = await store.readForUpdate(['s5']);
    expect(read?.canonical).toBe('t5');
    expect(await existing(redis(), layout.profile('s5'), layout.personLock('s5'))).toBe(0);
    expect(await existing(redis(), layout.mergePlans('t5'))).toBe(0);
  });
});
