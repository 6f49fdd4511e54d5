import type { Redis, Result } from 'ioredis';
import type { StoredProfile } from '../schema/profile.ts';
import type { RedisLayout } from '../schema/redis-keys.ts';

/**
 * Puts a profile computed elsewhere (the archive, a PostgreSQL snapshot) back into Redis, in
 * the processor's layout (hash fields `version` and `doc`), without ever replacing something
 * newer: in `absent` mode only when Redis has no copy; in `covering` mode also over a copy
 * whose every watermark the restored one has reached, i.e. a copy that has seen nothing the
 * restored one has not: each partition of its own id (`watermarks`), and each partition of
 * each other identifier whose events it applied (`identityWatermarks`, docs/identity.md).
 * Nothing is published: the profile's content is what subscribers saw before it went missing.
 * KEYS[1] profile hash; ARGV: version, document, mode.
 */
const RESTORE = `
local function covers(stored, restored)
  if type(stored) ~= 'table' then return true end
  for partition, offset in pairs(stored) do
    local reached = type(restored) == 'table' and restored[partition]
    if not reached or reached < offset then return false end
  end
  return true
end
local current = redis.call('HGET', KEYS[1], 'doc')
if current then
  if ARGV[3] ~= 'covering' then return 0 end
  local stored = cjson.decode(current)
  local restored = cjson.decode(ARGV[2])
  if not covers(stored['watermarks'], restored['watermarks']) then return 0 end
  local storedIdentities = stored['identityWatermarks']
  local restoredIdentities = restored['identityWatermarks']
  if type(storedIdentities) == 'table' then
    for identifier, marks in pairs(storedIdentities) do
      local reached = type(restoredIdentities) == 'table' and restoredIdentities[identifier]
      if not covers(marks, reached) then return 0 end
    end
  end
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'doc', ARGV[2])
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pulsehubRestoreProfile(
      key: string,
      version: string,
      doc: string,
      mode: RestoreMode,
    ): Result<number, Context>;
  }
}

export type RestoreMode = 'absent' | 'covering';

export interface RestoreOptions {
  /**
   * Segments whose sets a written profile leaves when its document is not in them: a set
   * restored from an older persistence may still list it. Without it, sets are only added to.
   */
  knownSegments?: readonly string[];
}

/**
 * Restores profiles and their segment memberships; returns the ids written (the others were
 * kept because Redis held something newer). One key per script call, so it works unchanged
 * on Redis Cluster; segment sets are separate keys and are synced afterwards.
 */
export async function restoreProfiles(
  redis: Redis,
  layout: RedisLayout,
  profiles: readonly StoredProfile[],
  mode: RestoreMode,
  options: RestoreOptions = {},
): Promise<string[]> {
  if (profiles.length === 0) return [];
  // Defined on first use per client; the command lives on the client instance.
  if (typeof (redis as { pulsehubRestoreProfile?: unknown }).pulsehubRestoreProfile !== 'function')
    redis.defineCommand('pulsehubRestoreProfile', { numberOfKeys: 1, lua: RESTORE });
  const pipeline = redis.pipeline();
  for (const stored of profiles)
    pipeline.pulsehubRestoreProfile(
      layout.profile(stored.profile.id),
      String(stored.profile.version),
      JSON.stringify(stored),
      mode,
    );
  const results = (await pipeline.exec()) ?? [];
  const written: StoredProfile[] = [];
  results.forEach(([error, applied], index) => {
    if (error) throw error;
    const stored = profiles[index];
    if (applied === 1 && stored) written.push(stored);
  });
  const segments = redis.pipeline();
  for (const { profile } of written) {
    for (const segment of profile.segments)
      segments.sadd(layout.segmentMembers(segment), profile.id);
    for (const segment of options.knownSegments ?? [])
      if (!profile.segments.includes(segment))
        segments.srem(layout.segmentMembers(segment), profile.id);
  }
  if (segments.length > 0) await segments.exec();
  return written.map((stored) => stored.profile.id);
}

/**
 * Removes profiles and their memberships of the given segment sets (a deletion, as
 * profile-changelog's tombstones record them, that an older persistence brought back);
 * resolves how many of them Redis held.
 */
export async function forgetProfiles(
  redis: Redis,
  layout: RedisLayout,
  ids: readonly string[],
  segmentSets: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const id of ids) {
    pipeline.unlink(layout.profile(id));
    for (const set of segmentSets) pipeline.srem(set, id);
  }
  const results = (await pipeline.exec()) ?? [];
  for (const [error] of results) if (error) throw error;
  const perProfile = 1 + segmentSets.length;
  return results.filter(([, removed], index) => index % perProfile === 0 && removed === 1).length;
}
