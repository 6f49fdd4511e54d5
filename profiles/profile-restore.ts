import type { Result } from 'ioredis';
import type { RedisClient } from '../lib/redis.ts';
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
function defineRestoreCommands(redis: RedisClient): void {
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

/** Puts window chunks back (RESTORE_CHUNK: never over a newer one), sent together. */
export async function restoreWindowChunks(
  redis: RedisClient,
  layout: RedisLayout,
  chunks: readonly RestoredChunk[],
): Promise<void> {
  if (chunks.length === 0) return;
  defineRestoreCommands(redis);
  await Promise.all(
    chunks.map(({ id, slot, text }) =>
      redis.pulsehubRestoreChunk(layout.profile(id), ringField(slot), text ?? ''),
    ),
  );
}

/**
 * Removes the hashes of profiles that hold window chunks but no document (their document's
 * record was a tombstone, or never came); resolves how many there were.
 */
export async function dropChunksWithoutDocument(
  redis: RedisClient,
  layout: RedisLayout,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  defineRestoreCommands(redis);
  const results = await Promise.all(
    ids.map((id) => redis.pulsehubDropWithoutDocument(layout.profile(id))),
  );
  return results.filter((dropped) => dropped === 1).length;
}

/**
 * Restores profiles and their segment memberships; returns the ids written (the others were
 * kept because Redis held something newer). One key per script call, so it works unchanged
 * on Redis Cluster; segment sets are separate keys and are synced afterwards.
 */
export async function restoreProfiles(
  redis: RedisClient,
  layout: RedisLayout,
  profiles: readonly StoredProfile[],
  mode: RestoreMode,
  options: RestoreOptions = {},
): Promise<string[]> {
  if (profiles.length === 0) return [];
  defineRestoreCommands(redis);
  const results = await Promise.all(
    profiles.map((stored) =>
      redis.pulsehubRestoreProfile(
        layout.profile(stored.profile.id),
        String(stored.profile.version),
        storedDocument(stored),
        mode,
        ...ringArguments(stored, options.messageIdWindow ?? stored.recentMessageIds.length),
      ),
    ),
  );
  const written: StoredProfile[] = [];
  results.forEach((applied, index) => {
    const stored = profiles[index];
    if (applied === 1 && stored) written.push(stored);
  });
  // Each membership in the profile's shard of the segment (schema/redis-keys.ts).
  const memberships: Array<Promise<number>> = [];
  for (const { profile } of written) {
    for (const segment of profile.segments)
      memberships.push(redis.sadd(layout.segmentMembersOf(segment, profile.id), profile.id));
    for (const segment of options.knownSegments ?? [])
      if (!profile.segments.includes(segment))
        memberships.push(redis.srem(layout.segmentMembersOf(segment, profile.id), profile.id));
  }
  await Promise.all(memberships);
  return written.map((stored) => stored.profile.id);
}

/**
 * Removes profiles and their memberships of the given segment sets (a deletion, as
 * profile-changelog's tombstones record them, that an older persistence brought back);
 * resolves how many of them Redis held.
 */
export async function forgetProfiles(
  redis: RedisClient,
  layout: RedisLayout,
  ids: readonly string[],
  segmentSets: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  // Each key is its own slot: the unlinks and one SREM per segment set, sent together.
  const [removed] = await Promise.all([
    Promise.all(ids.map((id) => redis.unlink(layout.profile(id)))),
    Promise.all(segmentSets.map((set) => redis.srem(set, ...ids))),
  ]);
  return removed.filter((count) => count === 1).length;
}
