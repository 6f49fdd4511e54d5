import { describe, expect, it } from 'vitest';
import { useOwnRedis } from '../test/support/redis-server.ts';
import { emptyStoredProfile, parseStoredProfile, type StoredProfile } from '../schema/profile.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import { restoreProfiles } from './profile-restore.ts';

const layout = redisLayout('restore-test:');

function copy(
  version: number,
  watermarks: Record<string, number>,
  identityWatermarks: StoredProfile['identityWatermarks'] = {},
): StoredProfile {
  const stored = emptyStoredProfile('t1');
  return { ...stored, profile: { ...stored.profile, version }, watermarks, identityWatermarks };
}

describe('restoreProfiles in covering mode', () => {
  const redis = useOwnRedis();

  const versionInRedis = async () =>
    parseStoredProfile('t1', (await redis().hget(layout.profile('t1'), 'doc')) ?? '{}').profile
      .version;

  async function restoreOver(inRedis: StoredProfile, restored: StoredProfile) {
    await redis().del(layout.profile('t1'));
    await restoreProfiles(redis(), layout, [inRedis], 'absent');
    return restoreProfiles(redis(), layout, [restored], 'covering');
  }

  it('writes over a copy whose every partition of every identifier it reached', async () => {
    const written = await restoreOver(
      copy(2, { 0: 5 }, { a1: { 1: 3 } }),
      copy(4, { 0: 5, 1: 2 }, { a1: { 1: 3, 2: 1 }, a2: { 0: 9 } }),
    );
    expect(written).toEqual(['t1']);
    expect(await versionInRedis()).toBe(4);
  });

  it('keeps a copy that applied more of another identifier on a partition', async () => {
    const written = await restoreOver(
      copy(3, { 0: 5 }, { a1: { 1: 4 } }),
      copy(4, { 0: 5 }, { a1: { 1: 3 } }),
    );
    expect(written).toEqual([]);
    expect(await versionInRedis()).toBe(3);
  });

  it('keeps a copy with an identifier the restored one never applied', async () => {
    expect(await restoreOver(copy(3, { 0: 5 }, { a9: { 0: 1 } }), copy(4, { 0: 5 }))).toEqual([]);
  });

  it('keeps a copy that applied more of its own id, whatever the other identifiers', async () => {
    expect(await restoreOver(copy(3, { 0: 6 }), copy(4, { 0: 5 }, { a1: { 0: 100 } }))).toEqual([]);
  });
});
