import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProfileStore,
  RedisStateLostError,
  type ProfileWrite,
  type VerifiedState,
} from '../../profiles/profile-store.ts';
import { emptyStoredProfile } from '../../schema/profile.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { startOwnRedis, type OwnRedis } from '../../test/support/redis-server.ts';
import { stateMarkerKeys, type StateMarkerKeys } from '../../profiles/state-marker-keys.ts';
import { connectRedis, type RedisClient } from '../../lib/redis.ts';
import { startOwnRedisCluster, type OwnRedisCluster } from '../../test/support/redis-cluster.ts';
import {
  currentEpoch,
  markerIsCurrent,
  readRedisState,
  settleRedisState,
  stateLossReason,
} from './state-marker.ts';

const layout = redisLayout('marker-test:');

function writeOf(id: string, expectedVersion: number): ProfileWrite {
  const stored = emptyStoredProfile(id);
  stored.profile.version = expectedVersion + 1;
  return {
    id,
    expectedVersion,
    nextVersion: expectedVersion + 1,
    document: JSON.stringify(stored),
    change: { id, version: expectedVersion + 1, segments: { entered: [], left: [] } },
  };
}

describe('the Redis state marker and the guarded profile write', () => {
  let server: OwnRedis;
  let redis: Redis;
  let markers: StateMarkerKeys;

  beforeAll(async () => {
    server = await startOwnRedis();
    redis = new Redis(server.url);
    redis.on('error', () => undefined); // refused while the server restarts
    markers = stateMarkerKeys(layout, redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
  });

  it('refuses every write until the state is verified, and on a Redis that lost it', async () => {
    const verified: VerifiedState = { epoch: undefined };
    const store = createProfileStore(redis, layout, { verified });
    await expect(store.writeMany([writeOf('a', 0)])).rejects.toThrow(RedisStateLostError);
    expect(await redis.exists(layout.profile('a'))).toBe(0);

    // An empty Redis: no marker.
    const empty = await readRedisState(redis, markers);
    expect(markers.all).toEqual([layout.stateMarker]);
    expect(empty.markers[0]?.marker).toBeUndefined();
    const settled = await settleRedisState(redis, markers, empty, 'epoch-1');
    expect(settled).toEqual({ epoch: 'epoch-1', installed: true });
    verified.epoch = 'epoch-1';
    expect(await store.writeMany([writeOf('a', 0)])).toEqual([]);
    expect(await redis.hget(layout.profile('a'), 'version')).toBe('1');
    // A version conflict is still a conflict, not a loss.
    expect(await store.writeMany([writeOf('a', 0)])).toEqual(['a']);

    // Another processor restored the state meanwhile: a new epoch.
    await redis.hset(layout.stateMarker, 'epoch', 'epoch-2');
    await expect(store.writeMany([writeOf('a', 1)])).rejects.toThrow(RedisStateLostError);
    await redis.hset(layout.stateMarker, 'epoch', 'epoch-1');

    // Flushed: the marker is gone with the profiles.
    await redis.del(layout.stateMarker, layout.profile('a'));
    await expect(store.writeMany([writeOf('a', 0)])).rejects.toThrow(RedisStateLostError);
    expect(await redis.exists(layout.profile('a'))).toBe(0);
  });

  it('refuses writes after Redis restarted from its persistence, marker included', async () => {
    const before = await readRedisState(redis, markers);
    await settleRedisState(redis, markers, before, 'epoch-3');
    const verified: VerifiedState = { epoch: 'epoch-3' };
    const store = createProfileStore(redis, layout, { verified });
    expect(await store.writeMany([writeOf('b', 0)])).toEqual([]);
    await server.kill();
    await server.restart();

    const after = await readRedisState(redis, markers);
    const [beforeMarker] = before.markers;
    const [afterMarker] = after.markers;
    expect(afterMarker?.marker).toEqual({ epoch: 'epoch-3', runId: beforeMarker?.runId });
    expect(afterMarker?.runId).not.toBe(beforeMarker?.runId);
    expect(markerIsCurrent(after)).toBe(false);
    expect(await redis.hget(layout.profile('b'), 'version')).toBe('1');
    await expect(store.writeMany([writeOf('b', 1)])).rejects.toThrow(RedisStateLostError);
    expect(await redis.hget(layout.profile('b'), 'version')).toBe('1');

    // A restore that started on another Redis process settles nothing.
    expect(await settleRedisState(redis, markers, before, 'epoch-4')).toBeUndefined();
    // The first settle on this process installs its epoch; a later one adopts it.
    expect(await settleRedisState(redis, markers, after, 'epoch-4')).toEqual({
      epoch: 'epoch-4',
      installed: true,
    });
    expect(await settleRedisState(redis, markers, after, 'epoch-5')).toEqual({
      epoch: 'epoch-4',
      installed: false,
    });
    verified.epoch = 'epoch-4';
    expect(await store.writeMany([writeOf('b', 1)])).toEqual([]);
  });
});

describe('the state marker on a Redis Cluster: one per slot', () => {
  let cluster: OwnRedisCluster;
  let redis: RedisClient;

  beforeAll(async () => {
    cluster = await startOwnRedisCluster();
    redis = connectRedis(cluster.url, { enableAutoPipelining: true });
    redis.on('error', () => undefined); // refused while the nodes restart
    await redis.ping();
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    await cluster?.dispose();
  });

  it('vouches for every slot once settled, and refuses writes after the nodes restarted', async () => {
    const markers = stateMarkerKeys(layout, redis);
    expect(markers.all).toHaveLength(16_384);
    expect(markers.byNode()).toHaveLength(3);
    const empty = await readRedisState(redis, markers);
    expect(markerIsCurrent(empty)).toBe(false);
    expect(await settleRedisState(redis, markers, empty, 'epoch-c1')).toEqual({
      epoch: 'epoch-c1',
      installed: true,
    });
    const settled = await readRedisState(redis, markers);
    expect(currentEpoch(settled)).toBe('epoch-c1');

    const verified: VerifiedState = { epoch: 'epoch-c1' };
    const store = createProfileStore(redis, layout, { verified });
    // Profiles in many slots, each checked against the marker of its own slot.
    const ids = Array.from({ length: 20 }, (_, n) => `c${n}`);
    expect(await store.writeMany(ids.map((id) => writeOf(id, 0)))).toEqual([]);

    await cluster.restart();
    await redis.ping();
    const after = await readRedisState(redis, markers);
    expect(markerIsCurrent(after)).toBe(false);
    expect(stateLossReason(after, 'epoch-c1')).toMatch(/restarted/);
    await expect(store.writeMany([writeOf('c0', 1)])).rejects.toThrow(RedisStateLostError);
  }, 120_000);
});
