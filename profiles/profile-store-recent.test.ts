import { describe, expect, it } from 'vitest';
import { emptyStoredProfile } from '../schema/profile.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import { useOwnRedis } from '../test/support/redis-server.ts';
import { createProfileStore, type ProfileWrite } from './profile-store.ts';
import {
  parseRecentActivity,
  type RecentActivity,
  type RecentActivitySettings,
} from './recent-activity.ts';

const layout = redisLayout('recent-test:');

function activity(profileId: string, messageId: string): RecentActivity {
  return {
    messageId,
    profileId,
    type: 'track',
    name: 'Clicked',
    timestamp: '2026-03-01T10:00:00.000Z',
    receivedAt: '2026-03-01T10:00:00.000Z',
    properties: { n: 1 },
    traits: null,
    context: null,
  };
}

function writeOf(
  id: string,
  expectedVersion: number,
  recent: readonly RecentActivity[],
): ProfileWrite {
  const stored = emptyStoredProfile(id);
  const nextVersion = expectedVersion + recent.length;
  stored.profile.version = nextVersion;
  return {
    id,
    expectedVersion,
    nextVersion,
    document: JSON.stringify(stored),
    change: { id, version: nextVersion, segments: { entered: [], left: [] } },
    recent,
  };
}

describe('the recent-activity list in the profile write', () => {
  const redis = useOwnRedis();
  let settings: RecentActivitySettings = { size: 3, ttlSeconds: 600 };
  const listed = async (id: string) =>
    (await redis().lrange(layout.recentActivity(id), 0, -1)).map(
      (entry) => parseRecentActivity(entry)?.messageId,
    );

  it('pushes the applied activities newest first, trims to the size and sets the TTL', async () => {
    const store = createProfileStore(redis(), layout, { recentActivity: () => settings });
    const ids = ['m1', 'm2'].map((m) => activity('u1', m));
    expect(await store.writeMany([writeOf('u1', 0, ids)])).toEqual([]);
    expect(await listed('u1')).toEqual(['m2', 'm1']);
    const more = ['m3', 'm4'].map((m) => activity('u1', m));
    expect(await store.writeMany([writeOf('u1', 2, more)])).toEqual([]);
    expect(await listed('u1')).toEqual(['m4', 'm3', 'm2']);
    const ttl = await redis().ttl(layout.recentActivity('u1'));
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(
      parseRecentActivity((await redis().lindex(layout.recentActivity('u1'), 0)) ?? ''),
    ).toEqual(activity('u1', 'm4'));
  });

  it('pushes nothing when the write is refused as a conflict', async () => {
    const store = createProfileStore(redis(), layout, { recentActivity: () => settings });
    expect(await store.writeMany([writeOf('u2', 0, [activity('u2', 'm1')])])).toEqual([]);
    // A zombie's write from version 0 again: refused, its activity not listed.
    expect(await store.writeMany([writeOf('u2', 0, [activity('u2', 'zombie')])])).toEqual(['u2']);
    expect(await listed('u2')).toEqual(['m1']);
  });

  it('writes no list at size 0, and takes a changed setting at the next write', async () => {
    const store = createProfileStore(redis(), layout, { recentActivity: () => settings });
    settings = { size: 0, ttlSeconds: 600 };
    expect(await store.writeMany([writeOf('u3', 0, [activity('u3', 'm1')])])).toEqual([]);
    expect(await redis().exists(layout.recentActivity('u3'))).toBe(0);
    settings = { size: 3, ttlSeconds: 600 };
    expect(await store.writeMany([writeOf('u3', 1, [activity('u3', 'm2')])])).toEqual([]);
    expect(await listed('u3')).toEqual(['m2']);
  });

  it('moves a merged profile’s list behind the survivor’s in the merge', async () => {
    const store = createProfileStore(redis(), layout, { recentActivity: () => settings });
    expect(await store.writeMany([writeOf('anon', 0, [activity('anon', 'a1')])])).toEqual([]);
    expect(await store.writeMany([writeOf('user', 0, [activity('user', 'u1')])])).toEqual([]);
    const merge: ProfileWrite = {
      ...writeOf('user', 1, [activity('user', 'u2')]),
      identity: {
        absorbed: [
          {
            id: 'anon',
            expectedVersion: 1,
            change: {
              id: 'anon',
              version: 2,
              segments: { entered: [], left: [] },
              mergedInto: 'user',
            },
          },
        ],
        claimed: [],
        identifiers: ['anon'],
      },
    };
    expect(await store.writeMany([merge])).toEqual([]);
    expect(await listed('user')).toEqual(['u2', 'u1', 'a1']);
    expect(await redis().exists(layout.recentActivity('anon'))).toBe(0);
  });
});
