import type { Redis, Result } from 'ioredis';
import { storedDocument, type StoredProfile } from '../schema/profile.ts';
import { ringField, ringFieldPairs, wholeRing } from './message-id-ring.ts';
import type { RedisLayout } from '../schema/redis-keys.ts';

/**
 * Puts a profile computed elsewhere (the archive, a PostgreSQL snapshot) back into Redis, in
 * the processor's layout (hash fields `version` and `doc`), without ever replacing something
 * newer: in `absent` mode only when Redis has no copy; in `covering` mode also over a copy
 * whose every watermark the restored one has reached, i.e. a copy that has seen nothing the
 * restored one has not: each partition of its own id (`watermarks`), and each partition of
 * each other identifier whose events it applied (`identityWatermarks`, docs/identity.md).
 * Nothing is published: the profile's content is what subscribers saw before it went missing.
 * A restored profile that carries its dedupe window replaces the window's chunks with it.
 * KEYS[1] profile hash; ARGV: version, document, mode, then field and text of each window
 * slot ('' clears it).
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
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i])
  else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
`;

/**
 * Puts one chunk of a profile's dedupe window back (message-id-ring.ts), unless its slot holds
 * a newer one: a chunk whose first hash has a higher number, or the same chunk further along.
 * A cleared chunk (a tombstone's, ARGV[2] '') clears the slot. KEYS[1] profile hash; ARGV:
 * field, chunk text.
 */
const RESTORE_CHUNK = `
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) return 1 end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local held = tonumber(string.match(current, '^(%d+):'))
  local restored = tonumber(string.match(ARGV[2], '^(%d+):'))
  if held and restored and (held > restored or (held == restored and #current >= #ARGV[2])) then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/** Removes a profile's hash that holds window chunks but no document (KEYS[1]). */
const DROP_WITHOUT_DOCUMENT = `
if redis.call('HEXISTS', KEYS[1], 'doc') == 1 then return 0 end
return redis.call('DEL', KEYS[1])
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pulsehubRestoreProfile(
      key: string,
      version: string,
      doc: string,
      mode: RestoreMode,
      ...ring: string[]
    ): Result<number, Context>;
    pulsehubRestoreChunk(key: string, field: string, text: string): Result<number, Context>;
    pulsehubDropWithoutDocument(key: string): Result<number, Context>;
  }
}

export type RestoreMode = 'absent' | 'covering';

export interface RestoreOptions {
  /**
   * Segments whose sets a written profile leaves when its document is not in them: a set
   * restored from an older persistence may still list it. Without it, sets are only added to.
   */
  knownSegments?: readonly string[];
  /**
   * The dedupe window's length in force (`limits.messageIdWindow`): a restored window is cut
   * into the chunks the processor's writes use, so theirs and these replace each other slot by
   * slot. Absent: chunks sized for the window restored.
   */
  messageIdWindow?: number;
}

/** Defines the restore scripts on first use per client (a command lives on the client). */
function defineRestoreCommands(redis: Redis): void {
  if (typeof (redis as { pulsehubRestoreProfile?: unknown }).pulsehubRestoreProfile === 'function')
    return;
  redis.defineCommand('pulsehubRestoreProfile', { numberOfKeys: 1, lua: RESTORE });
  redis.defineCommand('pulsehubRestoreChunk', { numberOfKeys: 1, lua: RESTORE_CHUNK });
  redis.defineCommand('pulsehubDropWithoutDocument', {
    numberOfKeys: 1,
    lua: DROP_WITHOUT_DOCUMENT,
  });
}

/**
 * A restored profile's window as the script's field/text pairs: every slot (the window
 * replaces what the hash held), or none when the profile carries no window (a changelog
 * record, whose chunks are records of their own, or a PostgreSQL snapshot).
 */
function ringArguments(stored: StoredProfile, window: number): string[] {
  if (stored.recentMessageIds.length === 0) return [];
  const ring = wholeRing(stored.recentMessageIds, stored.messageIdCount, window);
  return ringFieldPairs(ring);
}

/** One chunk of a profile's window as a changelog record carries it; text null: cleared. */
export interface RestoredChunk {
  id: string;
  slot: number;
  text: string | null;
}

/** Puts window chunks back (RESTORE_CHUNK: never over a newer one), one pipeline. */
export async function restoreWindowChunks(
  redis: Redis,
  layout: RedisLayout,
  chunks: readonly RestoredChunk[],
): Promise<void> {
  if (chunks.length === 0) return;
  defineRestoreCommands(redis);
  const pipeline = redis.pipeline();
  for (const { id, slot, text } of chunks)
    pipeline.pulsehubRestoreChunk(layout.profile(id), ringField(slot), text ?? '');
  const results = (await pipeline.exec()) ?? [];
  for (const [error] of results) if (error) throw error;
}

/**
 * Removes the hashes of profiles that hold window chunks but no document (their document's
 * record was a tombstone, or never came); resolves how many there were.
 */
export async function dropChunksWithoutDocument(
  redis: Redis,
  layout: RedisLayout,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  defineRestoreCommands(redis);
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.pulsehubDropWithoutDocument(layout.profile(id));
  const results = (await pipeline.exec()) ?? [];
  return results.filter(([error, dropped]) => {
    if (error) throw error;
    return dropped === 1;
  }).length;
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
  defineRestoreCommands(redis);
  const pipeline = redis.pipeline();
  for (const stored of profiles)
    pipeline.pulsehubRestoreProfile(
      layout.profile(stored.profile.id),
      String(stored.profile.version),
      storedDocument(stored),
      mode,
      ...ringArguments(stored, options.messageIdWindow ?? stored.recentMessageIds.length),
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
