import type { Redis, Result } from 'ioredis';
import { parseStoredProfile, type StoredProfile } from '../schema/profile.ts';
import type { ProfileChange } from '../schema/profile-change.ts';
import type { RedisLayout } from '../schema/redis-keys.ts';

/**
 * Writes a profile only if its version is still the one we read and its deletion fence is still
 * the one the writer applied its events against, and announces the change in the same atomic
 * step, so a change is published if and only if it was stored. A round that read the profile
 * before a deletion fenced it (a brand-new profile too: version 0 both sides) is refused like a
 * version conflict and re-reads: it cannot write the erased events back (ADR 0005). The keys
 * of one call share the profile's hash slot, so it stays valid on Redis Cluster.
 * KEYS[1] profile hash, KEYS[fenceKey] its fence; ARGV: expected version, new version,
 * document, channel, all-channel, the ProfileChange (JSON), and at ARGV[fenceArg] the fence
 * seen ('' for none).
 */
const compareAndSet = (fenceKey: number, fenceArg: number) => `
local fence = redis.call('GET', KEYS[${fenceKey}]) or ''
if fence ~= ARGV[${fenceArg}] then return 0 end
local current = redis.call('HGET', KEYS[1], 'version') or '0'
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'doc', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[6])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
`;
const COMPARE_AND_SET = compareAndSet(2, 7);

/**
 * The same step, refused (-1) unless the state marker (KEYS[2]) holds the epoch the writer
 * verified (ARGV[7]) and the run_id of the Redis process running the script. A Redis that
 * restarted (empty, or from an RDB/AOF older than our last writes) has another run_id; one
 * that was flushed has no marker; one whose state another processor restored has a new
 * epoch. In each case writing on what is there would build on a profile older than the
 * truth, and the events in between are committed in Kafka: they would be lost for good. So
 * the check is in the write itself, not beside it, and no write slips in before the
 * processor has noticed.
 */
const GUARDED_COMPARE_AND_SET = `
local marker = redis.call('HMGET', KEYS[2], 'epoch', 'runId')
if marker[1] ~= ARGV[7] then return -1 end
if marker[2] ~= string.match(redis.call('INFO', 'server'), 'run_id:(%w+)') then return -1 end
${compareAndSet(3, 8)}`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pulsehubCompareAndSet(
      key: string,
      fenceKey: string,
      expected: string,
      next: string,
      doc: string,
      channel: string,
      allChannel: string,
      change: string,
      seenFence: string,
    ): Result<number, Context>;
    pulsehubGuardedCompareAndSet(
      key: string,
      markerKey: string,
      fenceKey: string,
      expected: string,
      next: string,
      doc: string,
      channel: string,
      allChannel: string,
      change: string,
      epoch: string,
      seenFence: string,
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
}

/** A profile as read for an update: its stored state and its deletion fence (raw JSON). */
export interface ProfileForUpdate {
  stored: StoredProfile | undefined;
  fence: string | null;
}

export interface SegmentMembership {
  id: string;
  /** The segments the stored profile is in. */
  segments: readonly string[];
}

export interface ProfileStore {
  /** Reads several profiles in one round trip; missing ones are undefined. */
  readMany(ids: readonly string[]): Promise<Array<StoredProfile | undefined>>;
  /** Reads several profiles with their deletion fences, in one round trip. */
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

export function createProfileStore(
  redis: Redis,
  layout: RedisLayout,
  options: ProfileStoreOptions = {},
): ProfileStore {
  const { verified } = options;
  redis.defineCommand('pulsehubCompareAndSet', { numberOfKeys: 2, lua: COMPARE_AND_SET });
  redis.defineCommand('pulsehubGuardedCompareAndSet', {
    numberOfKeys: 3,
    lua: GUARDED_COMPARE_AND_SET,
  });
  return {
    async readMany(ids) {
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hget(layout.profile(id), 'doc');
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, doc], index) => {
        if (error) throw error;
        return typeof doc === 'string' ? parseStoredProfile(ids[index] ?? '', doc) : undefined;
      });
    },
    async readForUpdate(ids) {
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hget(layout.profile(id), 'doc').get(layout.erasureFence(id));
      const results = (await pipeline.exec()) ?? [];
      return ids.map((id, index) => {
        const [docError, doc] = results[2 * index] ?? [];
        const [fenceError, fence] = results[2 * index + 1] ?? [];
        if (docError) throw docError;
        if (fenceError) throw fenceError;
        return {
          stored: typeof doc === 'string' ? parseStoredProfile(id, doc) : undefined,
          fence: typeof fence === 'string' ? fence : null,
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
      const pipeline = redis.pipeline();
      for (const { id, expectedVersion, nextVersion, document, change, fence } of writes) {
        const key = layout.profile(id);
        const fenceKey = layout.erasureFence(id);
        const seenFence = fence ?? '';
        const args = [
          String(expectedVersion),
          String(nextVersion),
          document,
          layout.profileChannel(id),
          layout.allProfilesChannel,
          JSON.stringify(change),
        ] as const;
        if (epoch === undefined) pipeline.pulsehubCompareAndSet(key, fenceKey, ...args, seenFence);
        else
          pipeline.pulsehubGuardedCompareAndSet(
            key,
            layout.stateMarker,
            fenceKey,
            ...args,
            epoch,
            seenFence,
          );
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
