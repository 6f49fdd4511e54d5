import type { Redis, Result } from 'ioredis';
import { parseStoredProfile, type StoredProfile } from '../schema/profile.ts';
import type { ProfileChange } from '../schema/profile-change.ts';
import type { RedisLayout } from '../schema/redis-keys.ts';
import { RING_FIELDS, ringFieldPairs, windowOf, type RingChunk } from './message-id-ring.ts';
import type { RecentActivity, RecentActivitySettings } from './recent-activity.ts';

/**
 * Writes a profile only if its version is still the one we read, its deletion fence is still
 * the one the writer applied its events against and no identity key says it was merged away,
 * and announces the change in the same atomic step, so a change is published if and only if it
 * was stored. A round that read the profile before a deletion fenced it (a brand-new profile
 * too: version 0 both sides) is refused like a version conflict and re-reads: it cannot write
 * the erased events back (ADR 0005). A write that links identifiers or merges profiles (ADR
 * 0012) carries them in ARGV[8] (JSON, '' for none): every merged profile must still be at the
 * version read and canonical, every newly claimed identifier must have neither a profile nor an
 * identity; then the merged profiles are removed, every identifier of the profile points at it,
 * and each merged profile's own change is announced beside the survivor's.
 * The same step keeps the profile's recent-activity list (KEYS[4], schema/redis-keys.ts): the
 * round's applied activities are pushed (newest at the head), a merged profile's list is moved
 * behind the survivor's, and the list is trimmed to ARGV[10] entries and given ARGV[11] seconds
 * to live; before the announcement, so a subscriber that reacts to it finds the event listed.
 * ARGV[10] '0' writes no list (and still removes the merged profiles' lists).
 * The same step stores the chunks of the profile's dedupe window its events touched (ADR 0014,
 * message-id-ring.ts) as fields of its hash: ARGV[12] says how many, then field and text of
 * each ('' clears the field); a merged profile's chunks go with its hash.
 * KEYS[1] profile hash, KEYS[2] its fence, KEYS[3] its identity key, KEYS[4] its recent
 * activity; ARGV: expected version, new version, document, channel, all-channel, the
 * ProfileChange (JSON), the fence seen ('' for none), the identity change, the state epoch
 * (GUARDED_COMPARE_AND_SET; '' otherwise), the list's size and TTL, the number of window
 * chunks and their field/text pairs, then the activities (JSON each), oldest first.
 */
const COMPARE_AND_SET = `
local fence = redis.call('GET', KEYS[2]) or ''
if fence ~= ARGV[7] then return 0 end
local current = redis.call('HGET', KEYS[1], 'version') or '0'
if current ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local identity = nil
if ARGV[8] ~= '' then
  identity = cjson.decode(ARGV[8])
  for _, merged in ipairs(identity.absorbed) do
    if (redis.call('HGET', merged.profile, 'version') or '0') ~= merged.expected then return 0 end
    if redis.call('EXISTS', merged.identity) == 1 then return 0 end
  end
  for _, claimed in ipairs(identity.claimed) do
    if redis.call('EXISTS', claimed.profile) == 1 then return 0 end
    if redis.call('EXISTS', claimed.identity) == 1 then return 0 end
  end
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'doc', ARGV[3])
local chunks = tonumber(ARGV[12])
for i = 0, chunks - 1 do
  local field, text = ARGV[13 + 2 * i], ARGV[14 + 2 * i]
  if text == '' then redis.call('HDEL', KEYS[1], field) else redis.call('HSET', KEYS[1], field, text) end
end
local firstRecent = 13 + 2 * chunks
if identity then
  for _, merged in ipairs(identity.absorbed) do redis.call('DEL', merged.profile) end
  for _, key in ipairs(identity.point) do redis.call('SET', key, identity.target) end
end
local recentSize = tonumber(ARGV[10])
if identity then
  for _, merged in ipairs(identity.absorbed) do
    if recentSize > 0 then
      local moved = redis.call('LRANGE', merged.recent, 0, recentSize - 1)
      if #moved > 0 then redis.call('RPUSH', KEYS[4], unpack(moved)) end
    end
    redis.call('DEL', merged.recent)
  end
end
if recentSize > 0 then
  if #ARGV >= firstRecent then redis.call('LPUSH', KEYS[4], unpack(ARGV, firstRecent)) end
  if redis.call('EXISTS', KEYS[4]) == 1 then
    redis.call('LTRIM', KEYS[4], 0, recentSize - 1)
    redis.call('EXPIRE', KEYS[4], ARGV[11])
  end
end
redis.call('PUBLISH', ARGV[4], ARGV[6])
redis.call('PUBLISH', ARGV[5], ARGV[6])
if identity then
  for _, merged in ipairs(identity.absorbed) do
    redis.call('PUBLISH', merged.channel, merged.change)
    redis.call('PUBLISH', ARGV[5], merged.change)
  end
end
return 1
`;

/**
 * The same step, refused (-1) unless the state marker (KEYS[5]) holds the epoch the writer
 * verified (ARGV[9]) and the run_id of the Redis process running the script. A Redis that
 * restarted (empty, or from an RDB/AOF older than our last writes) has another run_id; one
 * that was flushed has no marker; one whose state another processor restored has a new
 * epoch. In each case writing on what is there would build on a profile older than the
 * truth, and the events in between are committed in Kafka: they would be lost for good. So
 * the check is in the write itself, not beside it, and no write slips in before the
 * processor has noticed.
 */
const GUARDED_COMPARE_AND_SET = `
local marker = redis.call('HMGET', KEYS[5], 'epoch', 'runId')
if marker[1] ~= ARGV[9] then return -1 end
if marker[2] ~= string.match(redis.call('INFO', 'server'), 'run_id:(%w+)') then return -1 end
${COMPARE_AND_SET}`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pulsehubCompareAndSet(
      key: string,
      fenceKey: string,
      identityKey: string,
      recentKey: string,
      expected: string,
      next: string,
      doc: string,
      channel: string,
      allChannel: string,
      change: string,
      seenFence: string,
      identityChange: string,
      epoch: string,
      recentSize: string,
      recentTtlSeconds: string,
      ...ringAndRecent: string[]
    ): Result<number, Context>;
    pulsehubGuardedCompareAndSet(
      key: string,
      fenceKey: string,
      identityKey: string,
      recentKey: string,
      markerKey: string,
      expected: string,
      next: string,
      doc: string,
      channel: string,
      allChannel: string,
      change: string,
      seenFence: string,
      identityChange: string,
      epoch: string,
      recentSize: string,
      recentTtlSeconds: string,
      ...ringAndRecent: string[]
    ): Result<number, Context>;
  }
}

/**
 * A write found that Redis no longer holds the state the writer verified (restarted, flushed,
 * or restored by another writer): nothing of that write was stored.
 */
export class RedisStateLostError extends Error {
  override readonly name = 'RedisStateLostError';
}

/**
 * What a guarded writer (the processor) verified of the Redis state: the epoch of the state
 * marker (schema/redis-keys.ts). Undefined while unverified: every write is then refused.
 */
export interface VerifiedState {
  epoch: string | undefined;
}

export interface ProfileStoreOptions {
  /** Guards every write with the state marker (GUARDED_COMPARE_AND_SET); the processor's. */
  verified?: VerifiedState;
  /**
   * The recent-activity lists' settings in force, read at every write (applied live); the
   * processor's. Absent: writes keep no list.
   */
  recentActivity?: () => RecentActivitySettings;
  /**
   * The dedupe window's length in force (`limits.messageIdWindow`, applied live): a read keeps
   * the newest this many hashes of the chunks. Absent: every hash the chunks hold.
   */
  messageIdWindow?: () => number;
}

export interface ProfileWrite {
  id: string;
  expectedVersion: number;
  nextVersion: number;
  /** The stored profile as JSON: serialised once by the caller, who sends the same text on. */
  document: string;
  /** The pub/sub announcement of this change. */
  change: ProfileChange;
  /**
   * The profile's deletion fence the events were applied against, as read (readForUpdate);
   * absent or null: none. A write whose fence has changed since is refused as a conflict.
   */
  fence?: string | null;
  /** Identifiers linked and profiles merged in the same step (ADR 0012); absent: none. */
  identity?: IdentityChange;
  /** The chunks of the profile's dedupe window to store (message-id-ring.ts); absent: none. */
  ring?: readonly RingChunk[];
  /**
   * The events this write applies, in the order applied, as activities: pushed to the
   * profile's recent-activity list in the same step. Absent or empty: none.
   */
  recent?: readonly RecentActivity[];
}

/** What a write changes of the identity graph besides its own document. */
export interface IdentityChange {
  /** Profiles merged into this one: each is removed, if still at the version read. */
  absorbed: ReadonlyArray<{ id: string; expectedVersion: number; change: ProfileChange }>;
  /** Identifiers linked for the first time: each must have neither a profile nor an identity. */
  claimed: readonly string[];
  /** Every identifier of the profile except its id: each then resolves to it. */
  identifiers: readonly string[];
}

/**
 * An identifier as read for an update: the canonical profile it resolves to, that profile's
 * stored state, and the identifier's own deletion fence (raw JSON).
 */
export interface ProfileForUpdate {
  /** The profile the identifier resolves to (docs/identity.md): itself unless linked or merged. */
  canonical: string;
  stored: StoredProfile | undefined;
  /** The identifier's deletion fence. */
  fence: string | null;
  /** The canonical profile's deletion fence: `fence` when the identifier is canonical. */
  canonicalFence: string | null;
}

export interface SegmentMembership {
  id: string;
  /** The segments the stored profile is in. */
  segments: readonly string[];
}

export interface ProfileStore {
  /** Reads several profiles in one round trip; missing ones are undefined. */
  readMany(ids: readonly string[]): Promise<Array<StoredProfile | undefined>>;
  /**
   * Resolves several identifiers and reads the profiles they resolve to, with the identifiers'
   * deletion fences: one round trip, and a second for identifiers linked to another profile.
   */
  readForUpdate(ids: readonly string[]): Promise<ProfileForUpdate[]>;
  /** The deletion fences (raw JSON, null: none) of several profiles, in one round trip. */
  readFences(ids: readonly string[]): Promise<Array<string | null>>;
  /**
   * Applies writes atomically per profile; returns the ids whose version had moved on. A
   * guarded store throws RedisStateLostError when Redis lost the verified state.
   */
  writeMany(writes: readonly ProfileWrite[]): Promise<string[]>;
  /**
   * Makes the per-segment sets agree with the stored profiles: SADD to each segment a profile
   * is in, SREM from each other known segment. The profile document is the source of truth;
   * the sets live in their own hash slots (one per segment), so on Redis Cluster they cannot
   * join the profile's Lua step. Call it after the writes succeeded, for every profile whose
   * segments changed and every profile that saw a redelivered event: it is idempotent, so a
   * crash between the write and this call is repaired when the batch is redelivered.
   */
  syncSegmentSets(
    memberships: readonly SegmentMembership[],
    knownSegments: readonly string[],
  ): Promise<void>;
}

/** The hash fields a read for an update takes: the document, then the window's chunks. */
const DOCUMENT_AND_RING = ['doc', ...RING_FIELDS];

/**
 * A profile from its hash fields as DOCUMENT_AND_RING reads them, its window the newest
 * `window` hashes the chunks hold; undefined: no document.
 */
function storedOf(
  id: string,
  fields: ReadonlyArray<string | null>,
  window: number,
): StoredProfile | undefined {
  const doc = fields[0];
  if (typeof doc !== 'string') return undefined;
  const stored = parseStoredProfile(id, doc);
  const chunks = fields.slice(1);
  // A document from before the chunks holds its window inline (parseStoredProfile keeps it).
  if (chunks.some((chunk) => chunk !== null))
    stored.recentMessageIds = windowOf(chunks, stored.messageIdCount).slice(-window);
  return stored;
}

export function createProfileStore(
  redis: Redis,
  layout: RedisLayout,
  options: ProfileStoreOptions = {},
): ProfileStore {
  const { verified } = options;
  const window = options.messageIdWindow ?? (() => Number.MAX_SAFE_INTEGER);
  const noRecentActivity: RecentActivitySettings = { size: 0, ttlSeconds: 0 };
  const recentSettings = options.recentActivity ?? (() => noRecentActivity);
  redis.defineCommand('pulsehubCompareAndSet', { numberOfKeys: 4, lua: COMPARE_AND_SET });
  redis.defineCommand('pulsehubGuardedCompareAndSet', {
    numberOfKeys: 5,
    lua: GUARDED_COMPARE_AND_SET,
  });
  /** The newest `size` activities as the script pushes them; none when the lists are off. */
  const recentArguments = (recent: readonly RecentActivity[] | undefined, size: number) =>
    size === 0 || recent === undefined
      ? []
      : recent.slice(-size).map((activity) => JSON.stringify(activity));
  /** The window chunks as the script reads them: their number, then field and text of each. */
  const ringArguments = (ring: readonly RingChunk[] | undefined) => [
    String(ring?.length ?? 0),
    ...ringFieldPairs(ring ?? []),
  ];
  /** The identity change as the script reads it: key names computed here, from the layout. */
  const identityArgument = (id: string, change: IdentityChange | undefined): string =>
    change === undefined
      ? ''
      : JSON.stringify({
          target: id,
          absorbed: change.absorbed.map((merged) => ({
            profile: layout.profile(merged.id),
            identity: layout.identity(merged.id),
            expected: String(merged.expectedVersion),
            channel: layout.profileChannel(merged.id),
            change: JSON.stringify(merged.change),
            recent: layout.recentActivity(merged.id),
          })),
          claimed: change.claimed.map((claimed) => ({
            profile: layout.profile(claimed),
            identity: layout.identity(claimed),
          })),
          point: change.identifiers.map((identifier) => layout.identity(identifier)),
        });
  async function readMany(ids: readonly string[]): Promise<Array<StoredProfile | undefined>> {
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hmget(layout.profile(id), ...DOCUMENT_AND_RING);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, fields], index) => {
      if (error) throw error;
      return storedOf(ids[index] ?? '', fields as Array<string | null>, window());
    });
  }

  return {
    readMany,
    async readForUpdate(ids) {
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids)
        pipeline
          .get(layout.identity(id))
          .hmget(layout.profile(id), ...DOCUMENT_AND_RING)
          .get(layout.erasureFence(id));
      const results = (await pipeline.exec()) ?? [];
      for (const [error] of results) if (error) throw error;
      const text = (reply: unknown) => (typeof reply === 'string' ? reply : null);
      const read = ids.map((id, index) => ({
        canonical: text(results[3 * index]?.[1]) ?? id,
        fields: results[3 * index + 1]?.[1] as Array<string | null>,
        fence: text(results[3 * index + 2]?.[1]),
      }));
      // Identifiers linked elsewhere: their own key holds no profile; read the one they name.
      const linked = [
        ...new Set(read.filter((r, i) => r.canonical !== ids[i]).map((r) => r.canonical)),
      ];
      const targets = new Map<string, { fields: Array<string | null>; fence: string | null }>();
      if (linked.length > 0) {
        const second = redis.pipeline();
        for (const id of linked)
          second.hmget(layout.profile(id), ...DOCUMENT_AND_RING).get(layout.erasureFence(id));
        const replies = (await second.exec()) ?? [];
        for (const [error] of replies) if (error) throw error;
        linked.forEach((id, index) =>
          targets.set(id, {
            fields: replies[2 * index]?.[1] as Array<string | null>,
            fence: text(replies[2 * index + 1]?.[1]),
          }),
        );
      }
      return read.map((own, index) => {
        const target = own.canonical === ids[index] ? own : targets.get(own.canonical);
        return {
          canonical: own.canonical,
          stored:
            target === undefined ? undefined : storedOf(own.canonical, target.fields, window()),
          fence: own.fence,
          canonicalFence: target?.fence ?? null,
        };
      });
    },
    async readFences(ids) {
      if (ids.length === 0) return [];
      const fences = await redis.mget(ids.map((id) => layout.erasureFence(id)));
      return fences.map((fence) => fence ?? null);
    },
    async writeMany(writes) {
      if (writes.length === 0) return [];
      const epoch = verified?.epoch;
      if (verified && epoch === undefined)
        throw new RedisStateLostError('the Redis state is not verified');
      const { size, ttlSeconds } = recentSettings();
      const pipeline = redis.pipeline();
      for (const write of writes) {
        const { id, expectedVersion, nextVersion, document, change, fence } = write;
        const keys = [
          layout.profile(id),
          layout.erasureFence(id),
          layout.identity(id),
          layout.recentActivity(id),
        ] as const;
        const args = [
          String(expectedVersion),
          String(nextVersion),
          document,
          layout.profileChannel(id),
          layout.allProfilesChannel,
          JSON.stringify(change),
          fence ?? '',
          identityArgument(id, write.identity),
          epoch ?? '',
          String(size),
          String(ttlSeconds),
          ...ringArguments(write.ring),
          ...recentArguments(write.recent, size),
        ] as const;
        if (epoch === undefined) pipeline.pulsehubCompareAndSet(...keys, ...args);
        else pipeline.pulsehubGuardedCompareAndSet(...keys, layout.stateMarker, ...args);
      }
      const results = (await pipeline.exec()) ?? [];
      const conflicts: string[] = [];
      let lost = false;
      results.forEach(([error, applied], index) => {
        if (error) throw error;
        const write = writes[index];
        if (applied === -1) lost = true;
        else if (applied !== 1 && write) conflicts.push(write.id);
      });
      if (lost)
        throw new RedisStateLostError(
          'Redis no longer holds the verified state (restarted, flushed or restored elsewhere)',
        );
      return conflicts;
    },
    async syncSegmentSets(memberships, knownSegments) {
      if (memberships.length === 0) return;
      const pipeline = redis.pipeline();
      for (const { id, segments } of memberships) {
        for (const segment of new Set([...knownSegments, ...segments])) {
          if (segments.includes(segment)) pipeline.sadd(layout.segmentMembers(segment), id);
          else pipeline.srem(layout.segmentMembers(segment), id);
        }
      }
      const results = (await pipeline.exec()) ?? [];
      for (const [error] of results) if (error) throw error;
    },
  };
}
